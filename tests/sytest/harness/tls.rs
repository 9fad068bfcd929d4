//! A test certificate authority shared by the test process: one CA, and one server certificate
//! for `localhost` and `127.0.0.1` signed by it, written once to a temporary directory.

use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};

/// The PEM files of the test CA and the server certificate.
#[derive(Debug)]
pub struct TestCa {
    /// The CA certificate (trust this).
    pub ca_path: PathBuf,
    /// The server certificate (for `localhost` and `127.0.0.1`).
    pub certificate_path: PathBuf,
    /// The server certificate's private key.
    pub private_key_path: PathBuf,
}

/// The process's test CA, created on first use.
pub fn test_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| {
        let dir = tempfile::tempdir().expect("CA directory").keep();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Concord test CA");
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        leaf_params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        let leaf_key = KeyPair::generate().expect("server key");
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("server certificate");
        let write = |name: &str, pem: String| {
            let path = dir.join(name);
            std::fs::write(&path, pem).expect("PEM file");
            path
        };
        TestCa {
            ca_path: write("ca.pem", ca.pem()),
            certificate_path: write("server.pem", leaf.pem()),
            private_key_path: write("server.key", leaf_key.serialize_pem()),
        }
    })
}

/// An HTTPS client trusting the test CA.
pub fn tls_client() -> reqwest::Client {
    let pem = std::fs::read(&test_ca().ca_path).expect("CA file");
    let ca = reqwest::Certificate::from_pem(&pem).expect("CA certificate");
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .use_rustls_tls()
        .build()
        .expect("client")
}
