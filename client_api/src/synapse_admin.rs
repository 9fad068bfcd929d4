//! Synapse's admin API, the part tools rely on: shared-secret registration
//! (`/_synapse/admin/v1/register`, used by Synapse's `register_new_matrix_user`).

pub mod get_register_nonce;
pub mod register_with_shared_secret;
