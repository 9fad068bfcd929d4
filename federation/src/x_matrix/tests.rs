use serde_json::json;

use super::*;

fn parsed(header: &str) -> XMatrix {
    XMatrix::parse(header).unwrap_or_else(|e| panic!("{header}: {e}"))
}

#[test]
fn the_spec_example_parses() {
    let header = "X-Matrix origin=\"origin.hs.example.com\",destination=\"destination.hs.example.com\",key=\"ed25519:key1\",sig=\"ABCDEF...\"";
    assert_eq!(
        parsed(header),
        XMatrix {
            origin: "origin.hs.example.com".to_owned(),
            destination: Some("destination.hs.example.com".to_owned()),
            key: "ed25519:key1".to_owned(),
            sig: "ABCDEF...".to_owned(),
        }
    );
}

#[test]
fn the_rfc_9110_variations_parse_alike() {
    let expected = XMatrix {
        origin: "a.example:8448".to_owned(),
        destination: None,
        key: "ed25519:k1".to_owned(),
        sig: "s/ig+".to_owned(),
    };
    for header in [
        "X-Matrix origin=a.example:8448,key=ed25519:k1,sig=\"s/ig+\"",
        "x-matrix   ORIGIN=\"a.example:8448\" ,\tKey=\"ed25519:k1\" , Sig=\"s/ig+\"",
        "X-Matrix sig=\"s/ig+\",key=\"ed25519:k1\",origin=\"a.\\example:8448\",extra=1",
        "X-Matrix origin=\"a.example:8448\",key=\"ed25519:k1\",signature=\"s/ig+\"",
    ] {
        assert_eq!(parsed(header), expected, "{header}");
    }
}

#[test]
fn malformed_headers_are_typed_errors() {
    let cases = [
        ("Bearer abc", XMatrixError::NotXMatrix),
        ("X-Matrix", XMatrixError::NotXMatrix),
        (
            "X-Matrix key=\"ed25519:k\",sig=\"s\"",
            XMatrixError::Missing("origin"),
        ),
        ("X-Matrix origin=a,sig=\"s\"", XMatrixError::Missing("key")),
        ("X-Matrix origin=a,key=k", XMatrixError::Missing("sig")),
        (
            "X-Matrix origin=\"a,key=k,sig=s",
            XMatrixError::Malformed("unterminated quoted value"),
        ),
        (
            "X-Matrix origin=a key=k",
            XMatrixError::Malformed("expected a comma between parameters"),
        ),
        (
            "X-Matrix origin=,key=k",
            XMatrixError::Malformed("empty value"),
        ),
        (
            "X-Matrix =a",
            XMatrixError::Malformed("expected a parameter name"),
        ),
    ];
    for (header, error) in cases {
        assert_eq!(XMatrix::parse(header), Err(error), "{header}");
    }
}

#[test]
fn written_headers_parse_back() {
    let header = XMatrix {
        origin: "weird\"name\\".to_owned(),
        destination: Some("[::1]:8448".to_owned()),
        key: "ed25519:a_b".to_owned(),
        sig: "abc/+".to_owned(),
    };
    let text = header.to_header();
    assert!(text.starts_with("X-Matrix origin=\""), "{text}");
    assert_eq!(parsed(&text), header);
}

fn request<'a>(content: Option<&'a serde_json::Value>) -> SignedRequest<'a> {
    SignedRequest {
        method: "PUT",
        uri: "/_matrix/federation/v1/send/txn1?x=%20y",
        origin: "origin.example",
        destination: "destination.example",
        content,
    }
}

#[test]
fn a_signed_request_verifies_and_any_change_breaks_it() {
    let key = KeyPair::from_seed("ed25519:k1", [7; 32]).unwrap_or_else(|e| panic!("{e}"));
    let body = json!({"pdus": [], "edus": [{"edu_type": "m.typing", "content": {"ü": "é"}}]});
    let signed = XMatrix::sign(&key, &request(Some(&body))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(signed.origin, "origin.example");
    assert_eq!(signed.destination.as_deref(), Some("destination.example"));
    assert_eq!(signed.key, "ed25519:k1");
    let header = parsed(&signed.to_header());
    let verifying = key.verifying_key();
    assert_eq!(header.verify(&request(Some(&body)), &verifying), Ok(()));

    let other_body = json!({"pdus": [], "edus": []});
    let changed = [
        request(Some(&other_body)),
        request(None),
        SignedRequest {
            method: "POST",
            ..request(Some(&body))
        },
        SignedRequest {
            uri: "/_matrix/federation/v1/send/txn2?x=%20y",
            ..request(Some(&body))
        },
        SignedRequest {
            destination: "elsewhere.example",
            ..request(Some(&body))
        },
    ];
    for request in changed {
        assert!(header.verify(&request, &verifying).is_err(), "{request:?}");
    }
    let stranger = KeyPair::from_seed("ed25519:k1", [8; 32]).unwrap_or_else(|e| panic!("{e}"));
    assert!(header
        .verify(&request(Some(&body)), &stranger.verifying_key())
        .is_err());
}

#[test]
fn a_request_without_a_body_signs_without_content() {
    let key = KeyPair::from_seed("ed25519:k1", [7; 32]).unwrap_or_else(|e| panic!("{e}"));
    let signed = XMatrix::sign(&key, &request(None)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(signed.verify(&request(None), &key.verifying_key()), Ok(()));
}

#[test]
fn arbitrary_header_text_never_panics() {
    let alphabet = [
        'X', '-', 'M', 'a', 't', 'r', 'i', 'x', ' ', '=', '"', '\\', ',', '\t', ':', 'é',
    ];
    // Every string of up to 5 characters over the alphabet, then longer seeded ones.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for length in 0..40 {
        for _ in 0..500 {
            let text: String = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = XMatrix::parse(&format!("X-Matrix {text}"));
            let _ = XMatrix::parse(&text);
        }
    }
}
