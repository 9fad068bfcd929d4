//! The `Date` field value (RFC 9110 §6.6.1), formatted at most once a second per thread.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderValue;

thread_local! {
    /// The second last formatted, and its value.
    static CACHE: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
}

/// The current date as an IMF-fixdate; `None` only if the clock is before 1970.
pub(super) fn now() -> Option<HeaderValue> {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((cached, value)) = cache.as_ref() {
            if *cached == second {
                return Some(value.clone());
            }
        }
        let value = HeaderValue::from_str(&httpdate::fmt_http_date(now)).ok()?;
        *cache = Some((second, value.clone()));
        Some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_an_imf_fixdate() {
        let value = now().expect("a date");
        let text = value.to_str().expect("ASCII");
        assert_eq!(text.len(), "Sun, 06 Nov 1994 08:49:37 GMT".len(), "{text}");
        assert!(text.ends_with(" GMT"));
        assert!(httpdate::parse_http_date(text).is_ok());
    }
}
