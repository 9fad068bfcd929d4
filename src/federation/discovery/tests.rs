//! The resolution algorithm over a table of well-known answers and SRV records (DNS and HTTPS
//! themselves are exercised by the federation scenarios over loopback).

use std::collections::HashMap;

use super::*;

#[derive(Default)]
struct Table {
    well_known: HashMap<&'static str, &'static str>,
    srv: HashMap<&'static str, (&'static str, u16)>,
}

impl Lookup for Table {
    async fn well_known(&self, host: &str) -> Option<String> {
        self.well_known.get(host).map(|s| (*s).to_owned())
    }

    async fn srv(&self, name: &str) -> Option<(String, u16)> {
        self.srv.get(name).map(|(h, p)| ((*h).to_owned(), *p))
    }
}

fn target(tls: &str, connect: &str, port: u16, host_header: &str) -> Target {
    Target {
        tls_host: tls.to_owned(),
        connect_host: connect.to_owned(),
        port,
        host_header: host_header.to_owned(),
    }
}

async fn resolved(name: &str, table: &Table) -> Target {
    resolve(name, table)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn ip_literals_and_explicit_ports_need_no_lookup() {
    // The table would redirect everything: it must not be consulted.
    let table = Table {
        well_known: HashMap::from([("1.2.3.4", "elsewhere.example"), ("a.example", "b.example")]),
        srv: HashMap::from([("_matrix-fed._tcp.a.example", ("srv.example", 1))]),
    };
    let cases = [
        ("1.2.3.4", target("1.2.3.4", "1.2.3.4", 8448, "1.2.3.4")),
        (
            "1.2.3.4:8008",
            target("1.2.3.4", "1.2.3.4", 8008, "1.2.3.4:8008"),
        ),
        ("[::1]", target("[::1]", "[::1]", 8448, "[::1]")),
        ("[::1]:443", target("[::1]", "[::1]", 443, "[::1]:443")),
        (
            "a.example:9000",
            target("a.example", "a.example", 9000, "a.example:9000"),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(resolved(name, &table).await, expected, "{name}");
    }
}

#[tokio::test]
async fn well_known_delegation_follows_steps_3_1_to_3_5() {
    let table = Table {
        well_known: HashMap::from([
            ("ip.example", "10.0.0.1"),
            ("ipport.example", "[2001:db8::1]:8443"),
            ("port.example", "matrix.port.example:443"),
            ("fed.example", "matrix.fed.example"),
            ("old.example", "matrix.old.example"),
            ("plain.example", "matrix.plain.example"),
            ("invalid.example", "not a server name"),
        ]),
        srv: HashMap::from([
            (
                "_matrix-fed._tcp.matrix.fed.example",
                ("srv.fed.example.", 8500),
            ),
            ("_matrix._tcp.matrix.fed.example", ("ignored.example", 1)),
            ("_matrix._tcp.matrix.old.example", ("srv.old.example", 8600)),
            (
                "_matrix-fed._tcp.invalid.example",
                ("srv.invalid.example", 8700),
            ),
        ]),
    };
    let cases = [
        (
            "ip.example",
            target("10.0.0.1", "10.0.0.1", 8448, "10.0.0.1"),
        ),
        (
            "ipport.example",
            target("[2001:db8::1]", "[2001:db8::1]", 8443, "[2001:db8::1]:8443"),
        ),
        (
            "port.example",
            target(
                "matrix.port.example",
                "matrix.port.example",
                443,
                "matrix.port.example:443",
            ),
        ),
        (
            "fed.example",
            target(
                "matrix.fed.example",
                "srv.fed.example",
                8500,
                "matrix.fed.example",
            ),
        ),
        (
            "old.example",
            target(
                "matrix.old.example",
                "srv.old.example",
                8600,
                "matrix.old.example",
            ),
        ),
        (
            "plain.example",
            target(
                "matrix.plain.example",
                "matrix.plain.example",
                8448,
                "matrix.plain.example",
            ),
        ),
        // An invalid m.server counts as an error response: on to step 4.
        (
            "invalid.example",
            target(
                "invalid.example",
                "srv.invalid.example",
                8700,
                "invalid.example",
            ),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(resolved(name, &table).await, expected, "{name}");
    }
}

#[tokio::test]
async fn without_well_known_srv_records_then_port_8448_apply() {
    let table = Table {
        well_known: HashMap::new(),
        srv: HashMap::from([
            ("_matrix-fed._tcp.fed.example", ("srv.fed.example", 8500)),
            ("_matrix._tcp.old.example", ("srv.old.example", 8600)),
        ]),
    };
    let cases = [
        (
            "fed.example",
            target("fed.example", "srv.fed.example", 8500, "fed.example"),
        ),
        (
            "old.example",
            target("old.example", "srv.old.example", 8600, "old.example"),
        ),
        (
            "none.example",
            target("none.example", "none.example", 8448, "none.example"),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(resolved(name, &table).await, expected, "{name}");
    }
}

#[tokio::test]
async fn invalid_server_names_are_errors() {
    let table = Table::default();
    for name in ["", "a b", "[::1", "x:99999"] {
        assert!(resolve(name, &table).await.is_err(), "{name}");
    }
}
