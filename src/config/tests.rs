use std::path::Path;

use super::*;

fn parse(text: &str) -> Config {
    match Config::parse(text) {
        Ok(config) => config,
        Err(e) => panic!("{e}"),
    }
}

fn invalid_key(text: &str) -> String {
    let config = parse(text);
    match config.validate() {
        Ok(()) => panic!("{text} validated"),
        Err(e) => e.key,
    }
}

#[test]
fn the_shipped_file_equals_the_defaults() {
    let shipped = parse(DEFAULT_CONFIG);
    let minimal = parse(&format!("server_name: \"{DEFAULT_SERVER_NAME}\""));
    assert_eq!(shipped, minimal);
    assert_eq!(shipped.validate(), Ok(()));
}

#[test]
fn unknown_keys_are_rejected_with_their_name() {
    let error = Config::parse("server_name: a\nlogging:\n  levle: info\n").err();
    let error = error.unwrap_or_default();
    assert!(error.contains("logging"), "{error}");
    assert!(error.contains("levle"), "{error}");
}

#[test]
fn type_errors_name_the_key_path() {
    let error =
        Config::parse("server_name: a\nlisteners:\n  - bind_address: 127.0.0.1\n    port: x\n")
            .err()
            .unwrap_or_default();
    assert!(
        error.starts_with("listeners[0].port: invalid type"),
        "{error}"
    );
}

#[test]
fn invalid_values_name_their_key() {
    assert_eq!(invalid_key("server_name: foo bar"), "server_name");
    assert_eq!(invalid_key("server_name: \"a:99999\""), "server_name");
    assert_eq!(invalid_key("server_name: a\nlisteners: []"), "listeners");
    assert_eq!(
        invalid_key("server_name: a\ndatabase: {url: \"mysql://x\"}"),
        "database.url"
    );
    assert_eq!(
        invalid_key("server_name: a\nwell_known: {client: \"ftp://x\"}"),
        "well_known.client"
    );
    assert_eq!(
        invalid_key("server_name: a\nwell_known: {server: \"a b\"}"),
        "well_known.server"
    );
    assert_eq!(
        invalid_key("server_name: a\nlogging: {level: \"info,=[\"}"),
        "logging.level"
    );
    assert_eq!(
        invalid_key("server_name: a\nregistration: {registration_tokens: [abc]}"),
        "registration.registration_tokens"
    );
    assert_eq!(
        invalid_key(
            "server_name: a\nregistration: {enable_registration: true, registration_tokens: [\"a b\"]}"
        ),
        "registration.registration_tokens[0]"
    );
    assert_eq!(
        invalid_key("server_name: a\nregistration: {registration_shared_secret: \"\"}"),
        "registration.registration_shared_secret"
    );
    assert_eq!(
        invalid_key("server_name: a\nrc_message: {per_second: 0, burst_count: 10}"),
        "rc_message.per_second"
    );
    assert_eq!(
        invalid_key(
            "server_name: a\nrc_login: {failed_attempts: {per_second: 1, burst_count: 0.5}}"
        ),
        "rc_login.failed_attempts.burst_count"
    );
}

#[test]
fn server_names_of_every_form_are_accepted() {
    for name in [
        "example.org",
        "example.org:8448",
        "1.2.3.4:80",
        "[::1]:8448",
        "[1234:5678::abcd]",
    ] {
        assert_eq!(
            parse(&format!("server_name: \"{name}\"")).validate(),
            Ok(()),
            "{name}"
        );
    }
}

#[test]
fn relative_paths_are_resolved_against_the_config_directory() {
    let mut config = parse("server_name: a");
    config.resolve_relative_paths(Path::new("/etc/concord"));
    assert_eq!(
        config.signing_key_path,
        Path::new("/etc/concord/data/signing.key")
    );
    assert_eq!(config.database.url, "sqlite:///etc/concord/data/concord.db");
}

#[test]
fn the_environment_overrides_the_database_url() {
    let dir = std::env::temp_dir().join(format!("concord-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("homeserver.yaml");
    let _ = std::fs::write(&path, "server_name: a\n");
    let env = |name: &str| (name == DATABASE_URL_ENV).then(|| "postgres://db/concord".to_owned());
    let config = Config::load_with_env(&path, env).map_err(|e| e.to_string());
    assert_eq!(
        config.map(|c| c.database.url),
        Ok("postgres://db/concord".to_owned())
    );
    let bad = |name: &str| (name == DATABASE_URL_ENV).then(|| "mysql://db".to_owned());
    let error = Config::load_with_env(&path, bad)
        .err()
        .map(|e| e.to_string());
    assert!(error.unwrap_or_default().contains("CONCORD_DATABASE_URL"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn registration_secrets_stay_out_of_debug_output() {
    let config = parse(
        "server_name: a\nregistration: {enable_registration: true, \
         registration_tokens: [tok-secret], registration_shared_secret: shh-secret}",
    );
    assert_eq!(config.validate(), Ok(()));
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("tok-secret") && !debug.contains("shh-secret"),
        "{debug}"
    );
}
