//! Inline equality and ordering of short strings (event ids, event types, state keys).
//!
//! Resolution compares tens of thousands of such strings per call; the standard `==` and `cmp`
//! call the C library's `memcmp` for each, whose call and size dispatch cost more than comparing
//! a few 8-byte words in place. Both functions agree with `str`'s `==` and `Ord` (byte-wise
//! lexicographic order).

use std::cmp::Ordering;

/// The 8 bytes of `bytes` from `at`, read so that comparing words compares the bytes in order.
#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut chunk = [0u8; 8];
    chunk.copy_from_slice(&bytes[at..at + 8]);
    u64::from_be_bytes(chunk)
}

/// Whether `a` and `b` are the same string.
#[inline]
pub(super) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 8 {
        return a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0;
    }
    let mut at = 0;
    while at + 8 <= len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last (overlapping) word covers the tail.
    at == len || word(a, len - 8) == word(b, len - 8)
}

/// `a.cmp(b)`.
#[inline]
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = a.len().min(b.len());
    if common >= 8 {
        let mut at = 0;
        while at + 8 <= common {
            let (x, y) = (word(a, at), word(b, at));
            if x != y {
                return x.cmp(&y);
            }
            at += 8;
        }
        // The bytes before the last (overlapping) word of the common prefix are equal, so this
        // word orders the tail.
        let (x, y) = (word(a, common - 8), word(b, common - 8));
        if x != y {
            return x.cmp(&y);
        }
    } else {
        for (x, y) in a[..common].iter().zip(&b[..common]) {
            if x != y {
                return x.cmp(y);
            }
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::{compare, same};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agree_with_str(a in "[ab]{0,20}", b in "[ab]{0,20}") {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert_eq!(compare(&a, &b), a.cmp(&b));
        }

        #[test]
        fn agree_on_shared_prefixes(prefix in ".{0,30}", a in ".{0,12}", b in ".{0,12}") {
            let (a, b) = (format!("{prefix}{a}"), format!("{prefix}{b}"));
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert_eq!(compare(&a, &b), a.cmp(&b));
        }
    }

    #[test]
    fn equal_long_strings() {
        let id = "$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        // Another allocation with the same bytes.
        let copy = String::from(id);
        assert!(same(id, &copy));
        assert_eq!(compare(id, &copy), std::cmp::Ordering::Equal);
        assert!(!same(id, &id.replace('G', "H")));
    }
}
