//! `database`: which SQL backend and where. The URL may come from `CONCORD_DATABASE_URL`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use super::InvalidValue;

/// The environment variable that, when set, replaces `database.url`.
pub const DATABASE_URL_ENV: &str = "CONCORD_DATABASE_URL";

/// The database connection.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:` or `postgres://…`. After
    /// [`super::Config::load`], a relative SQLite path has been made absolute.
    #[serde(default = "default_url")]
    pub url: String,
    /// Whether `url` came from [`DATABASE_URL_ENV`] (error messages name the variable).
    #[serde(skip)]
    pub from_env: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: default_url(),
            from_env: false,
        }
    }
}

fn default_url() -> String {
    "sqlite://data/concord.db".to_owned()
}

/// A `sqlite:` URL split into its file path (percent-decoded) and query.
struct SqliteUrl<'a> {
    path: String,
    query: Option<&'a str>,
}

fn parse_sqlite(url: &str) -> Option<SqliteUrl<'_>> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    Some(SqliteUrl {
        path: percent_decode(path)?,
        query,
    })
}

impl DatabaseConfig {
    fn key(&self) -> &'static str {
        if self.from_env {
            DATABASE_URL_ENV
        } else {
            "database.url"
        }
    }

    /// The SQLite database file, if this is a SQLite URL naming a file.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let sqlite = parse_sqlite(&self.url)?;
        let in_memory =
            sqlite.path == ":memory:" || sqlite.query.is_some_and(|q| q.contains("mode=memory"));
        (!in_memory && !sqlite.path.is_empty()).then(|| PathBuf::from(sqlite.path))
    }

    /// Makes a relative SQLite path relative to `base` (the config file's directory).
    pub(super) fn resolve_relative(&mut self, base: &Path) {
        let Some(file) = self.sqlite_file() else {
            return;
        };
        if file.is_absolute() {
            return;
        }
        let query = parse_sqlite(&self.url)
            .and_then(|s| s.query)
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let absolute = base.join(file);
        self.url = format!(
            "sqlite://{}{query}",
            percent_encode(&absolute.to_string_lossy())
        );
    }

    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        let url = &self.url;
        if let Some(sqlite) = parse_sqlite(url) {
            if sqlite.path.is_empty() {
                return Err(InvalidValue::new(
                    self.key(),
                    format!("{url:?} names no database file (e.g. sqlite://data/concord.db)"),
                ));
            }
            return Ok(());
        }
        if url.starts_with("sqlite") {
            return Err(InvalidValue::new(
                self.key(),
                format!("{url:?} is not a valid SQLite URL or has a bad %-escape"),
            ));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Never echo the URL: it may hold a password.
            let parsed = Url::parse(url).map_err(|e| {
                InvalidValue::new(self.key(), format!("not a valid PostgreSQL URL ({e})"))
            })?;
            if parsed.host_str().is_none_or(str::is_empty) && parsed.query().is_none() {
                return Err(InvalidValue::new(
                    self.key(),
                    "the PostgreSQL URL names no host",
                ));
            }
            return Ok(());
        }
        let scheme = url.split(':').next().unwrap_or_default();
        Err(InvalidValue::new(
            self.key(),
            format!("unsupported scheme {scheme:?}: expected sqlite: or postgres://"),
        ))
    }
}

/// Escapes the characters a SQLite URL path cannot hold literally.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` on a malformed escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(url: &str) -> DatabaseConfig {
        DatabaseConfig {
            url: url.to_owned(),
            from_env: false,
        }
    }

    #[test]
    fn relative_sqlite_paths_are_resolved_against_the_config_directory() {
        let mut config = db("sqlite://data/concord.db?cache=shared");
        config.resolve_relative(Path::new("/srv/matrix"));
        assert_eq!(
            config.url,
            "sqlite:///srv/matrix/data/concord.db?cache=shared"
        );
        assert_eq!(
            config.sqlite_file(),
            Some(PathBuf::from("/srv/matrix/data/concord.db"))
        );
    }

    #[test]
    fn absolute_and_memory_urls_are_left_alone() {
        for url in [
            "sqlite:///var/db.sqlite",
            "sqlite::memory:",
            "postgres://h/db",
        ] {
            let mut config = db(url);
            config.resolve_relative(Path::new("/srv"));
            assert_eq!(config.url, url);
        }
    }

    #[test]
    fn special_characters_in_paths_round_trip() {
        let mut config = db("sqlite:odd%3Fname%25.db");
        config.resolve_relative(Path::new("/a b"));
        assert_eq!(
            config.sqlite_file(),
            Some(PathBuf::from("/a b/odd?name%.db"))
        );
    }

    #[test]
    fn unsupported_schemes_and_empty_paths_are_rejected() {
        assert!(db("mysql://x/y").validate().is_err());
        assert!(db("sqlite://").validate().is_err());
        assert!(db("postgres://").validate().is_err());
        assert!(db("sqlite://data/x.db").validate().is_ok());
        assert!(db("postgres://user:pw@localhost/concord")
            .validate()
            .is_ok());
    }
}
