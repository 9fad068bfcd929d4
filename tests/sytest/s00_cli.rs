//! The `concord` binary: generate-config, check-config, register-user, serve.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use concord::config::Config;
use concord::password::verify_password;
use concord::storage::Database;
use tempfile::TempDir;

fn concord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("RUST_LOG")
        .output()
        .expect("run concord")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A directory with a generated `homeserver.yaml` for `example.org`.
fn generated(server_name: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = dir.path().join("homeserver.yaml");
    let output = concord(&[
        "generate-config",
        "--server-name",
        server_name,
        "--output",
        path_arg(&config),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, config)
}

fn check_config(config: &Path) -> Output {
    concord(&["check-config", "--config", path_arg(config)])
}

#[test]
fn generate_config_writes_a_file_that_check_config_accepts() {
    let (_dir, config) = generated("example.org");
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.contains("server_name: \"example.org\""), "{text}");
    assert!(text.starts_with('#'), "the generated file is commented");
    let output = check_config(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "config OK");
}

#[test]
fn generate_config_refuses_to_overwrite_without_force() {
    let (_dir, config) = generated("example.org");
    let again = concord(&[
        "generate-config",
        "--server-name",
        "other.org",
        "--output",
        path_arg(&config),
    ]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced = concord(&[
        "generate-config",
        "--server-name",
        "other.org",
        "--output",
        path_arg(&config),
        "--force",
    ]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(std::fs::read_to_string(&config)
        .expect("config")
        .contains("\"other.org\""));
    assert!(
        stdout(&forced).contains("kept the existing signing key"),
        "{}",
        stdout(&forced)
    );
}

#[test]
fn the_generated_signing_key_is_in_synapse_format_and_private() {
    let (dir, _config) = generated("example.org");
    let path = dir.path().join("data/signing.key");
    let text = std::fs::read_to_string(&path).expect("key file");
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{text:?}"
    );
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "{text:?}");
    assert_eq!(fields[0], "ed25519");
    let suffix = fields[1].strip_prefix("a_").expect("version a_XXXX");
    assert!(
        suffix.len() == 4 && suffix.chars().all(|c| c.is_ascii_alphanumeric()),
        "{text:?}"
    );
    assert_eq!(fields[2].len(), 43, "unpadded Base64 of 32 bytes: {text:?}");
    assert_eq!(
        state_res::base64::decode(fields[2]).map(|s| s.len()),
        Ok(32)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_config_with_an_unknown_key_is_rejected_naming_the_key() {
    let (_dir, config) = generated("example.org");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, format!("{text}unknown_key: 1\n")).expect("write");
    let output = check_config(&config);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown_key"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("homeserver.yaml"),
        "{}",
        stderr(&output)
    );
    let nested = text.replace("  level: \"info\"", "  levle: \"info\"");
    std::fs::write(&config, nested).expect("write");
    let output = check_config(&config);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("logging: unknown field `levle`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_value_of_the_wrong_type_is_rejected_naming_its_path() {
    let (_dir, config) = generated("example.org");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text.replace("port: 8008", "port: eighty")).expect("write");
    let output = check_config(&config);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("listeners[0].port: invalid type"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_invalid_server_name_is_rejected_naming_server_name() {
    let (_dir, config) = generated("example.org");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text.replace("\"example.org\"", "\"foo bar\"")).expect("write");
    let output = check_config(&config);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("server_name: \"foo bar\" is not a valid server name"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert_eq!(
        message.matches("server_name").count(),
        1,
        "said once: {message}"
    );

    let dir = tempfile::tempdir().expect("temporary directory");
    let target = dir.path().join("homeserver.yaml");
    let output = concord(&[
        "generate-config",
        "--server-name",
        "foo bar",
        "--output",
        path_arg(&target),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("server_name"),
        "{}",
        stderr(&output)
    );
    assert!(!target.exists());
}

#[test]
fn check_config_reports_a_missing_file_and_a_broken_key_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = check_config(&dir.path().join("absent.yaml"));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("absent.yaml: cannot read"),
        "{}",
        stderr(&output)
    );

    let (dir, config) = generated("example.org");
    std::fs::write(dir.path().join("data/signing.key"), "ed25519 a_bad\n").expect("write");
    let output = check_config(&config);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("signing.key: line 1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn register_user_creates_a_user_once() {
    let (_dir, config) = generated("example.org");
    let config_arg = path_arg(&config);
    let args = [
        "register-user",
        "--config",
        config_arg,
        "--user",
        "alice",
        "--password",
        "s3cret pw",
    ];
    let output = concord(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "created user @alice:example.org");

    let again = concord(&args);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("@alice:example.org already exists"),
        "{}",
        stderr(&again)
    );

    let admin = [
        "register-user",
        "-c",
        config_arg,
        "-u",
        "@Bob:example.org",
        "-p",
        "pw",
        "--admin",
    ];
    let output = concord(&admin);
    assert!(output.status.success(), "{}", stderr(&output));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let config = Config::load_with_env(&config, |_| None).expect("config");
        let database = Database::connect(&config.database.url)
            .await
            .expect("database");
        let alice = database
            .get_user("@alice:example.org")
            .await
            .expect("query");
        let alice = alice.expect("alice exists");
        assert!(!alice.is_admin);
        let hash = alice.password_hash.expect("password hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert_eq!(verify_password("s3cret pw", &hash), Ok(true));
        assert_eq!(verify_password("wrong", &hash), Ok(false));
        let bob = database.get_user("@bob:example.org").await.expect("query");
        assert!(bob.expect("bob exists").is_admin);
        database.close().await;
    });
}

#[test]
fn register_user_rejects_a_user_of_another_server() {
    let (_dir, config) = generated("example.org");
    let output = concord(&[
        "register-user",
        "--config",
        path_arg(&config),
        "--user",
        "@eve:evil.org",
        "--password",
        "x",
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("evil.org"), "{}", stderr(&output));
}

#[test]
fn every_command_explains_itself_in_help() {
    let expected = [
        ("serve", "Run the homeserver"),
        ("generate-config", "Write a commented configuration file"),
        ("check-config", "Check a configuration file"),
        ("register-user", "Create a local user account"),
    ];
    for (command, text) in expected {
        let output = concord(&[command, "--help"]);
        assert!(output.status.success(), "{command}");
        assert!(
            stdout(&output).contains(text),
            "{command}: {}",
            stdout(&output)
        );
    }
}

#[tokio::test]
async fn the_binary_serves_the_config_in_its_directory_until_sigterm() {
    let (dir, config) = generated("example.org");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text.replace("port: 8008", "port: 0")).expect("write");
    // No subcommand: `serve` with ./homeserver.yaml.
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .current_dir(dir.path())
        .env_remove("CONCORD_DATABASE_URL")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start concord");
    let stderr = child.stderr.take().expect("stderr");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = found.send(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    });
    let address = address
        .recv_timeout(Duration::from_secs(60))
        .expect("server listening");
    let health = reqwest::get(format!("http://{address}/health"))
        .await
        .expect("request");
    assert_eq!(health.text().await.expect("body"), "OK");
    assert!(
        dir.path().join("data/concord.db").exists(),
        "the database is next to the config"
    );

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}
