//! Spec server-server § "Device Management": another server asks for a user's device list
//! (after an `m.device_list_update` it could not apply, or to start tracking the user). The
//! port is [`crate::end_to_end_encryption::DeviceKeysPort`].

pub mod get_devices;
