//! WAL checkpoints of a SQLite file, off the async workers.
//!
//! The direct writer (`write.rs`) commits on an async worker thread. SQLite's automatic
//! checkpoint would run inside such a commit once the WAL passes 1,000 pages, copying pages back
//! and syncing the database file: milliseconds during which that worker serves nobody. So the
//! writer turns automatic checkpoints off (`PRAGMA wal_autocheckpoint = 0`) and counts its
//! commits; every [`COMMITS_PER_CHECKPOINT`] it has one `PASSIVE` checkpoint run on a blocking
//! thread, through a connection of its own (a passive checkpoint waits for no reader or writer;
//! frames still in use are left for the next one). At most one runs at a time. SQLite also
//! checkpoints when the last connection to the file closes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

/// Commits between two checkpoints (each commit of a send batch adds a few pages to the WAL).
const COMMITS_PER_CHECKPOINT: u32 = 200;

/// When the next checkpoint is due, and whether one is running.
#[derive(Debug)]
pub(crate) struct Checkpoints {
    path: PathBuf,
    commits: AtomicU32,
    running: Arc<AtomicBool>,
}

impl Checkpoints {
    pub(crate) fn new(path: PathBuf) -> Checkpoints {
        Checkpoints {
            path,
            commits: AtomicU32::new(0),
            running: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Counts a commit; starts a checkpoint when one is due (outside a Tokio runtime, e.g. in a
    /// plain test, SQLite's close-time checkpoint is left to do it).
    pub(crate) fn committed(&self) {
        let count = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        if count % COMMITS_PER_CHECKPOINT != 0 {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let path = self.path.clone();
        let running = Arc::clone(&self.running);
        runtime.spawn_blocking(move || {
            if let Err(error) = checkpoint(&path) {
                tracing::warn!(%error, "WAL checkpoint failed");
            }
            running.store(false, Ordering::Release);
        });
    }
}

fn checkpoint(path: &std::path::Path) -> rusqlite::Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Returns one row (busy, log frames, checkpointed frames).
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}
