//! The few places where SQLite and PostgreSQL need different SQL. Everything else is written once
//! in the portable subset both accept (`$n` placeholders, `ON CONFLICT`, `RETURNING`,
//! `WITH RECURSIVE`).

use super::StorageError;

/// Which SQL backend a [`super::Database`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (a file, or `sqlite::memory:`), one writer connection.
    Sqlite,
    /// PostgreSQL, one shared pool.
    Postgres,
}

impl Dialect {
    /// Picks the dialect from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Dialect::Postgres)
        } else {
            // Only the scheme: the rest of the URL may hold a password.
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StorageError::UnsupportedUrl(format!("{scheme}:…")))
        }
    }

    /// The most bind parameters one statement is given (PostgreSQL allows 65,535: kept with
    /// head-room). SQLite allows 32,766 but resolves each `$N` by a linear search of the names
    /// seen so far while preparing, so preparing grows with the square of the count (15 % of a
    /// 2,000-member room join's time at 4,000–6,000 parameters): chunks of 500 keep it small.
    pub(crate) fn max_bind_params(self) -> usize {
        match self {
            Dialect::Sqlite => 500,
            Dialect::Postgres => 60_000,
        }
    }

    /// `GREATEST(a, b)`: SQLite spells the two-argument form `max(a, b)`.
    pub(crate) fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("max({a}, {b})"),
            Dialect::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// The server part of a user id column (everything after the first `:`), for
    /// `SELECT DISTINCT` over members' servers.
    pub(crate) fn server_part(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("substr({column}, instr({column}, ':') + 1)"),
            Dialect::Postgres => format!("substr({column}, strpos({column}, ':') + 1)"),
        }
    }

    /// A comma-separated list `$first, …, $(first+count-1)` for an `IN (…)` list. (With
    /// `sqlx::Any` there are no array binds, so PostgreSQL's `= ANY($1)` is not available; both
    /// backends get an `IN`-list, chunked by [`Self::max_bind_params`].)
    pub(crate) fn in_list(first: usize, count: usize) -> String {
        (first..first + count)
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `($1, $2), ($3, $4), …`: the tuple list of a multi-row `INSERT … VALUES`.
    pub(crate) fn values_rows(rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|row| format!("({})", Self::in_list(row * columns + 1, columns)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn storage_dialect_from_url_and_placeholders() {
        assert_eq!(
            Dialect::from_url("sqlite::memory:").ok(),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::from_url("postgres://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert!(Dialect::from_url("mysql://secret@h/db").is_err());
        assert_eq!(Dialect::in_list(3, 2), "$3, $4");
        assert_eq!(Dialect::values_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(Dialect::Sqlite.greatest("a", "b"), "max(a, b)");
    }
}
