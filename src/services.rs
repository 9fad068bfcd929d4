//! The engine's services: what the client-server ports do, built on [`crate::storage`].
//! Each service gets its collaborators through its constructor; `app.rs` wires them.
//!
//! - [`credentials`]: resolving user identifiers and checking passwords (shared by login and
//!   the `m.login.password` UIA stage);
//! - [`secrets`]: random access tokens, refresh tokens, device ids and session ids;
//! - [`sessions`]: access tokens, login, refresh, logout;
//! - [`uia`]: user-interactive authentication, one module for every endpoint behind it;
//! - [`accounts`]: registration, password change, deactivation, shared-secret registration;
//! - [`devices`]: device management; [`device_keys`]: end-to-end keys and device list
//!   changes;
//! - [`rate_limit`]: Synapse-style rate limiters (`rc_message`, `rc_login`);
//! - [`rooms`]: the room engine (building, authorising and persisting events) and the room
//!   endpoints built on it.
//! - [`notifier`]: wakes waiting `/sync` requests; [`sync`]: `/sync`; [`account_data`]:
//!   account data, room tags and filters; [`ephemeral`]: typing, receipts, read markers,
//!   presence and unread counts; [`to_device`]: send-to-device messages.
//!
//! Services answer with the client API's `MatrixError`/`UiaError`: they implement client-server
//! semantics, and the error codes are part of them.

pub mod account_data;
pub mod accounts;
pub mod credentials;
pub mod device_keys;
pub mod devices;
pub mod ephemeral;
pub mod notifier;
pub mod rate_limit;
pub mod rooms;
pub mod secrets;
pub mod sessions;
pub mod sync;
pub mod to_device;
pub mod uia;

use std::time::{SystemTime, UNIX_EPOCH};

use client_api::MatrixError;

use crate::storage::StorageError;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or_default()
}

/// A storage failure as the client sees it: 500 `M_UNKNOWN`, logged here once with its cause.
pub(crate) fn internal(error: StorageError) -> MatrixError {
    tracing::error!(%error, "storage error");
    MatrixError::internal("Internal server error")
}

/// Runs CPU-heavy work (password hashing) off the async workers, on a fixed pool of one
/// thread per core. A fixed pool bounds both the CPU a burst of logins can take and the
/// memory: each Argon2 hash allocates 19 MiB, and the allocator keeps a freed block in the
/// arena of the thread that used it, so with tokio's elastic blocking pool 50 concurrent
/// logins left over a gigabyte resident (measured with concord-bench's `register`).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, MatrixError> {
    let (done, result) = tokio::sync::oneshot::channel();
    hashing_pool().submit(Box::new(move || {
        let _ = done.send(work());
    }));
    result.await.map_err(|error| {
        tracing::error!(%error, "blocking task failed");
        MatrixError::internal("Internal server error")
    })
}

/// A job for the hashing pool.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking jobs from one queue.
struct HashingPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

impl HashingPool {
    fn submit(&self, job: Job) {
        let sender = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        // The threads never stop, so the queue is always open.
        let _ = sender.send(job);
    }
}

fn hashing_pool() -> &'static HashingPool {
    static POOL: std::sync::OnceLock<HashingPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let receiver = std::sync::Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || loop {
                    let job = {
                        let queue = receiver.lock().unwrap_or_else(|e| e.into_inner());
                        queue.recv()
                    };
                    match job {
                        // A panicking job drops its result sender; the caller sees an error.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        HashingPool {
            jobs: std::sync::Mutex::new(sender),
        }
    })
}
