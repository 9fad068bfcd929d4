//! Tests of the identifier grammars: the fixture table `tests/fixtures/ids/cases.json`, the
//! exact errors and parsed values, the 255-byte limits, and properties over arbitrary input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use serde_json::Value;

use super::*;

type Check = fn(&str) -> Result<(), IdError>;

const CHECKS: [(&str, Check); 12] = [
    ("server_name", check_server_name),
    ("user_id", check_user_id),
    ("user_id_compliant", check_user_id_compliant),
    ("user_id_strict", check_user_id_strict),
    (
        "localpart_for_registration",
        check_localpart_for_registration,
    ),
    ("room_id", check_room_id),
    ("event_id", check_event_id),
    ("room_alias", check_room_alias),
    ("device_id", check_device_id),
    ("key_id", check_key_id),
    ("namespaced_id", check_namespaced_id),
    ("opaque_id", check_opaque_id),
];

fn strings(cases: &Value, key: &str) -> Vec<String> {
    cases[key]
        .as_array()
        .unwrap_or_else(|| panic!("fixture lacks {key}"))
        .iter()
        .map(|v| v.as_str().expect("fixture strings").to_owned())
        .collect()
}

#[test]
fn fixture_cases_are_accepted_and_rejected() {
    let fixture: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/ids/cases.json")).unwrap();
    for (name, check) in CHECKS {
        let cases = &fixture[name];
        for s in strings(cases, "valid") {
            assert_eq!(check(&s), Ok(()), "{name} should accept {s:?}");
        }
        for s in strings(cases, "invalid") {
            assert!(check(&s).is_err(), "{name} should reject {s:?}");
        }
    }
}

#[test]
fn server_names_parse_into_host_and_port() {
    let cases: [(&str, &str, Option<u16>, HostKind); 7] = [
        ("matrix.org", "matrix.org", None, HostKind::Dns),
        ("matrix.org:8888", "matrix.org", Some(8888), HostKind::Dns),
        ("1.2.3.4", "1.2.3.4", None, HostKind::Ipv4),
        ("1.2.3.4:1234", "1.2.3.4", Some(1234), HostKind::Ipv4),
        (
            "[1234:5678::abcd]",
            "[1234:5678::abcd]",
            None,
            HostKind::Ipv6,
        ),
        (
            "[1234:5678::abcd]:5678",
            "[1234:5678::abcd]",
            Some(5678),
            HostKind::Ipv6,
        ),
        ("1.2.3.4.5:0", "1.2.3.4.5", Some(0), HostKind::Dns),
    ];
    for (input, host, port, kind) in cases {
        let name = parse_server_name(input).unwrap();
        assert_eq!(name, ServerName { host, port }, "{input}");
        assert_eq!(name.host_kind(), kind, "{input}");
    }
}

#[test]
fn ip_literals_yield_their_address() {
    let v4 = parse_server_name("10.0.0.255:80").unwrap();
    assert_eq!(v4.ip(), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 255))));
    let v6 = parse_server_name("[::1]:8448").unwrap();
    assert_eq!(v6.ip(), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(parse_server_name("example.org").unwrap().ip(), None);
}

#[test]
fn ports_are_bounded_by_u16() {
    assert_eq!(parse_server_name("h:65535").unwrap().port, Some(65535));
    assert_eq!(parse_server_name("h:0").unwrap().port, Some(0));
    assert_eq!(parse_server_name("h:00080").unwrap().port, Some(80));
    for bad in ["h:65536", "h:100000", "h:", "h:+1", "[::1]:65536"] {
        assert!(
            matches!(parse_server_name(bad), Err(IdError::InvalidServerName(_))),
            "{bad}"
        );
    }
}

#[test]
fn bare_ipv6_needs_brackets() {
    let err = check_server_name("1234:5678::abcd").unwrap_err();
    assert_eq!(
        err,
        IdError::InvalidServerName("an IPv6 literal must be enclosed in square brackets".into())
    );
    assert!(check_user_id("@a:::1").is_err());
}

#[test]
fn server_names_are_limited_to_255_bytes() {
    let ok = "a".repeat(255);
    assert_eq!(check_server_name(&ok), Ok(()));
    let long = "a".repeat(256);
    assert_eq!(
        check_server_name(&long),
        Err(IdError::TooLong {
            kind: IdKind::ServerName,
            len: 256,
            max: 255
        })
    );
    assert_eq!(check_server_name(""), Err(IdError::Empty));
}

/// An id of exactly `len` bytes: `sigil`, padding, `:example.org`.
fn id_of_len(sigil: char, len: usize) -> String {
    let server = ":example.org";
    format!("{sigil}{}{server}", "a".repeat(len - 1 - server.len()))
}

#[test]
fn ids_are_limited_to_255_bytes() {
    let checks: [(char, IdKind, Check); 5] = [
        ('@', IdKind::UserId, check_user_id),
        ('@', IdKind::UserId, check_user_id_strict),
        ('!', IdKind::RoomId, check_room_id),
        ('#', IdKind::RoomAlias, check_room_alias),
        ('$', IdKind::EventId, check_event_id),
    ];
    for (sigil, kind, check) in checks {
        assert_eq!(check(&id_of_len(sigil, 255)), Ok(()), "{kind} of 255 bytes");
        assert_eq!(
            check(&id_of_len(sigil, 256)),
            Err(IdError::TooLong {
                kind,
                len: 256,
                max: 255
            }),
            "{kind} of 256 bytes"
        );
    }
    // The limit counts bytes, not characters: 'é' is two bytes.
    let multibyte = format!("@{}:example.org", "é".repeat(122));
    assert_eq!(multibyte.len(), 257);
    assert!(matches!(
        check_user_id(&multibyte),
        Err(IdError::TooLong { .. })
    ));
}

#[test]
fn long_fields_of_the_other_ids_are_bounded() {
    assert_eq!(check_device_id(&"D".repeat(255)), Ok(()));
    assert!(matches!(
        check_device_id(&"D".repeat(256)),
        Err(IdError::TooLong { .. })
    ));
    assert_eq!(
        check_key_id(&format!("ed25519:{}", "k".repeat(247))),
        Ok(())
    );
    assert!(check_key_id(&format!("ed25519:{}", "k".repeat(248))).is_err());
    assert_eq!(check_namespaced_id(&"m".repeat(255)), Ok(()));
    assert!(check_namespaced_id(&"m".repeat(256)).is_err());
    assert_eq!(check_opaque_id(&"o".repeat(255)), Ok(()));
    assert!(check_opaque_id(&"o".repeat(256)).is_err());
    assert_eq!(check_localpart_for_registration(&"a".repeat(252)), Ok(()));
    assert_eq!(
        check_localpart_for_registration(&"a".repeat(253)),
        Err(IdError::TooLong {
            kind: IdKind::Localpart,
            len: 253,
            max: 252
        })
    );
}

#[test]
fn uppercase_localparts_are_historical_not_current() {
    let id = "@Alice:example.org";
    assert_eq!(check_user_id(id), Ok(()));
    assert_eq!(check_user_id_compliant(id), Ok(()));
    assert_eq!(
        check_user_id_strict(id),
        Err(IdError::InvalidCharacter {
            kind: IdKind::UserId,
            ch: 'A',
            at: 1
        })
    );
    assert_eq!(
        check_localpart_for_registration("alIce"),
        Err(IdError::InvalidCharacter {
            kind: IdKind::Localpart,
            ch: 'I',
            at: 2
        })
    );
}

#[test]
fn empty_and_non_ascii_localparts_are_historical_only() {
    assert_eq!(check_user_id("@:example.org"), Ok(()));
    assert!(matches!(
        check_user_id_compliant("@:example.org"),
        Err(IdError::InvalidLocalpart(_))
    ));
    assert!(check_user_id_strict("@:example.org").is_err());
    assert_eq!(check_user_id("@zoë:example.org"), Ok(()));
    assert_eq!(
        check_user_id_compliant("@zoë:example.org"),
        Err(IdError::InvalidCharacter {
            kind: IdKind::UserId,
            ch: 'ë',
            at: 3
        })
    );
    assert_eq!(
        check_user_id("@a\0b:example.org"),
        Err(IdError::InvalidCharacter {
            kind: IdKind::UserId,
            ch: '\0',
            at: 2
        })
    );
}

#[test]
fn sigils_and_server_parts_are_required() {
    assert_eq!(check_user_id(""), Err(IdError::Empty));
    assert_eq!(
        check_user_id("alice:example.org"),
        Err(IdError::MissingSigil { expected: '@' })
    );
    assert_eq!(
        check_room_id("#r:example.org"),
        Err(IdError::MissingSigil { expected: '!' })
    );
    assert_eq!(
        check_room_alias("!r:example.org"),
        Err(IdError::MissingSigil { expected: '#' })
    );
    assert_eq!(
        check_event_id("!e:example.org"),
        Err(IdError::MissingSigil { expected: '$' })
    );
    assert_eq!(check_user_id("@alice"), Err(IdError::MissingServerName));
    assert_eq!(check_user_id("@alice:"), Err(IdError::MissingServerName));
    assert_eq!(check_room_alias("#room"), Err(IdError::MissingServerName));
    assert!(matches!(
        check_user_id("@alice:bad_host"),
        Err(IdError::InvalidServerName(_))
    ));
}

#[test]
fn ids_split_at_the_first_colon() {
    assert_eq!(check_room_alias("#a:example.org:8448"), Ok(()));
    assert_eq!(
        server_name_of("#a:example.org:8448"),
        Some("example.org:8448")
    );
    assert_eq!(localpart_of("#a:example.org:8448"), Some("a"));
    assert_eq!(server_name_of("@alice:[::1]:8448"), Some("[::1]:8448"));
    assert_eq!(localpart_of("@:example.org"), Some(""));
    assert_eq!(server_name_of("$abc:example.org"), Some("example.org"));
    assert_eq!(
        server_name_of("!OLJTBnH07Jnxs-AtDo0ZMVcYeoojQcczfaiaNV71ISc"),
        None
    );
    assert_eq!(
        localpart_of("$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o"),
        None
    );
    assert_eq!(server_name_of("example.org:8448"), None);
    assert_eq!(localpart_of(""), None);
}

#[test]
fn hash_ids_report_their_fault() {
    let v12_with_plus = "!OLJTBnH07Jnxs+AtDo0ZMVcYeoojQcczfaiaNV71ISc";
    assert_eq!(
        check_room_id(v12_with_plus),
        Err(IdError::InvalidCharacter {
            kind: IdKind::RoomId,
            ch: '+',
            at: 14
        })
    );
    assert!(matches!(
        check_room_id("!short"),
        Err(IdError::Malformed {
            kind: IdKind::RoomId,
            ..
        })
    ));
    assert!(matches!(
        check_event_id("$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6p"),
        Err(IdError::Malformed {
            kind: IdKind::EventId,
            ..
        })
    ));
}

#[test]
fn errors_read_well() {
    let err = check_user_id_strict("@Alice:example.org").unwrap_err();
    assert_eq!(
        err.to_string(),
        "user id contains the invalid character 'A' at byte 1"
    );
    let err = check_server_name("h:65536").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid server name: the port must be at most 65535"
    );
}

/// Every public check, for the no-panic properties.
fn run_all(s: &str) {
    for (_, check) in CHECKS {
        let _ = check(s);
    }
    if let Ok(name) = parse_server_name(s) {
        let _ = (name.host_kind(), name.ip());
    }
    let _ = (server_name_of(s), localpart_of(s));
}

/// Strings built from the characters the grammars care about, to reach deep branches.
fn id_like() -> impl Strategy<Value = String> {
    "[@!#$]?[a-zA-Z0-9._=/+~\\-:\\[\\]%é\\x00 ]{0,60}"
}

proptest! {
    #[test]
    fn checks_never_panic_on_arbitrary_strings(s in any::<String>()) {
        run_all(&s);
    }

    #[test]
    fn checks_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        run_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn checks_never_panic_on_id_like_strings(s in id_like()) {
        run_all(&s);
    }

    #[test]
    fn user_id_levels_nest(s in id_like()) {
        if check_user_id_strict(&s).is_ok() {
            prop_assert!(check_user_id_compliant(&s).is_ok());
        }
        if check_user_id_compliant(&s).is_ok() {
            prop_assert!(check_user_id(&s).is_ok());
        }
    }

    #[test]
    fn current_grammar_user_ids_are_accepted(
        local in "[a-z0-9._=/+\\-]{1,40}",
        host in "[a-z0-9][a-z0-9.\\-]{0,30}",
        port in proptest::option::of(any::<u16>()),
    ) {
        let server = match port {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let id = format!("@{local}:{server}");
        prop_assume!(parse_server_name(&server).is_ok()); // excludes dotted quads over 255
        prop_assert_eq!(check_localpart_for_registration(&local), Ok(()));
        prop_assert_eq!(check_user_id_strict(&id), Ok(()));
        prop_assert_eq!(localpart_of(&id), Some(local.as_str()));
        prop_assert_eq!(server_name_of(&id), Some(server.as_str()));
        prop_assert_eq!(parse_server_name(&server).unwrap().port, port);
    }

    #[test]
    fn every_ip_address_is_a_server_name(ip in any::<IpAddr>(), port in any::<u16>()) {
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let name = parse_server_name(&host).unwrap();
        prop_assert_eq!(name.ip(), Some(ip));
        let with_port = format!("{host}:{port}");
        prop_assert_eq!(parse_server_name(&with_port).unwrap().port, Some(port));
    }

    #[test]
    fn sha256_hashes_are_event_and_room_ids(bytes in any::<[u8; 32]>()) {
        let url_safe = crate::base64::encode_url_safe(bytes);
        let standard = crate::base64::encode(bytes);
        prop_assert_eq!(check_event_id(&format!("${url_safe}")), Ok(()));
        prop_assert_eq!(check_event_id(&format!("${standard}")), Ok(()));
        prop_assert_eq!(check_room_id(&format!("!{url_safe}")), Ok(()));
    }
}
