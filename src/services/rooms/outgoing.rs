//! Outgoing PDUs: after an event is committed, it goes to every other server with a joined
//! member in the room (server-server API § "PDUs"), through the durable federation queue.

use serde_json::Value;
use state_res::ids::server_name_of;
use state_res::pdu::Pdu;

use super::head::RoomHead;
use super::Rooms;

const MEMBER: &str = "m.room.member";

impl Rooms {
    /// Queues the committed `pdu` for the room's other servers (nothing without a sender).
    pub(super) async fn send_to_servers(&self, pdu: &Pdu) {
        self.send_to_servers_except(pdu, None).await;
    }

    /// [`Self::send_to_servers`] for message events of one room (a batch of sends), built on
    /// `head`: the room's servers are read once per current state (kept on the tip).
    pub(super) async fn send_all_to_servers(&self, head: &mut RoomHead, pdus: &[&Pdu]) {
        let (Some(sender), Some(first)) = (&self.federation_sender, pdus.first()) else {
            return;
        };
        let joined = match head.joined_servers.take() {
            Some(joined) => joined,
            None => match self.database.joined_servers(first.room_id()).await {
                Ok(joined) => joined,
                Err(error) => {
                    tracing::error!(%error, room_id = first.room_id(), "reading a room's servers");
                    return;
                }
            },
        };
        for pdu in pdus {
            let destinations = destinations(&self.server_name, joined.clone(), pdu);
            if !destinations.is_empty() {
                sender
                    .enqueue_pdu(&destinations, &Value::Object(pdu.json().clone()))
                    .await;
            }
        }
        head.joined_servers = Some(joined);
    }

    /// [`Self::send_to_servers`], leaving out `except` (the server the event came from).
    pub(super) async fn send_to_servers_except(&self, pdu: &Pdu, except: Option<&str>) {
        let Some(sender) = &self.federation_sender else {
            return;
        };
        let joined = match self.database.joined_servers(pdu.room_id()).await {
            Ok(joined) => joined,
            Err(error) => {
                tracing::error!(%error, event_id = pdu.event_id(), "reading a room's servers");
                return;
            }
        };
        let mut destinations = destinations(&self.server_name, joined, pdu);
        destinations.retain(|server| Some(server.as_str()) != except);
        if !destinations.is_empty() {
            sender
                .enqueue_pdu(&destinations, &Value::Object(pdu.json().clone()))
                .await;
        }
    }
}

/// The servers of the joined members (after the event), plus a member event's target's server
/// (a remote invitee, or a remote user who just left or was kicked, must hear of it), without
/// our own.
fn destinations(own: &str, mut joined: Vec<String>, pdu: &Pdu) -> Vec<String> {
    if pdu.event_type() == MEMBER {
        if let Some(target) = pdu.state_key().and_then(server_name_of) {
            joined.push(target.to_owned());
        }
    }
    joined.retain(|server| server != own);
    joined.sort_unstable();
    joined.dedup();
    joined
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use state_res::room_version::RoomVersion;

    use super::*;

    fn pdu(event_type: &str, state_key: Option<&str>) -> Pdu {
        let mut json = json!({
            "event_id": "$e:here.example",
            "room_id": "!r:here.example",
            "sender": "@a:here.example",
            "origin": "here.example",
            "origin_server_ts": 1,
            "type": event_type,
            "content": {"membership": "invite"},
            "prev_events": [],
            "auth_events": [],
            "depth": 2,
            "hashes": {"sha256": "aaaa"},
            "signatures": {},
        });
        if let Some(key) = state_key {
            json["state_key"] = json!(key);
        }
        let Value::Object(object) = json else {
            unreachable!()
        };
        Pdu::from_json(object, &RoomVersion::V1).expect("pdu")
    }

    #[test]
    fn events_go_to_the_other_joined_servers_and_a_member_events_target() {
        let joined = vec!["here.example".to_owned(), "b.example".to_owned()];
        let message = pdu("m.room.message", None);
        assert_eq!(
            destinations("here.example", joined.clone(), &message),
            ["b.example"]
        );
        let invite = pdu(MEMBER, Some("@c:c.example:8448"));
        assert_eq!(
            destinations("here.example", joined.clone(), &invite),
            ["b.example", "c.example:8448"]
        );
        let local = pdu(MEMBER, Some("@d:here.example"));
        assert_eq!(destinations("here.example", joined, &local), ["b.example"]);
        assert!(destinations("here.example", vec!["here.example".to_owned()], &message).is_empty());
    }
}
