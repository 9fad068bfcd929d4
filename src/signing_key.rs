//! The server's signing key file, in Synapse's format.
//!
//! One key per line: `<algorithm> <version> <base64 seed>`, e.g.
//! `ed25519 a_Xk3d 9GrkFiPFKX1r5GQUpNq5pn6ATiaNNTIhwdCqWUWlUgo`. The key id is
//! `<algorithm>:<version>`. We write one line, unpadded Base64, mode 0600, version `a_` and four
//! random letters or digits (as Synapse's `generate_signing_key` does). We read what Synapse
//! writes: padded or unpadded Base64, trailing newline, several lines (the first `ed25519` line
//! is used; other algorithms are skipped).

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use rand::distributions::{Alphanumeric, DistString as _};
use rand::rngs::OsRng;
use state_res::signing::{KeyPair, ED25519};

/// Why the signing key could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// Reading or writing the file failed.
    #[error("signing key {path}: {error}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// The file exists but holds no usable ed25519 key.
    #[error("signing key {path}: line {line}: {message}")]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// 1-based line number (0: the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file already exists (when asked to write a new key).
    #[error("signing key {0}: already exists")]
    Exists(PathBuf),
}

/// Loads the key at `path`, or generates one and writes it there if the file does not exist.
/// Returns the key and whether it was created.
pub fn load_or_generate(path: &Path) -> Result<(KeyPair, bool), SigningKeyError> {
    match load(path) {
        Ok(key) => Ok((key, false)),
        Err(SigningKeyError::Io { error, .. }) if error.kind() == io::ErrorKind::NotFound => {
            let key = generate();
            match write_new(path, &key) {
                Ok(()) => Ok((key, true)),
                // Lost a race with another process creating it: use theirs.
                Err(SigningKeyError::Exists(_)) => Ok((load(path)?, false)),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Loads the key at `path`.
pub fn load(path: &Path) -> Result<KeyPair, SigningKeyError> {
    let text = fs::read_to_string(path).map_err(|error| SigningKeyError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text).map_err(|(line, message)| SigningKeyError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Parses key file text: the first `ed25519` line. The error is `(line, message)`.
pub fn parse(text: &str) -> Result<KeyPair, (usize, String)> {
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let mut fields = line.split_whitespace();
        let (Some(algorithm), version, seed) = (fields.next(), fields.next(), fields.next()) else {
            continue; // blank line
        };
        if algorithm != ED25519 {
            continue;
        }
        let (Some(version), Some(seed), None) = (version, seed, fields.next()) else {
            return Err((
                number,
                "expected `ed25519 <version> <base64 seed>`".to_owned(),
            ));
        };
        let bytes = state_res::base64::decode(seed).map_err(|e| (number, e.to_string()))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| (number, format!("seed is {} bytes, expected 32", b.len())))?;
        return KeyPair::from_seed(&format!("{ED25519}:{version}"), seed)
            .map_err(|e| (number, e.to_string()));
    }
    Err((0, "no `ed25519` key in the file".to_owned()))
}

/// A fresh key with a Synapse-style version: `a_` and four random letters or digits.
pub fn generate() -> KeyPair {
    loop {
        let version = format!("a_{}", Alphanumeric.sample_string(&mut OsRng, 4));
        // The version is `[A-Za-z0-9_]+`, which `KeyPair` always accepts.
        if let Ok(key) = KeyPair::generate(&format!("{ED25519}:{version}"), &mut OsRng) {
            return key;
        }
    }
}

/// The key file line for `key`, newline-terminated.
pub fn format(key: &KeyPair) -> String {
    format!(
        "{ED25519} {} {}\n",
        key.version(),
        state_res::base64::encode(key.seed())
    )
}

/// Writes `key` to a new file at `path` with mode 0600, creating the parent directories.
/// Never replaces an existing file ([`SigningKeyError::Exists`]); the file appears complete or
/// not at all (written to a temporary file, then linked into place).
pub fn write_new(path: &Path, key: &KeyPair) -> Result<(), SigningKeyError> {
    let io_error = |error| SigningKeyError::Io {
        path: path.to_path_buf(),
        error,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = write_private(&temporary, format(key).as_bytes())
        .and_then(|()| fs::hard_link(&temporary, path));
    let _ = fs::remove_file(&temporary);
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(SigningKeyError::Exists(path.to_path_buf()))
        }
        Err(e) => Err(io_error(e)),
    }
}

/// Creates (or truncates) `path` readable and writable by the owner only, writes and syncs it.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_B64: &str = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";

    #[test]
    fn written_lines_parse_back_to_the_same_key() {
        let key = generate();
        let line = format(&key);
        assert!(line.starts_with("ed25519 a_") && line.ends_with('\n'));
        let parsed = parse(&line).map_err(|e| e.1);
        assert_eq!(parsed.as_ref().map(KeyPair::key_id), Ok(key.key_id()));
        assert_eq!(parsed.map(|k| k.seed()), Ok(key.seed()));
    }

    #[test]
    fn synapse_files_with_padding_and_several_lines_are_read() {
        let text = format!("\nfoo x y\ned25519 a_AbC1 {SEED_B64}=\ned25519 other {SEED_B64}\n");
        let key = parse(&text).map_err(|e| e.1);
        assert_eq!(
            key.map(|k| k.key_id().to_owned()),
            Ok("ed25519:a_AbC1".to_owned())
        );
    }

    #[test]
    fn malformed_files_report_the_line() {
        assert_eq!(parse("ed25519 a_x").err().map(|e| e.0), Some(1));
        assert_eq!(parse("\ned25519 a_x AAAA").err().map(|e| e.0), Some(2));
        assert_eq!(parse("").err().map(|e| e.0), Some(0));
    }
}
