//! Outgoing EDUs: a local user's typing notices and public read receipts go to every other
//! server with joined members in the room (server-server API § "Typing Notifications",
//! § "Receipts"), presence to every server sharing a room with the user (§ "Presence"), and
//! send-to-device messages to their recipients' servers (§ "Send-to-device messaging"),
//! through the durable federation queue. EDUs are not retried across a destination's dead
//! period any differently from PDUs: they wait in the queue with them.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::federation::FederationSender;
use crate::storage::Database;

/// Where a room's EDUs go: nowhere until a federation sender is attached.
#[derive(Clone, Debug, Default)]
pub struct EduOutbox {
    target: Option<Target>,
}

#[derive(Clone, Debug)]
struct Target {
    database: Database,
    server_name: String,
    sender: Arc<FederationSender>,
}

impl EduOutbox {
    /// An outbox queueing for the other servers of a room, as `server_name`, through `sender`.
    pub fn new(database: Database, server_name: String, sender: Arc<FederationSender>) -> Self {
        Self {
            target: Some(Target {
                database,
                server_name,
                sender,
            }),
        }
    }

    /// `{"edu_type": "m.typing", "content": {room_id, user_id, typing}}` for the room's other
    /// servers (spec § "Typing Notifications").
    pub async fn typing(&self, room_id: &str, user_id: &str, typing: bool) {
        let edu = json!({
            "edu_type": "m.typing",
            "content": {"room_id": room_id, "user_id": user_id, "typing": typing},
        });
        self.to_room(room_id, &edu).await;
    }

    /// An `m.receipt` EDU carrying one public read receipt (spec § "Receipts"):
    /// `{room_id: {"m.read": {user_id: {"event_ids": [event_id], "data": {"ts", "thread_id"?}}}}}`.
    pub async fn read_receipt(
        &self,
        room_id: &str,
        user_id: &str,
        event_id: &str,
        ts: i64,
        thread_id: Option<&str>,
    ) {
        self.to_room(
            room_id,
            &receipt_edu(room_id, user_id, event_id, ts, thread_id),
        )
        .await;
    }

    /// An `m.presence` EDU `{"push": [push]}` for every other server sharing a room with
    /// `user_id` (spec § "Presence").
    pub async fn presence(&self, user_id: &str, push: Value) {
        let Some(target) = &self.target else {
            return;
        };
        let servers = match target.database.servers_sharing_rooms(user_id).await {
            Ok(servers) => servers,
            Err(error) => {
                tracing::error!(%error, user_id, "reading the servers to send presence to");
                return;
            }
        };
        let edu = json!({"edu_type": "m.presence", "content": {"push": [push]}});
        for server in servers.iter().filter(|s| **s != target.server_name) {
            target.sender.enqueue_edu(server, &edu).await;
        }
    }

    /// Queues `edu` for `destination` (ours: nothing).
    pub async fn to_server(&self, destination: &str, edu: &Value) {
        if let Some(target) = &self.target {
            if destination != target.server_name {
                target.sender.enqueue_edu(destination, edu).await;
            }
        }
    }

    /// Queues `edu` for every server with joined members in `room_id` except ours.
    async fn to_room(&self, room_id: &str, edu: &Value) {
        let Some(target) = &self.target else {
            return;
        };
        let servers = match target.database.joined_servers(room_id).await {
            Ok(servers) => servers,
            Err(error) => {
                tracing::error!(%error, room_id, "reading a room's servers for an EDU");
                return;
            }
        };
        for server in servers.iter().filter(|s| **s != target.server_name) {
            target.sender.enqueue_edu(server, edu).await;
        }
    }
}

/// The `m.receipt` EDU of one read receipt.
fn receipt_edu(
    room_id: &str,
    user_id: &str,
    event_id: &str,
    ts: i64,
    thread_id: Option<&str>,
) -> Value {
    let mut data = json!({ "ts": ts });
    if let Some(thread_id) = thread_id {
        data["thread_id"] = json!(thread_id);
    }
    let mut users = serde_json::Map::new();
    users.insert(
        user_id.to_owned(),
        json!({"event_ids": [event_id], "data": data}),
    );
    let mut rooms = serde_json::Map::new();
    rooms.insert(room_id.to_owned(), json!({ "m.read": users }));
    json!({"edu_type": "m.receipt", "content": rooms})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_edu_has_the_spec_shape() {
        let edu = receipt_edu("!r:a", "@u:a", "$e", 5, Some("$thread"));
        assert_eq!(
            edu,
            json!({"edu_type": "m.receipt", "content": {"!r:a": {"m.read": {"@u:a": {
                "event_ids": ["$e"], "data": {"ts": 5, "thread_id": "$thread"}}}}}})
        );
        let unthreaded = receipt_edu("!r:a", "@u:a", "$e", 5, None);
        assert_eq!(
            unthreaded["content"]["!r:a"]["m.read"]["@u:a"]["data"],
            json!({"ts": 5})
        );
    }
}
