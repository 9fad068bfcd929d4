//! Configuration errors. Each names the file, the key and the problem in one line, e.g.
//! `homeserver.yaml: server_name: "foo bar" is not a valid server name (…)`.

use std::io;

/// A value that parsed but is not acceptable: which key, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct InvalidValue {
    /// The key's path in the file, e.g. `listeners[0].port` or `well_known.client`.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl InvalidValue {
    /// An invalid value at `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {error}")]
    Read {
        /// The file, as given.
        file: String,
        /// The I/O error.
        error: io::Error,
    },
    /// The YAML is malformed, has an unknown key, a missing key or a value of the wrong type.
    /// The message comes from the YAML decoder and names the key (`listeners[0].port: invalid
    /// type: …`) and the position.
    #[error("{file}: {message}")]
    Parse {
        /// The file, as given.
        file: String,
        /// The decoder's message.
        message: String,
    },
    /// The file parsed but a value is not acceptable.
    #[error("{file}: {problem}")]
    Invalid {
        /// The file, as given.
        file: String,
        /// The key and the problem.
        problem: InvalidValue,
    },
}
