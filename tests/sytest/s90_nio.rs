//! A real client library against Concord: `tests/clients/nio_scenario.py` (matrix-nio) walks
//! two users through a conversation (rooms, invites, /sync, /messages, typing, receipts,
//! redaction, leave). Runs when `CONCORD_NIO_PYTHON` names a Python that has matrix-nio;
//! skipped otherwise, unless `CONCORD_REQUIRE_NIO=1`, which makes the skip a failure.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Options, TestServer};

/// The scenario's own waits are 10 s per step; this bounds the whole process.
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

#[tokio::test]
async fn a_matrix_nio_client_holds_a_conversation() {
    let Ok(python) = std::env::var("CONCORD_NIO_PYTHON") else {
        assert!(
            std::env::var("CONCORD_REQUIRE_NIO").as_deref() != Ok("1"),
            "CONCORD_REQUIRE_NIO=1 but CONCORD_NIO_PYTHON is not set"
        );
        eprintln!("skipped: set CONCORD_NIO_PYTHON to a Python with matrix-nio");
        return;
    };
    let secret = "nio-scenario-secret";
    let server = TestServer::start_with(Options {
        registration_shared_secret: Some(secret.to_owned()),
        ..Options::default()
    })
    .await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/nio_scenario.py");
    let url = server.base_url.clone();
    // The server runs on this test's runtime: wait for the process off it.
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(python)
            .args([script, "--base-url", &url, "--shared-secret", secret])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the nio scenario");
        let deadline = Instant::now() + SCENARIO_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the nio scenario") {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let output = child.wait_with_output().expect("nio scenario output");
        (
            status,
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
    .await
    .expect("join");
    println!("{stdout}");
    eprintln!("{stderr}");
    let status = status.unwrap_or_else(|| panic!("nio scenario ran over {SCENARIO_LIMIT:?}"));
    assert!(status.success(), "nio scenario failed: {stdout}\n{stderr}");
}
