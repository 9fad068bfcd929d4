//! Spec module "Receipts": `POST /rooms/{roomId}/receipt/{receiptType}/{eventId}`.

pub mod post_receipt;

use std::future::Future;

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the receipt handler needs from the engine.
pub trait ReceiptsPort: Send + Sync + 'static {
    /// Records a receipt (`m.read`, `m.read.private`; `m.fully_read` moves the read marker);
    /// unknown types and bad `thread_id`s are 400, unknown or invisible events 404, rooms the
    /// user is not joined to 403.
    fn post_receipt(
        &self,
        user: &ClientUser,
        room_id: &str,
        receipt_type: &str,
        event_id: &str,
        thread_id: Option<&str>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}
