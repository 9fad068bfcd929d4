//! Log output: `tracing` events to stderr, filtered by `RUST_LOG` when it is set, otherwise by
//! the config's `logging.level`.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// The filter: `RUST_LOG` wins over `level`. An invalid `RUST_LOG` is reported and ignored
/// (the config's level was validated with the config).
pub fn filter(level: &str) -> EnvFilter {
    match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .unwrap_or_else(|e| {
                eprintln!(
                    "RUST_LOG={directives:?} is not a valid log filter ({e}); using {level:?}"
                );
                EnvFilter::new(level)
            }),
        _ => EnvFilter::new(level),
    }
}

/// Installs the global subscriber. A second call (tests starting several servers) is a no-op.
pub fn init(level: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
