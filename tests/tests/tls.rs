//! A device reaches the county server through TLS: a terminating proxy (as
//! docs/SECURITY.md tells operators to run) with a certificate from the
//! county's own CA. The device trusts that CA, learns its document from
//! `/api/me` over https and syncs over wss; without the CA it refuses the
//! server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use automerge::ROOT;
use automerge::transaction::Transactable;
use common::*;
use qunjian_client::{ClientError, Replica, Tls};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

/// A TLS proxy on 127.0.0.1 in front of `upstream`; returns its port and
/// the CA certificate (PEM) a client must trust.
async fn tls_proxy(upstream: std::net::SocketAddr) -> (u16, String, tokio::task::JoinHandle<()>) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("self-signed certificate");
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        // Ends when the test aborts it.
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, certified.cert.pem(), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_syncs_over_wss_trusting_the_county_ca_and_refuses_an_unknown_one() {
    init_tracing();
    let scratch = Scratch::new();
    let url = add_township(&scratch.data_dir(), "330825301", "社阳乡");
    let token = township_token(&scratch.data_dir(), "330825301");
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let (port, ca_pem, proxy) = tls_proxy(server.addr).await;
    let https = format!("https://127.0.0.1:{port}");
    let wss = format!("wss://127.0.0.1:{port}/sync");

    // Without the county's CA the certificate is not trusted.
    let err = qunjian_client::me(&https, &token)
        .await
        .expect_err("an unknown CA must be refused");
    assert!(matches!(err, ClientError::Http(_)), "{err}");

    let tls = Tls::with_extra_ca_pem(ca_pem.as_bytes()).expect("CA");
    let me = qunjian_client::me_trusting(&https, &token, &tls)
        .await
        .expect("me over https");
    assert_eq!(me.document_url.as_deref(), Some(url.as_str()));

    let replica = Replica::open_with_token(scratch.replica_file("a"), &token)
        .await
        .expect("open");
    replica.trust(tls);
    replica.connect(&wss).expect("connect");
    let township = replica.township(&url).await.expect("fetched over wss");
    township
        .transact("note", |tx| tx.put(ROOT, "note", "经 TLS 同步"))
        .expect("edit");
    replica
        .wait_synced(&url, Duration::from_secs(20))
        .await
        .expect("synced over wss");
    assert_eq!(
        server.document("330825301").await.document["note"],
        "经 TLS 同步"
    );
    replica.close().await;

    // A bad CA file is a clear error, not a panic.
    let err = Tls::with_extra_ca_pem(b"not a certificate").expect_err("bad PEM");
    assert!(err.to_string().contains("PEM"), "{err}");
    proxy.abort();
}
