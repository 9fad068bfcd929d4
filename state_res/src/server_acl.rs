//! Server ACLs (client-server API § "Server Access Control Lists (ACLs) for rooms", event
//! `m.room.server_acl`; server-server API § "Server Access Control Lists (ACLs)"): whether a
//! server may take part in a room, from the content of the room's ACL event.
//!
//! The event's order of checks:
//! 1. no `m.room.server_acl` in the room state: allow;
//! 2. an IP literal server name when `allow_ip_literals` is `false` (only a boolean `false`;
//!    anything else counts as `true`): deny;
//! 3. the name matches a `deny` glob: deny;
//! 4. it matches an `allow` glob: allow (`allow` defaults to empty, denying everyone);
//! 5. otherwise deny.
//!
//! Names are compared without their port and case-insensitively; globs are the appendix's
//! (`*` any run of characters, `?` exactly one). Non-string list entries are ignored. A server
//! name that is not valid is denied.

use serde_json::Value;

use crate::ids::{parse_server_name, HostKind};

/// Whether `server_name` is allowed by the ACL event content `acl` (`None`: the room has no
/// ACL).
pub fn is_server_allowed(acl: Option<&Value>, server_name: &str) -> bool {
    let Some(acl) = acl else {
        return true;
    };
    let Ok(server) = parse_server_name(server_name) else {
        return false;
    };
    let ip_literal = server.host_kind() != HostKind::Dns;
    if ip_literal && acl.get("allow_ip_literals") == Some(&Value::Bool(false)) {
        return false;
    }
    let host = server.host.to_lowercase();
    let matches = |list: &str| {
        acl.get(list)
            .and_then(Value::as_array)
            .is_some_and(|globs| {
                globs
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|glob| glob_matches(&glob.to_lowercase(), &host))
            })
    };
    !matches("deny") && matches("allow")
}

/// Whether `text` matches `glob` (`*`: zero or more characters, `?`: exactly one).
fn glob_matches(glob: &str, text: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut g, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for the end of.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, t));
                g += 1;
            }
            Some('?') => {
                g += 1;
                t += 1;
            }
            Some(c) if *c == text[t] => {
                g += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` take one more character and retry after it.
                Some((star_g, star_t)) => {
                    star = Some((star_g, star_t + 1));
                    g = star_g + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{glob_matches, is_server_allowed};

    #[test]
    fn globs_match_any_run_and_single_characters() {
        assert!(glob_matches("*", ""));
        assert!(glob_matches("*.evil.com", "a.b.evil.com"));
        assert!(!glob_matches("*.evil.com", "evil.com"));
        assert!(glob_matches("ev?l.com", "evil.com"));
        assert!(!glob_matches("ev?l.com", "evl.com"));
        assert!(glob_matches("a*b*c", "aXbYbZc"));
        assert!(!glob_matches("a*b*c", "aXbYbZ"));
        assert!(glob_matches("**", "anything"));
    }

    #[test]
    fn the_acl_checks_apply_in_the_specified_order() {
        assert!(is_server_allowed(None, "anyone.org"));
        let acl = json!({
            "allow": ["*", 7],
            "deny": ["*.evil.com", "evil.com"],
            "allow_ip_literals": false,
        });
        assert!(is_server_allowed(Some(&acl), "good.org"));
        assert!(is_server_allowed(Some(&acl), "GOOD.org:8448"));
        assert!(!is_server_allowed(Some(&acl), "evil.com:1234"));
        assert!(!is_server_allowed(Some(&acl), "EVIL.com"));
        assert!(!is_server_allowed(Some(&acl), "a.evil.com"));
        assert!(!is_server_allowed(Some(&acl), "1.2.3.4"));
        assert!(!is_server_allowed(Some(&acl), "[::1]:8448"));
        assert!(!is_server_allowed(Some(&acl), "not a server"));
        // IP literals are allowed unless `allow_ip_literals` is exactly `false`.
        let acl = json!({"allow": ["*"], "allow_ip_literals": "no"});
        assert!(is_server_allowed(Some(&acl), "127.0.0.1:8448"));
        // No `allow`: nobody.
        assert!(!is_server_allowed(Some(&json!({"deny": []})), "good.org"));
        let acl = json!({"allow": ["*.good.org", "[::1]"]});
        assert!(is_server_allowed(Some(&acl), "matrix.good.org"));
        assert!(is_server_allowed(Some(&acl), "[::1]:8448"));
        assert!(!is_server_allowed(Some(&acl), "other.org"));
    }
}
