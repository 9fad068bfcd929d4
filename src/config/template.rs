//! The commented default configuration: `homeserver.yaml` at the repository root, embedded at
//! compile time. `generate-config` writes it with the server name substituted, so the file in the
//! repository and the generated files never drift apart.

use state_res::ids::check_server_name;

use super::InvalidValue;

/// `homeserver.yaml` as shipped.
pub const DEFAULT_CONFIG: &str = include_str!("../../homeserver.yaml");

/// The server name in [`DEFAULT_CONFIG`].
pub const DEFAULT_SERVER_NAME: &str = "localhost:8008";

/// The line of [`DEFAULT_CONFIG`] that sets the server name.
const SERVER_NAME_LINE: &str = "server_name: \"localhost:8008\"";

/// [`DEFAULT_CONFIG`] with `server_name` replaced. The name is validated first, so quoting it
/// in double quotes is enough (a server name holds no `"` or `\`).
pub fn render_config(server_name: &str) -> Result<String, InvalidValue> {
    check_server_name(server_name).map_err(|e| {
        InvalidValue::new(
            "server_name",
            format!("{server_name:?} is not a valid server name ({e})"),
        )
    })?;
    let replaced = DEFAULT_CONFIG.replacen(
        SERVER_NAME_LINE,
        &format!("server_name: \"{server_name}\""),
        1,
    );
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_exactly_one_server_name_line() {
        assert_eq!(DEFAULT_CONFIG.matches(SERVER_NAME_LINE).count(), 1);
    }

    #[test]
    fn rendering_substitutes_the_server_name() {
        let text = render_config("example.org").unwrap_or_default();
        assert!(text.contains("server_name: \"example.org\""));
        assert!(!text.contains(SERVER_NAME_LINE));
        assert_eq!(
            render_config(DEFAULT_SERVER_NAME).ok().as_deref(),
            Some(DEFAULT_CONFIG)
        );
    }

    #[test]
    fn rendering_rejects_an_invalid_server_name() {
        let error = render_config("foo bar").err();
        assert_eq!(error.map(|e| e.key), Some("server_name".to_owned()));
    }
}
