//! Near-cache mode over TLS (`rediss://`, rustls): a redis-server with a TLS port and a
//! certificate signed by a throwaway CA (made with the openssl command), verified by the
//! client against that CA; mutual TLS with a client certificate; and a client that does
//! not trust the CA is refused.
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ferricache::{Cache, RemoteOptions};
use redis::Commands;
use redis_server::{eventually, RedisServer};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server and a client certificate it signed, in `dir`.
fn certificates(dir: &Path) {
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    let day = ["-days", "2"];
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=ferricache test CA",
            day[0],
            day[1],
        ],
    );
    for who in ["server", "client"] {
        let (key, csr, crt) = (
            format!("{who}.key"),
            format!("{who}.csr"),
            format!("{who}.crt"),
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={who}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-extfile",
                "san.ext",
                day[0],
                day[1],
            ],
        );
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn near_cache_over_tls_verifies_the_server_and_stays_coherent() {
    let dir = std::env::temp_dir().join(format!("ferricache-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let tls_port = free_port();
    let server = RedisServer::start_with(&[
        "--tls-port",
        &tls_port.to_string(),
        "--tls-cert-file",
        &path("server.crt"),
        "--tls-key-file",
        &path("server.key"),
        "--tls-ca-cert-file",
        &path("ca.crt"),
        "--tls-auth-clients",
        "optional",
    ]);
    let url = format!("rediss://127.0.0.1:{tls_port}/0");
    let ca = std::fs::read(dir.join("ca.crt")).unwrap();
    let options = || {
        RemoteOptions::new()
            .tls_root_certificate(ca.clone())
            .connect_timeout(Duration::from_secs(2))
    };
    let cache = Cache::builder()
        .remote(&url)
        .remote_options(options())
        .build()
        .unwrap();
    cache.set("car:1", "v1").unwrap();
    assert_eq!(cache.get("car:1").unwrap().unwrap(), "v1");
    assert_eq!(cache.get("car:1").unwrap().unwrap(), "v1");
    assert_eq!(
        cache.near_cache_stats().unwrap().fetches,
        1,
        "the second read was local"
    );
    // Another client's write (over the plain port) reaches the copy through the TLS stream.
    let mut con = server.client();
    let _: () = con.set("car:1", "v2").unwrap();
    assert!(eventually(Duration::from_secs(2), || cache
        .get("car:1")
        .unwrap()
        .unwrap()
        == "v2"));

    // Mutual TLS: with a client certificate the CA signed.
    let mtls = Cache::builder()
        .remote(&url)
        .remote_options(options().tls_client_certificate(
            std::fs::read(dir.join("client.crt")).unwrap(),
            std::fs::read(dir.join("client.key")).unwrap(),
        ))
        .build()
        .unwrap();
    assert_eq!(mtls.get("car:1").unwrap().unwrap(), "v2");

    // Without the CA, the server's certificate is not trusted: a clear error, no cache.
    let untrusted = Cache::builder()
        .remote(&url)
        .remote_options(RemoteOptions::new().connect_timeout(Duration::from_secs(2)))
        .build();
    let Err(e) = untrusted else {
        panic!("an untrusted server was accepted")
    };
    assert!(
        matches!(e, ferricache::Error::RemoteUnavailable(_)),
        "{e:?}"
    );
    // Certificates with a plain redis:// URL are a configuration error.
    let plain = Cache::builder()
        .remote(server.url())
        .remote_options(options())
        .build();
    assert!(matches!(plain, Err(ferricache::Error::InvalidConfig(_))));
    drop((cache, mtls, server));
    let _ = std::fs::remove_dir_all(&dir);
}
