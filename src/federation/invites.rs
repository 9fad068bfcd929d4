//! Having an invite signed by the invitee's server (spec `server-server-api.md` § "Inviting to
//! a room", `PUT /_matrix/federation/v2/invite`): the answer must be our event, still passing
//! the checks on receipt, now also signed by that server.

use client_api::MatrixError;
use reqwest::Method;
use serde_json::{json, Value};
use state_res::pdu::Pdu;
use state_res::redaction::redact;
use state_res::room_version::RoomVersion;

use super::client::path_segment;
use super::event_checks::{check_pdu, verify_server_signature};
use super::joins::{bad_gateway, relayed};
use super::remote::FederationRemote;
use crate::services::rooms::InviteSigner;

impl InviteSigner for FederationRemote<'_> {
    async fn sign_invite(
        &self,
        server: &str,
        version: &RoomVersion,
        event: &Pdu,
        invite_room_state: &[Value],
    ) -> Result<Pdu, MatrixError> {
        let path = format!(
            "/_matrix/federation/v2/invite/{}/{}",
            path_segment(event.room_id()),
            path_segment(event.event_id())
        );
        let body = json!({
            "event": event.json(),
            "room_version": version.id,
            "invite_room_state": invite_room_state,
        });
        let answer = self
            .client
            .request(Method::PUT, server, &path, Some(&body))
            .await
            .map_err(relayed)?;
        let signed = answer
            .get("event")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| bad_gateway(server, "the invite answer has no event"))?;
        let checked = check_pdu(self.key_ring, signed, version)
            .await
            .map_err(|e| bad_gateway(server, &e.to_string()))?;
        if checked.redacted {
            return Err(bad_gateway(
                server,
                "the signed invite does not match its hash",
            ));
        }
        let valid_at = if version.enforce_key_validity {
            checked.pdu.origin_server_ts()
        } else {
            i64::MIN
        };
        let redacted = redact(checked.pdu.json(), version);
        verify_server_signature(self.key_ring, &redacted, server, valid_at)
            .await
            .map_err(|e| bad_gateway(server, &e.to_string()))?;
        Ok(checked.pdu)
    }
}
