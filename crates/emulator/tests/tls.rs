//! HTTPS with the generated test PKI, with and without client certificates.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use emulator::{pki, Config, Emulator, Personality};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

fn client_config(ca_pem: Option<&str>, client: Option<(&str, &str)>) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let builder = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().unwrap().with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => {
            let chain = CertificateDer::pem_slice_iter(cert.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
            builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap()).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

fn https_get(port: u16, config: Arc<ClientConfig>, name: &str, path: &str) -> std::io::Result<common::Resp> {
    let conn = ClientConnection::new(config, ServerName::try_from(name.to_string()).unwrap()).map_err(std::io::Error::other)?;
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = StreamOwned::new(conn, sock);
    common::exchange(&mut tls, "GET", path, &[], b"")
}

#[test]
fn https_with_generated_pki() {
    let pki = pki::generate();
    let mut c = Config::new(Personality::Os2);
    c.tls = Some(pki.server.clone());
    let emu = Emulator::start(c).unwrap();
    assert!(emu.url().starts_with("https://127.0.0.1:"));

    let trusted = client_config(Some(&pki.ca_pem), None);
    let r = https_get(emu.port(), trusted.clone(), "localhost", "/").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["version"]["distribution"], serde_json::json!("opensearch"));
    // The certificate also names the IP address.
    assert_eq!(https_get(emu.port(), trusted, "127.0.0.1", "/").unwrap().status, 200);

    // A client that does not trust the CA cannot connect.
    assert!(https_get(emu.port(), client_config(None, None), "localhost", "/").is_err());
    // Another CA does not help either.
    let other = pki::generate();
    assert!(https_get(emu.port(), client_config(Some(&other.ca_pem), None), "localhost", "/").is_err());
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = common::exchange(&mut common::connect(emu.port()), "GET", "/", &[], b"");
    assert!(plain.is_err() || plain.unwrap().status != 200);
}

#[test]
fn mutual_tls() {
    let pki = pki::generate();
    let mut c = Config::new(Personality::Es8);
    c.tls = Some(pki.server_requiring_client_certs());
    let emu = Emulator::start(c).unwrap();
    let with_cert = client_config(Some(&pki.ca_pem), Some((&pki.client_cert_pem, &pki.client_key_pem)));
    let r = https_get(emu.port(), with_cert, "localhost", "/").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-elastic-product"), Some("Elasticsearch"));
    assert!(https_get(emu.port(), client_config(Some(&pki.ca_pem), None), "localhost", "/").is_err(), "client certificate required");
    let stranger = pki::generate();
    let wrong = client_config(Some(&pki.ca_pem), Some((&stranger.client_cert_pem, &stranger.client_key_pem)));
    assert!(https_get(emu.port(), wrong, "localhost", "/").is_err(), "client certificate from another CA");
}
