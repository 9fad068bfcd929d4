//! Wakes waiting `/sync` long-polls as soon as something for their user arrives.
//!
//! Keyed by user: a long-poll [`Notifier::subscribe`]s *before* it reads the stream positions,
//! computes its response, and if that is empty waits on [`UserWaiter::changed`]. Any
//! [`Notifier::notify_users`] after the subscription wakes it, so nothing that commits between
//! the read and the wait is missed. Users nobody waits for cost nothing: an entry lives only
//! while a waiter holds it. Writers call this after their transaction commits:
//!
//! - [`Notifier::notify_users`]: account data, and later typing, receipts, presence, to-device
//!   messages and device list changes for the users they concern;
//! - [`Notifier::notify_room`]: a new room event wakes the room's joined, invited and knocking
//!   users, plus the target of a member event (a user who was kicked or left must see it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::storage::Database;

/// The wake-up registry, shared by the writers and `/sync`.
#[derive(Debug, Default)]
pub struct Notifier {
    users: Mutex<HashMap<String, watch::Sender<u64>>>,
}

/// A subscription of one waiting request; dropping it unregisters.
#[derive(Debug)]
pub struct UserWaiter {
    notifier: Arc<Notifier>,
    user_id: String,
    receiver: Option<watch::Receiver<u64>>,
}

impl Notifier {
    /// Starts listening for `user_id`: any notification after this call wakes the waiter.
    pub fn subscribe(self: &Arc<Self>, user_id: &str) -> UserWaiter {
        let mut users = self.lock();
        let receiver = users
            .entry(user_id.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        UserWaiter {
            notifier: Arc::clone(self),
            user_id: user_id.to_owned(),
            receiver: Some(receiver),
        }
    }

    /// Wakes every waiter of these users.
    pub fn notify_users<S: AsRef<str>>(&self, user_ids: &[S]) {
        let users = self.lock();
        for user_id in user_ids {
            if let Some(sender) = users.get(user_id.as_ref()) {
                sender.send_modify(|version| *version = version.wrapping_add(1));
            }
        }
    }

    /// Wakes the users a new event in `room_id` concerns: the joined, invited and knocking
    /// members (read after the event committed) and `also` (the target of a member event).
    pub async fn notify_room(&self, database: &Database, room_id: &str, also: Option<&str>) {
        self.notify_room_cached(database, room_id, &mut None).await;
        if let Some(also) = also {
            self.notify_users(&[also]);
        }
    }

    /// As [`Self::notify_room`] for an event that did not change the room's state, with the
    /// room's interested users kept in `cached` (read into it when empty): the caller keeps
    /// them with the room's tip and forgets them when the state moves.
    pub async fn notify_room_cached(
        &self,
        database: &Database,
        room_id: &str,
        cached: &mut Option<Vec<String>>,
    ) {
        // Nobody waits: nobody to look up. (A waiter subscribing after this check reads the
        // positions after the event committed, so it cannot miss the event.)
        if self.waiting_users() == 0 {
            return;
        }
        if cached.is_none() {
            match database.room_interested_users(room_id).await {
                Ok(users) => *cached = Some(users),
                Err(error) => {
                    tracing::error!(%error, room_id, "reading whom to wake for a room event");
                    return;
                }
            }
        }
        if let Some(users) = cached {
            self.notify_users(users);
        }
    }

    /// How many users have a waiter now.
    pub fn waiting_users(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<u64>>> {
        // A panic while holding this lock leaves the map consistent: keep using it.
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl UserWaiter {
    /// Waits until the user is notified (returns at once if they were since the last call
    /// or since subscribing).
    pub async fn changed(&mut self) {
        if let Some(receiver) = &mut self.receiver {
            // The sender lives in the map while this receiver exists, so this cannot fail.
            let _ = receiver.changed().await;
        }
    }
}

impl Drop for UserWaiter {
    fn drop(&mut self) {
        let mut users = self.notifier.lock();
        self.receiver = None;
        if users
            .get(&self.user_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            users.remove(&self.user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Notifier;

    #[tokio::test]
    async fn a_notification_after_subscribing_wakes_the_waiter() {
        let notifier = Arc::new(Notifier::default());
        let mut waiter = notifier.subscribe("@a:x");
        // Notified before waiting: not lost.
        notifier.notify_users(&["@a:x"]);
        tokio::time::timeout(Duration::from_secs(5), waiter.changed())
            .await
            .expect("woken");
        // Another user's notification does not wake it.
        notifier.notify_users(&["@b:x"]);
        let waited = tokio::time::timeout(Duration::from_millis(20), waiter.changed()).await;
        assert!(waited.is_err());
        assert_eq!(notifier.waiting_users(), 1);
        drop(waiter);
        assert_eq!(notifier.waiting_users(), 0);
    }
}
