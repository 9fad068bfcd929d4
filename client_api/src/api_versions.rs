//! Spec § "API Versions".

pub mod get_versions;
