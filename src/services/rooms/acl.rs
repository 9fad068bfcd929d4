//! Server ACLs (client-server API § "Server Access Control Lists (ACLs) for rooms", event
//! `m.room.server_acl`; server-server API § "Server Access Control Lists (ACLs)"): whether a
//! server may take part in a room. The port is not part of the name matched; IP literals are
//! refused when `allow_ip_literals` is false; then a `deny` glob refuses, an `allow` glob
//! admits, and anything else is refused (`allow` defaults to empty).

use client_api::MatrixError;
use serde_json::Value;
use state_res::canonical_json::Object;
use state_res::pdu::Pdu;

use super::head::RoomHead;
use super::Rooms;
use crate::services::internal;

const SERVER_ACL: &str = "m.room.server_acl";

impl Rooms {
    /// 403 `M_FORBIDDEN` if the room's current `m.room.server_acl` denies `server` (no ACL
    /// event: everyone may take part; an unknown room: nothing to deny).
    pub async fn check_server_acl(&self, room_id: &str, server: &str) -> Result<(), MatrixError> {
        let Some(group) = self
            .database
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?
        else {
            return Ok(());
        };
        let mut acl = self
            .database
            .load_state_key_events(group, &[(SERVER_ACL, "")])
            .await
            .map_err(internal)?;
        let content = acl
            .remove(&(SERVER_ACL.to_owned(), String::new()))
            .map(|event| event.content());
        match content {
            Some(Value::Object(content)) => acl_verdict(Some(&content), server),
            _ => Ok(()),
        }
    }

    /// [`Self::check_server_acl`] on a room tip (its ACL event loaded and kept with it).
    pub(super) async fn check_server_acl_on(
        &self,
        head: &mut RoomHead,
        server: &str,
    ) -> Result<(), MatrixError> {
        let key = (SERVER_ACL.to_owned(), String::new());
        head.load_events(&self.database, std::slice::from_ref(&key))
            .await?;
        acl_verdict(head.get(SERVER_ACL, "").map(Pdu::content), server)
    }
}

/// 403 `M_FORBIDDEN` if the ACL event's content (none: everyone may take part) denies
/// `server`.
fn acl_verdict(content: Option<&Object>, server: &str) -> Result<(), MatrixError> {
    if content.is_none_or(|content| acl_allows(content, server)) {
        Ok(())
    } else {
        Err(MatrixError::forbidden(format!(
            "Server {server} is denied by the room's server ACL"
        )))
    }
}

/// Whether the ACL `content` lets `server` (a server name, maybe with a port) in.
pub fn acl_allows(content: &Object, server: &str) -> bool {
    let host = host_of(server);
    let allow_ip_literals = content
        .get("allow_ip_literals")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !allow_ip_literals && is_ip_literal(host) {
        return false;
    }
    let globs = |key: &str| -> Vec<&str> {
        content
            .get(key)
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    if globs("deny").iter().any(|glob| glob_matches(glob, host)) {
        return false;
    }
    globs("allow").iter().any(|glob| glob_matches(glob, host))
}

/// The server name without its port (`[v6]:port`, `v4:port`, `name:port`).
fn host_of(server: &str) -> &str {
    if let Some(rest) = server.strip_prefix('[') {
        return rest
            .split_once(']')
            .map_or(server, |(v6, _)| &server[..v6.len() + 2]);
    }
    server.rsplit_once(':').map_or(server, |(host, _)| host)
}

fn is_ip_literal(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// `*` matches any run of characters, `?` exactly one (case-insensitive, as server names).
fn glob_matches(glob: &str, name: &str) -> bool {
    let glob: Vec<char> = glob.to_lowercase().chars().collect();
    let name: Vec<char> = name.to_lowercase().chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut g, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, n));
                g += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((star_g, star_n)) => {
                    g = star_g + 1;
                    n = star_n + 1;
                    star = Some((star_g, star_n + 1));
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acl(value: Value) -> Object {
        value.as_object().cloned().expect("object")
    }

    #[test]
    fn deny_wins_then_allow_then_refusal() {
        let content = acl(json!({"allow": ["*"], "deny": ["evil.example", "*.bad.org"]}));
        assert!(acl_allows(&content, "good.example:8448"));
        assert!(!acl_allows(&content, "evil.example"));
        assert!(!acl_allows(&content, "evil.example:1234"));
        assert!(!acl_allows(&content, "very.bad.org"));
        assert!(acl_allows(&content, "bad.org"));
        let only = acl(json!({"allow": ["*.trusted.net", "h?st.io"]}));
        assert!(acl_allows(&only, "a.trusted.net"));
        assert!(acl_allows(&only, "HOST.io"));
        assert!(!acl_allows(&only, "hoost.io"));
        assert!(!acl_allows(&only, "trusted.net"));
        assert!(!acl_allows(&acl(json!({})), "anyone.example"));
    }

    #[test]
    fn ip_literals_follow_allow_ip_literals() {
        let content = acl(json!({"allow": ["*"], "allow_ip_literals": false}));
        assert!(!acl_allows(&content, "127.0.0.1:8448"));
        assert!(!acl_allows(&content, "[::1]:8448"));
        assert!(acl_allows(&content, "example.org"));
        let default = acl(json!({"allow": ["*"]}));
        assert!(acl_allows(&default, "127.0.0.1:8448"));
        let glob = acl(json!({"allow": ["127.0.0.*"]}));
        assert!(acl_allows(&glob, "127.0.0.1:9"));
    }
}
