//! `concord-bench`: client-server load against any Matrix homeserver (Concord, Synapse, ...),
//! over the standard client-server API plus Synapse's shared-secret registration. Prints one
//! JSON line per scenario: its figures, or `{"error": ...}` when it could not run.

mod client;
mod procfs;
mod scenarios;
mod setup;
mod stats;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{json, Map, Value};

use crate::client::Homeserver;
use crate::scenarios::Scenario;
use crate::setup::Ctx;

/// Client-server load tool. Users are created with shared-secret registration
/// (`/_synapse/admin/v1/register`). For many long-polls raise the open file limit first
/// (`ulimit -n 8192`): each long-poll holds a connection on both sides.
#[derive(Debug, Parser)]
#[command(name = "concord-bench", version)]
pub struct Args {
    /// The server's base URL, e.g. `http://127.0.0.1:8008`.
    pub base_url: String,
    /// The registration shared secret of the server.
    #[arg(long)]
    pub shared_secret: Option<String>,
    /// The server's name in the output (`"server"` field).
    #[arg(long, default_value = "unknown")]
    pub server: String,
    /// Scenarios to run, comma separated: all, register, send, send_to_sync, fanout,
    /// initial_sync, messages, idle_longpolls.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub scenario: Vec<String>,
    /// The server's process id: memory and CPU figures are read from `/proc/PID`.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Timeout of an ordinary request, in seconds (long-polls get their poll time plus 15 s).
    #[arg(long, default_value_t = 60)]
    pub request_timeout_s: u64,
    /// Requests in flight at once while setting scenarios up (users, joins, filler messages).
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// `register`: how many users to register and log in.
    #[arg(long, default_value_t = 50)]
    pub register_users: usize,
    /// `send`: concurrent senders in the one room.
    #[arg(long, default_value_t = 10)]
    pub senders: usize,
    /// `send`: messages in all (split over the senders).
    #[arg(long, default_value_t = 1000)]
    pub send_messages: usize,
    /// `send_to_sync`: iterations.
    #[arg(long, default_value_t = 200)]
    pub send_to_sync_iterations: usize,
    /// `fanout`: members long-polling.
    #[arg(long, default_value_t = 100)]
    pub fanout_members: usize,
    /// `fanout`: iterations (one message each).
    #[arg(long, default_value_t = 20)]
    pub fanout_iterations: usize,
    /// `initial_sync`: rooms the user is in.
    #[arg(long, default_value_t = 21)]
    pub initial_sync_rooms: usize,
    /// `initial_sync`: messages in all, spread over the rooms.
    #[arg(long, default_value_t = 2000)]
    pub initial_sync_messages: usize,
    /// `initial_sync`: repetitions of the fresh /sync.
    #[arg(long, default_value_t = 20)]
    pub initial_sync_repetitions: usize,
    /// `messages`: repetitions of the /messages request.
    #[arg(long, default_value_t = 50)]
    pub messages_repetitions: usize,
    /// `idle_longpolls`: long-polls held open at once (one user each).
    #[arg(long, default_value_t = 1000)]
    pub longpolls: usize,
    /// `idle_longpolls`: seconds over which the server's CPU time is measured.
    #[arg(long, default_value_t = 10)]
    pub cpu_window_s: u64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scenarios = match scenarios::select(&args.scenario) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            print_line(&args.server, "setup", Err(error));
            std::process::exit(2);
        }
    };
    if let Some(pid) = args.pid {
        let memory = procfs::memory(pid).map(|m| {
            let mut fields = Map::new();
            fields.insert("rss_after_start_kb".into(), json!(m.rss_kb));
            fields.insert("pss_after_start_kb".into(), json!(m.pss_kb));
            fields
        });
        print_line(&args.server, "startup", memory);
    }
    // Enough idle connections for every long-poll to keep its own.
    let pool = args.longpolls.max(args.fanout_members).max(64) + 16;
    let hs = match Homeserver::new(
        &args.base_url,
        args.shared_secret.clone(),
        Duration::from_secs(args.request_timeout_s),
        pool,
    ) {
        Ok(hs) => hs,
        Err(error) => {
            print_line(&args.server, "setup", Err(error));
            std::process::exit(2);
        }
    };
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let ctx = Ctx {
        hs,
        run_id: format!("b{seconds}"),
        concurrency: args.concurrency,
    };
    let mut failed = false;
    for scenario in scenarios {
        let result = scenarios::run(scenario, &ctx, &args).await;
        failed |= result.is_err();
        print_line(&args.server, scenario.name(), result);
    }
    std::process::exit(i32::from(failed));
}

/// Prints `{"server":..,"scenario":..,<fields>}` or `{"server":..,"scenario":..,"error":..}`.
fn print_line(server: &str, scenario: &str, result: anyhow::Result<Map<String, Value>>) {
    let mut line = Map::new();
    line.insert("server".into(), json!(server));
    line.insert("scenario".into(), json!(scenario));
    match result {
        Ok(fields) => line.extend(fields),
        Err(error) => {
            line.insert("error".into(), json!(format!("{error:#}")));
        }
    }
    println!("{}", Value::Object(line));
}

impl Scenario {
    /// The scenario's name on the command line and in the output.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Register => "register",
            Scenario::Send => "send",
            Scenario::SendToSync => "send_to_sync",
            Scenario::Fanout => "fanout",
            Scenario::InitialSync => "initial_sync",
            Scenario::Messages => "messages",
            Scenario::IdleLongpolls => "idle_longpolls",
        }
    }
}
