//! Spec § "Account registration" (legacy API) and § "Token-authenticated registration".

pub mod check_username_availability;
pub mod register;
pub mod registration_token_validity;
