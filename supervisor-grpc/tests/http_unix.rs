//! The HTTP runnable (an axum Router) on a unix socket and on TCP, with
//! graceful shutdown.
#![cfg(feature = "hyper")]

mod support;

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use supervisor_core::{Child, NodeState};
use supervisor_grpc::{HttpServer, Listen};
use support::{healthy, within};
use tokio::sync::mpsc;

fn app(started: mpsc::UnboundedSender<()>) -> Router {
    Router::new().route("/", get(|| async { "hello" })).route(
        "/slow",
        get(move || {
            let started = started.clone();
            async move {
                let _ = started.send(());
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow"
            }
        }),
    )
}

async fn get_unix(path: &std::path::Path, uri: &str) -> Result<(u16, String), hyper::Error> {
    let stream = tokio::net::UnixStream::connect(path)
        .await
        .expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = hyper::Request::get(uri)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::test]
async fn http_over_a_unix_socket_with_graceful_shutdown() {
    let path = support::socket_path("unix", "http.sock");
    // A stale socket file (its server died) is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());

    let (started_tx, mut started) = mpsc::unbounded_channel();
    let server = HttpServer::new(Listen::unix(&path), app(started_tx))
        .shutdown_deadline(Duration::from_secs(20));
    let sup = support::tree(vec![server.child("http")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.http").await;

    let (status, body) = within("GET /", get_unix(&path, "/")).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "hello"));

    // A slow request in flight when the node stops completes.
    let slow = tokio::spawn({
        let path = path.clone();
        async move { get_unix(&path, "/slow").await }
    });
    within("slow started", started.recv()).await.unwrap();
    within("stop", sup.stop("root.http")).await.unwrap();
    let (status, body) = within("slow", slow)
        .await
        .unwrap()
        .expect("in-flight request");
    assert_eq!((status, body.as_str()), (200, "slow"));
    // The socket file is removed when the run ends.
    assert!(!path.exists(), "socket file removed");

    // A restart binds it again.
    sup.start("root.http").await.unwrap();
    healthy(&mut events, "root.http").await;
    let (status, _) = within("GET / again", get_unix(&path, "/")).await.unwrap();
    assert_eq!(status, 200);
    sup.shutdown(Duration::from_secs(10)).await.unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn a_live_unix_socket_is_address_in_use() {
    let path = support::socket_path("inuse", "http.sock");
    let _ = std::fs::remove_file(&path);
    let _live = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let sup = support::tree(vec![Child::new(
        "http",
        HttpServer::new(Listen::unix(&path), app(tx)),
    )]);
    let mut events = sup.subscribe();
    let e = support::event(&mut events, "root.http", "Exited", |k| {
        matches!(k, supervisor_core::EventKind::Exited { .. })
    })
    .await;
    let supervisor_core::EventKind::Exited { exit, state } = e.kind else {
        unreachable!()
    };
    assert_eq!(state, NodeState::Dead);
    let msg = exit.to_string();
    assert!(
        msg.contains(&format!("unix:{}", path.display())) && msg.contains("in use"),
        "{msg}"
    );
    assert!(path.exists(), "a live server's socket is left alone");
    sup.shutdown(Duration::from_secs(10)).await.unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn http_over_tcp() {
    let (listener, addr) = support::loopback();
    let (tx, _rx) = mpsc::unbounded_channel();
    // A deadline far beyond `within`'s patience: were the idle connection
    // waited for, the shutdown below would not finish in time.
    let server = HttpServer::new(listener, app(tx)).shutdown_deadline(Duration::from_secs(600));
    let sup = support::tree(vec![server.child("http")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.http").await;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::get("/")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = within("GET", send.send_request(req)).await.unwrap();
    assert_eq!(resp.status(), 200);
    // An idle keep-alive connection does not hold up the shutdown.
    let report = within("shutdown", sup.shutdown(Duration::from_secs(900)))
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
}
