//! Boots a real Concord server in-process on a free loopback port, with its own temporary
//! directory (config, signing key, and the SQLite database or a fresh PostgreSQL schema: see
//! `backend.rs`); `client.rs` holds the client-side helpers.

#[path = "harness/backend.rs"]
mod backend;
#[path = "harness/client.rs"]
mod client;
#[path = "harness/federation.rs"]
pub mod federation;
#[path = "harness/rooms.rs"]
pub mod rooms;
#[path = "harness/synapse.rs"]
pub mod synapse;
#[path = "harness/tls.rs"]
pub mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use concord::app::{app, AppState};
use concord::config::Config;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use backend::{each_backend, Backend};
pub use client::{login, password_auth, password_login, post, register, request, whoami, Session};

/// What to vary in a test server's configuration.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// `well_known.server`.
    pub well_known_server: Option<String>,
    /// `well_known.client`.
    pub well_known_client: Option<String>,
    /// Contents of the signing key file, written before the server starts.
    pub signing_key_file: Option<String>,
    /// The database backend.
    pub backend: Backend,
    /// `registration.enable_registration`.
    pub enable_registration: bool,
    /// `registration.registration_tokens`.
    pub registration_tokens: Vec<String>,
    /// `registration.registration_shared_secret`.
    pub registration_shared_secret: Option<String>,
    /// `registration.refreshable_access_token_lifetime_ms` (default: the config's default).
    pub refreshable_access_token_lifetime_ms: Option<u64>,
    /// YAML for `rc_message` and `rc_login`; by default limits no test reaches.
    pub rate_limits_yaml: Option<String>,
    /// Serve HTTPS with the test CA's certificate (and trust the test CA for federation).
    pub tls: bool,
}

/// Rate limits high enough that scenarios sending and logging in quickly are never throttled.
const UNREACHED_RATE_LIMITS: &str = "rc_message:\n  per_second: 100000\n  burst_count: 100000\n\
rc_login:\n  address: {per_second: 100000, burst_count: 100000}\n  \
account: {per_second: 100000, burst_count: 100000}\n  \
failed_attempts: {per_second: 100000, burst_count: 100000}\n";

impl Options {
    /// Open registration (`m.login.dummy`) on `backend`.
    pub fn open_registration(backend: Backend) -> Self {
        Options {
            backend,
            enable_registration: true,
            ..Options::default()
        }
    }
}

/// A running server. Stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT` (`https` with `Options::tls`).
    pub base_url: String,
    /// The server name, `127.0.0.1:PORT` (so other servers could reach it by name).
    pub server_name: String,
    /// The loaded configuration.
    pub config: Config,
    /// Keeps the directory (config, database, key) alive while the server runs.
    _dir: TempDir,
    address: SocketAddr,
    /// Whether it serves HTTPS (kept across restarts).
    tls: bool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The running instance's engine handles (replaced by a restart).
    running: Running,
}

/// Handles on a running instance's engine, for tests that look inside.
#[derive(Clone)]
struct Running {
    database: concord::storage::Database,
    federation_sender: std::sync::Arc<concord::federation::FederationSender>,
}

impl TestServer {
    /// A server with the default options.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// A server with `options`.
    pub async fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address: SocketAddr = listener.local_addr().expect("local address");
        let server_name = address.to_string();
        if let Some(key) = &options.signing_key_file {
            let data = dir.path().join("data");
            std::fs::create_dir_all(&data).expect("data directory");
            std::fs::write(data.join("signing.key"), key).expect("key file");
        }
        let database_url = match &options.backend {
            Backend::Sqlite => "sqlite://data/concord.db".to_owned(),
            Backend::Postgres(schemas) => schemas.create().await,
        };
        let config_path = write_config(dir.path(), &server_name, &database_url, &options);
        let config = Config::load_with_env(&config_path, |_| None).expect("config");
        let (stop, task, running) = run(&config, listener, options.tls).await;
        let scheme = if options.tls { "https" } else { "http" };
        TestServer {
            base_url: format!("{scheme}://{address}"),
            server_name,
            config,
            _dir: dir,
            address,
            tls: options.tls,
            stop: Some(stop),
            task: Some(task),
            running,
        }
    }

    /// Stops the server and starts it again on the same address, configuration and data (a
    /// restart: nothing kept in memory survives).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.resume().await;
    }

    /// Stops the server (its port refuses connections until [`Self::resume`]).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    /// Starts a stopped server again on the same address, configuration and data.
    pub async fn resume(&mut self) {
        let mut attempts = 0;
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(error) if attempts < 100 => {
                    attempts += 1;
                    eprintln!("rebinding {}: {error}", self.address);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(error) => panic!("rebinding {}: {error}", self.address),
            }
        };
        let (stop, task, running) = run(&self.config, listener, self.tls).await;
        self.stop = Some(stop);
        self.task = Some(task);
        self.running = running;
    }

    /// The running instance's database.
    pub fn database(&self) -> &concord::storage::Database {
        &self.running.database
    }

    /// The running instance's outgoing federation queue.
    pub fn federation_sender(&self) -> &concord::federation::FederationSender {
        &self.running.federation_sender
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The signing key file.
    pub fn signing_key_path(&self) -> PathBuf {
        self.config.signing_key_path.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Opens the state of `config` and serves it on `listener` until the sender is used.
async fn run(
    config: &Config,
    listener: TcpListener,
    tls: bool,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>, Running) {
    let state = AppState::open(config.clone()).await.expect("server state");
    let running = Running {
        database: state.database().clone(),
        federation_sender: std::sync::Arc::clone(state.federation_sender()),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let listener = if tls {
        let ca = tls::test_ca();
        let tls_config = concord::config::ListenerTlsConfig {
            certificate_path: ca.certificate_path.clone(),
            private_key_path: ca.private_key_path.clone(),
        };
        let server_config = concord::server::tls::server_config(&tls_config).expect("TLS");
        let tls_listener =
            concord::server::tls::TlsListener::new(listener, server_config).expect("TLS");
        concord::server::Listener::Tls(tls_listener)
    } else {
        concord::server::Listener::Plain(listener)
    };
    let sender = std::sync::Arc::clone(state.federation_sender());
    sender.start();
    let task = tokio::spawn(async move {
        concord::server::serve(app(state), vec![listener], async {
            let _ = stopped.await;
        })
        .await;
        // A restart starts from the database: no worker of this run survives it.
        sender.shutdown();
    });
    (stop, task, running)
}

/// Writes `homeserver.yaml` into `dir`; paths in it are relative to `dir`.
fn write_config(dir: &Path, server_name: &str, database_url: &str, options: &Options) -> PathBuf {
    let optional = |value: &Option<String>| match value {
        Some(value) => format!("{value:?}"),
        None => "null".to_owned(),
    };
    let text = format!(
        "server_name: {server_name:?}\n\
         listeners:\n  - bind_address: 127.0.0.1\n    port: 0\n\
         database:\n  url: {database_url:?}\n\
         signing_key_path: data/signing.key\n\
         logging:\n  level: warn\n\
         well_known:\n  server: {}\n  client: {}\n\
         registration:\n  enable_registration: {}\n  registration_tokens: {:?}\n  \
         registration_shared_secret: {}\n  refreshable_access_token_lifetime_ms: {}\n",
        optional(&options.well_known_server),
        optional(&options.well_known_client),
        options.enable_registration,
        options.registration_tokens,
        optional(&options.registration_shared_secret),
        options
            .refreshable_access_token_lifetime_ms
            .unwrap_or(300_000),
    );
    let limits = options
        .rate_limits_yaml
        .as_deref()
        .unwrap_or(UNREACHED_RATE_LIMITS);
    let federation = format!(
        "federation:\n  extra_trusted_ca_paths: [{:?}]\n  request_timeout_secs: 30\n  \
         retry_initial_ms: 200\n  retry_max_ms: 2000\n",
        tls::test_ca().ca_path
    );
    let text = format!("{text}{limits}{federation}");
    let path = dir.join("homeserver.yaml");
    std::fs::write(&path, text).expect("config file");
    path
}

/// A server that federates: HTTPS with the test CA's certificate, open registration, SQLite.
pub async fn federating() -> TestServer {
    federating_on(Backend::default()).await
}

/// A server that federates (as [`federating`]) on `backend`.
pub async fn federating_on(backend: Backend) -> TestServer {
    TestServer::start_with(Options {
        tls: true,
        enable_registration: true,
        backend,
        ..Options::default()
    })
    .await
}

/// An HTTP client (trusting the test CA, for servers started with `Options::tls`).
pub fn client() -> reqwest::Client {
    tls::tls_client()
}

/// GETs `url`, returning the status and the JSON body (`Null` if the body is not JSON).
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = client().get(url).send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}
