//! A throw-away PKI for TLS tests: one CA, a server certificate for `localhost` / `127.0.0.1`,
//! and a client certificate for mutual TLS — all ECDSA P-256, generated fresh on every call.

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::TlsIdentity;

/// Everything a TLS test needs, PEM-encoded.
#[derive(Clone, Debug)]
pub struct TestPki {
    /// The CA certificate that signed both leaves (trust this in clients).
    pub ca_pem: String,
    /// Server identity for `localhost` and `127.0.0.1` (no client-certificate requirement).
    pub server: TlsIdentity,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl TestPki {
    /// The server identity, additionally requiring client certificates signed by the CA.
    pub fn server_requiring_client_certs(&self) -> TlsIdentity {
        TlsIdentity { client_ca_pem: Some(self.ca_pem.clone()), ..self.server.clone() }
    }
}

/// Generate a fresh CA, server and client certificate.
pub fn generate() -> TestPki {
    try_generate().expect("rcgen generates certificates for fixed, valid parameters")
}

fn try_generate() -> Result<TestPki, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "ferry emulator test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut server_params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    server_params.distinguished_name.push(DnType::CommonName, "localhost");
    server_params.use_authority_key_identifier_extension = true;
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    let client_key = KeyPair::generate()?;
    let mut client_params = CertificateParams::new(vec!["ferry-client".to_string()])?;
    client_params.distinguished_name.push(DnType::CommonName, "ferry-client");
    client_params.use_authority_key_identifier_extension = true;
    client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &issuer)?;

    Ok(TestPki {
        ca_pem: ca_cert.pem(),
        server: TlsIdentity { cert_chain_pem: server_cert.pem(), key_pem: server_key.serialize_pem(), client_ca_pem: None },
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    })
}
