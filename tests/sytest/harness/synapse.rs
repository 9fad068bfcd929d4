//! A real Synapse (from PyPI, in the virtualenv `.ci/run` makes) for the interop scenarios:
//! started on a free loopback port with SQLite, serving the client and federation APIs over
//! HTTPS with the test CA's certificate, trusting the test CA for its own federation requests,
//! with no trusted key servers (it fetches keys from the servers themselves) and loopback
//! allowed as a federation target, rate limits out of reach and cheap password hashing (4 bcrypt
//! rounds: benchmarks register thousands of users). Stopped (killed) when dropped.
//!
//! `CONCORD_SYNAPSE_PYTHON` names the virtualenv's Python; without it the scenarios are
//! skipped, unless `CONCORD_REQUIRE_SYNAPSE=1` (CI), which makes a skip a failure.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tempfile::TempDir;

use super::rooms::join_path;
use super::{client, tls, Session};

/// A running Synapse.
pub struct Synapse {
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
    /// `127.0.0.1:PORT`.
    pub server_name: String,
    process: Child,
    dir: TempDir,
}

impl Synapse {
    /// Starts Synapse, or `None` when no Synapse is available (and none is required).
    pub async fn start() -> Option<Self> {
        let Ok(python) = std::env::var("CONCORD_SYNAPSE_PYTHON") else {
            assert!(
                std::env::var("CONCORD_REQUIRE_SYNAPSE").as_deref() != Ok("1"),
                "CONCORD_REQUIRE_SYNAPSE=1 but CONCORD_SYNAPSE_PYTHON is not set"
            );
            eprintln!("skipping: CONCORD_SYNAPSE_PYTHON is not set");
            return None;
        };
        let port = free_port();
        let server_name = format!("127.0.0.1:{port}");
        let dir = tempfile::tempdir().expect("Synapse directory");
        let config = write_config(dir.path(), &server_name, port);
        let generate = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "--generate-keys", "-c"])
            .arg(&config)
            .current_dir(dir.path())
            .output()
            .expect("run Synapse --generate-keys");
        assert!(
            generate.status.success(),
            "Synapse --generate-keys: {}",
            String::from_utf8_lossy(&generate.stderr)
        );
        let log = std::fs::File::create(dir.path().join("stderr.log")).expect("log file");
        let process = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start Synapse");
        let synapse = Synapse {
            base_url: format!("https://{server_name}"),
            server_name,
            process,
            dir,
        };
        synapse.wait_until_up().await;
        Some(synapse)
    }

    async fn wait_until_up(&self) {
        let url = format!("{}/_matrix/client/versions", self.base_url);
        for _ in 0..240 {
            if let Ok(response) = client().get(&url).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("Synapse did not come up:\n{}", self.log());
    }

    /// Synapse's log so far (for failure messages).
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("homeserver.log"))
            .or_else(|_| std::fs::read_to_string(self.dir.path().join("stderr.log")))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(80)..].join("\n")
    }

    /// Registers `localpart` (open registration, `m.login.dummy`), returning its session.
    pub async fn register(&self, localpart: &str) -> Session {
        let url = format!("{}/_matrix/client/v3/register", self.base_url);
        let mut body = json!({"username": localpart, "password": format!("secret-{localpart}")});
        for _ in 0..3 {
            let response = client()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("register");
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status == 200 {
                return Session {
                    user_id: answer["user_id"].as_str().expect("user_id").to_owned(),
                    access_token: answer["access_token"].as_str().expect("token").to_owned(),
                    device_id: answer["device_id"].as_str().unwrap_or_default().to_owned(),
                };
            }
            assert_eq!(status, 401, "register {localpart}: {answer}");
            body["auth"] = json!({"type": "m.login.dummy", "session": answer["session"]});
        }
        panic!("registering {localpart} on Synapse did not finish");
    }

    /// `method path` with `body`, as `session`: the status and JSON body.
    pub async fn call(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = client()
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&session.access_token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request to Synapse");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A room `owner` creates here with the `createRoom` `body`; its id.
    pub async fn create_room(&self, owner: &Session, body: Value) -> String {
        let path = "/_matrix/client/v3/createRoom";
        let (status, answer) = self.call(owner, Method::POST, path, Some(&body)).await;
        assert_eq!(status, 200, "Synapse createRoom: {answer}");
        answer["room_id"].as_str().expect("room id").to_owned()
    }

    /// `user` (of this Synapse) joins `room_id` through the server `via`: the join's status
    /// and body.
    pub async fn join_via(&self, user: &Session, room_id: &str, via: &str) -> (u16, Value) {
        let path = join_path(room_id, via);
        self.call(user, Method::POST, &path, Some(&json!({}))).await
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn write_config(dir: &Path, server_name: &str, port: u16) -> std::path::PathBuf {
    let ca = tls::test_ca();
    let d = dir.display();
    let log_config = dir.join("log.yaml");
    std::fs::write(
        &log_config,
        format!(
            "version: 1\nformatters:\n  f:\n    format: '%(asctime)s %(name)s %(levelname)s %(message)s'\n\
             handlers:\n  file:\n    class: logging.FileHandler\n    filename: {d}/homeserver.log\n    formatter: f\n\
             root:\n  level: INFO\n  handlers: [file]\ndisable_existing_loggers: false\n"
        ),
    )
    .expect("log config");
    let rc = "  per_second: 1000\n  burst_count: 1000\n";
    let text = format!(
        "server_name: \"{server_name}\"\n\
         pid_file: {d}/homeserver.pid\n\
         listeners:\n  - port: {port}\n    bind_addresses: ['127.0.0.1']\n    type: http\n    tls: true\n    x_forwarded: false\n    resources:\n      - names: [client, federation]\n        compress: false\n\
         tls_certificate_path: {cert}\n\
         tls_private_key_path: {key}\n\
         federation_custom_ca_list: [{ca_path}]\n\
         federation_verify_certificates: true\n\
         ip_range_blacklist: []\n\
         database:\n  name: sqlite3\n  args:\n    database: {d}/homeserver.db\n\
         log_config: {log}\n\
         media_store_path: {d}/media\n\
         signing_key_path: {d}/signing.key\n\
         report_stats: false\n\
         trusted_key_servers: []\n\
         suppress_key_server_warning: true\n\
         enable_registration: true\n\
         enable_registration_without_verification: true\n\
         rc_message:\n{rc}rc_registration:\n{rc}rc_joins:\n  local:\n{rc2}  remote:\n{rc2}\
         rc_login:\n  address:\n{rc2}  account:\n{rc2}  failed_attempts:\n{rc2}\
         rc_federation:\n  window_size: 1000\n  sleep_limit: 1000\n  sleep_delay: 1\n  reject_limit: 1000\n  concurrent: 100\n\
         rc_invites:\n  per_room:\n{rc2}  per_user:\n{rc2}\
         rc_joins_per_room:\n{rc}\
         bcrypt_rounds: 4\n\
",
        cert = ca.certificate_path.display(),
        key = ca.private_key_path.display(),
        ca_path = ca.ca_path.display(),
        log = log_config.display(),
        rc2 = "    per_second: 1000\n    burst_count: 1000\n",
    );
    let path = dir.join("homeserver.yaml");
    std::fs::write(&path, text).expect("Synapse config");
    path
}
