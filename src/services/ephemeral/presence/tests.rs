//! Presence timeouts and the `enabled` switch, without waiting for the timers: `expire` is
//! called with a clock moved forward.

use std::sync::Arc;

use client_api::{AccessToken, ClientUser};

use super::{
    Presence, Remote, FEDERATION_PING_MS, FEDERATION_TIMEOUT_MS, IDLE_MS, SYNC_TIMEOUT_MS,
};
use crate::services::ephemeral::outgoing::EduOutbox;
use crate::services::notifier::Notifier;
use crate::services::now_ms;
use crate::storage::testing::each_backend;
use crate::storage::Database;

const ALICE: &str = "@alice:x";

/// A user of another server.
const BOB: &str = "@bob:y";

fn user(user_id: &str) -> ClientUser {
    ClientUser {
        user_id: user_id.to_owned(),
        device_id: None,
        access_token: AccessToken(String::new()),
    }
}

fn alice() -> ClientUser {
    user(ALICE)
}

/// A presence service without federation.
fn service(db: Database, enabled: bool) -> Arc<Presence> {
    Presence::new(
        db,
        Arc::new(Notifier::default()),
        enabled,
        EduOutbox::default(),
    )
}

async fn own_presence(presence: &Presence) -> String {
    presence_of(presence, ALICE).await
}

async fn presence_of(presence: &Presence, user_id: &str) -> String {
    let status = presence
        .get_status(&user(user_id), user_id)
        .await
        .expect("status");
    status["presence"].as_str().expect("presence").to_owned()
}

#[tokio::test]
async fn presence_goes_offline_without_syncs_and_unavailable_when_idle() {
    each_backend(|db| async move {
        let presence = service(db, true);
        let guard = presence.syncing(ALICE, None).await;
        assert_eq!(own_presence(&presence).await, "online");
        let position = presence.position();
        assert!(position > 0);
        // Still syncing: only the idle timer applies.
        let changed = presence.expire(now_ms() + IDLE_MS + 1_000);
        assert_eq!(changed, [ALICE]);
        assert_eq!(own_presence(&presence).await, "unavailable");
        // No sync running and none for 30 s: offline.
        drop(guard);
        let changed = presence.expire(now_ms() + SYNC_TIMEOUT_MS + 1_000);
        assert_eq!(changed, [ALICE]);
        assert_eq!(own_presence(&presence).await, "offline");
        let events = presence
            .changes(ALICE, Some(position), presence.position())
            .await
            .expect("changes");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].content["presence"], "offline");
        // A new sync brings the user back online.
        let _guard = presence.syncing(ALICE, None).await;
        assert_eq!(own_presence(&presence).await, "online");
    })
    .await;
}

#[tokio::test]
async fn disabled_presence_answers_but_keeps_nothing() {
    each_backend(|db| async move {
        let presence = service(db, false);
        presence
            .set_status(&alice(), ALICE, "unavailable", Some("away".to_owned()))
            .await
            .expect("set");
        let _guard = presence.syncing(ALICE, None).await;
        assert_eq!(own_presence(&presence).await, "offline");
        assert_eq!(presence.position(), 0);
        let events = presence.changes(ALICE, None, 0).await.expect("changes");
        assert!(events.is_empty());
    })
    .await;
}

#[tokio::test]
async fn remote_users_keep_what_their_server_pushed_until_the_federation_timeout() {
    each_backend(|db| async move {
        let presence = service(db, true);
        let now = now_ms();
        presence
            .change(BOB, |state| {
                state.presence = "online".to_owned();
                state.last_active_ms = now - 10 * 60 * 1000;
                state.remote = Some(Remote {
                    updated_ms: now,
                    currently_active: true,
                });
            })
            .await;
        // Neither the sync nor the idle timer applies to them.
        assert!(presence.expire(now + IDLE_MS + SYNC_TIMEOUT_MS).is_empty());
        let status = presence.get_status(&user(BOB), BOB).await.expect("status");
        assert_eq!(status["presence"], "online");
        assert_eq!(status["currently_active"], true);
        // Nor are they pushed to other servers: only local users are.
        let _guard = presence.syncing(ALICE, None).await;
        assert_eq!(
            presence.due_for_ping(now + FEDERATION_PING_MS + 1_000),
            [ALICE]
        );
        // Without an update for 30 minutes they go offline.
        let changed = presence.expire(now + FEDERATION_TIMEOUT_MS + 1_000);
        assert!(changed.contains(&BOB.to_owned()), "{changed:?}");
        assert_eq!(presence_of(&presence, BOB).await, "offline");
    })
    .await;
}
