//! The HTTP servers (`[unix_http_server]`, `[inet_http_server]`) with hyper 1:
//! `POST /RPC2` (XML-RPC), `GET /logtail/<name>[/<channel>]` and `GET /mainlogtail`
//! (streamed, chunked, as `supervisorctl tail -f`/`maintail -f` read them), HTTP
//! Basic auth per server (plain or `{SHA}` passwords; 401 otherwise, 400 for
//! credentials that are not base64 as Python decodes it), 400 for a
//! body that is not XML-RPC, and the web UI (`web.rs`: `/`, `/index.html`, `/tail.html`,
//! `/ok.html`, the stylesheet and images) behind the same auth. A bad request never
//! ends a connection task with a panic.

use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

use crate::daemon::Daemon;
use crate::xmlrpc;

/// Credentials of one server.
#[derive(Clone, Debug)]
pub struct Auth {
    pub username: String,
    pub password: String,
}

/// What an `Authorization` header gets from a server with credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthCheck {
    Allowed,
    /// 401: no header, another scheme, or wrong credentials.
    Refused,
    /// 400: Basic credentials that are not base64 of UTF-8 (medusa's
    /// "malformed authorization info").
    Malformed,
}

impl Auth {
    /// medusa's `auth_handler`: the header is `<scheme> <cookie>`; a `basic`
    /// scheme (any case) has its cookie decoded by `base64.decodebytes`, and
    /// a cookie that does not decode (to UTF-8) is a bad request.
    fn check(&self, header: Option<&str>) -> AuthCheck {
        let Some((scheme, cookie)) = header.and_then(|h| h.split_once(' ')) else {
            return AuthCheck::Refused;
        };
        if scheme.is_empty() || !scheme.eq_ignore_ascii_case("basic") {
            return AuthCheck::Refused;
        }
        let Some(raw) =
            crate::xmlrpc::base64_decode(cookie).and_then(|b| String::from_utf8(b).ok())
        else {
            return AuthCheck::Malformed;
        };
        // (supervisord answers 500 to a cookie without a colon, as its
        // authorizer fails to unpack it; here it is just refused.)
        let Some((user, pass)) = raw.split_once(':') else {
            return AuthCheck::Refused;
        };
        let ok = user == self.username
            && match self.password.strip_prefix("{SHA}") {
                Some(hex) => {
                    sha1_smol::Sha1::from(pass.as_bytes()).digest().to_string()
                        == hex.to_lowercase()
                }
                None => pass == self.password,
            };
        if ok {
            AuthCheck::Allowed
        } else {
            AuthCheck::Refused
        }
    }
}

/// A response body: a full buffer or a stream fed by a channel.
pub enum RespBody {
    Full(Full<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskCx<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            RespBody::Full(f) => Pin::new(f).poll_frame(cx),
            RespBody::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            RespBody::Full(f) => f.size_hint(),
            RespBody::Stream(_) => hyper::body::SizeHint::default(),
        }
    }
}

pub(crate) fn full(status: StatusCode, ctype: &str, body: impl Into<Bytes>) -> Response<RespBody> {
    let mut r = Response::new(RespBody::Full(Full::new(body.into())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("Content-Type", ctype.parse().expect("valid header"));
    r
}

/// medusa's error response (`http_request.error`).
pub(crate) fn error_page(status: StatusCode) -> Response<RespBody> {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code {code}.\r\n<p>Message: {reason}.\r\n</body>\r\n"
    );
    full(status, "text/html", body)
}

async fn handle(
    d: Arc<Daemon>,
    auth: Option<Arc<Auth>>,
    req: Request<Incoming>,
) -> Result<Response<RespBody>, Infallible> {
    if let Some(a) = &auth {
        let h = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        match a.check(h) {
            AuthCheck::Allowed => {}
            AuthCheck::Refused => {
                let mut r = error_page(StatusCode::UNAUTHORIZED);
                r.headers_mut().insert(
                    "WWW-Authenticate",
                    "Basic realm=\"default\"".parse().expect("valid header"),
                );
                return Ok(r);
            }
            AuthCheck::Malformed => return Ok(error_page(StatusCode::BAD_REQUEST)),
        }
    }
    let path = req.uri().path().to_owned();
    if path == "/RPC2" {
        if req.method() != Method::POST {
            return Ok(error_page(StatusCode::METHOD_NOT_ALLOWED));
        }
        let body = match Limited::new(req.into_body(), 64 << 20).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return Ok(error_page(StatusCode::BAD_REQUEST)),
        };
        let call = match xmlrpc::parse_call(&body) {
            Ok(c) => c,
            Err(e) => {
                d.log.debug(&format!("XML-RPC request refused: {e}"));
                return Ok(error_page(StatusCode::BAD_REQUEST));
            }
        };
        // The status of every process (what supervisorctl status asks) is
        // written straight into the body, without building its value.
        if call.method == "supervisor.getAllProcessInfo" && call.params.is_empty() {
            let d2 = d.clone();
            if let Ok(Some(body)) =
                tokio::spawn(async move { crate::rpc::all_process_info_response(&d2).await }).await
            {
                return Ok(full(StatusCode::OK, "text/xml", body));
            }
        }
        // Run the call in its own task, so a panic in a handler is an HTTP 500, not a crash.
        let d2 = d.clone();
        let r = tokio::spawn(async move { crate::rpc::call(&d2, &call.method, call.params).await })
            .await;
        let out = match r {
            Ok(Ok(v)) => xmlrpc::write_response(&v),
            Ok(Err(f)) => xmlrpc::write_fault(f.code, &f.message),
            Err(_) => return Ok(error_page(StatusCode::INTERNAL_SERVER_ERROR)),
        };
        return Ok(full(StatusCode::OK, "text/xml", out));
    }
    if let Some(rest) = path.strip_prefix("/logtail/") {
        let rest = percent_decode(rest);
        let (name, channel) = match rest.rsplit_once('/') {
            Some((n, c)) => (n.to_owned(), c.to_owned()),
            None => (rest.clone(), "stdout".to_owned()),
        };
        let found = crate::rpc::lookup_proc(&d, &name).and_then(|p| match channel.as_str() {
            "stderr" => p.stderr_path.clone(),
            _ => p.stdout_path.clone(),
        });
        return Ok(match found {
            Some(path) => stream_file(path),
            None => error_page(StatusCode::NOT_FOUND),
        });
    }
    if path == "/mainlogtail" {
        return Ok(match d.log.path() {
            Some(p) => stream_file(p.to_path_buf()),
            None => error_page(StatusCode::NOT_FOUND),
        });
    }
    if let Some(view) = crate::web::view_of(&path) {
        let method = req.method().clone();
        if method != Method::GET && method != Method::POST && method != Method::HEAD {
            return Ok(error_page(StatusCode::METHOD_NOT_ALLOWED));
        }
        let host = req
            .headers()
            .get("host")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let query = req.uri().query().unwrap_or("").to_owned();
        let body = if method == Method::POST {
            match Limited::new(req.into_body(), 1 << 20).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return Ok(error_page(StatusCode::BAD_REQUEST)),
            }
        } else {
            Bytes::new()
        };
        let form = crate::web::Form::new(&query, &body);
        return Ok(crate::web::serve(&d, view, form, host.as_deref()).await);
    }
    if let Some(r) = crate::web::asset(&path) {
        return Ok(r);
    }
    Ok(error_page(StatusCode::NOT_FOUND))
}

/// Python's `unquote`: `%XX` escapes decoded, the bytes read as UTF-8 (invalid
/// sequences replaced); a `%` not followed by two hex digits stays as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// supervisord's `tail_f_producer`: the last 1024 bytes, then whatever is appended
/// (following truncation and rotation), until the client goes away.
fn stream_file(path: PathBuf) -> Response<RespBody> {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let mut pos: Option<u64> = None;
        let mut file = None;
        loop {
            let chunk = read_appended(&path, &mut file, &mut pos).unwrap_or_default();
            if !chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err() {
                return;
            }
            if tx.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut r = Response::new(RespBody::Stream(rx));
    r.headers_mut().insert(
        "Content-Type",
        "text/plain;charset=utf-8".parse().expect("valid header"),
    );
    r.headers_mut()
        .insert("X-Accel-Buffering", "no".parse().expect("valid header"));
    r
}

/// A file kept open by [`read_appended`], with its device and inode.
type OpenFile = (std::fs::File, (u64, u64));

/// What `path` holds from `pos` on (at most 1 MiB): the last 1024 bytes the
/// first time, everything after a truncation. `file` stays open while `path`
/// names the same file, and is opened again when it names another (rotation).
fn read_appended(
    path: &Path,
    file: &mut Option<OpenFile>,
    pos: &mut Option<u64>,
) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    let id = (meta.dev(), meta.ino());
    let f = match file {
        Some((f, open_id)) if *open_id == id => f,
        _ => {
            let f = std::fs::File::open(path)?;
            let meta = f.metadata()?;
            &mut file.insert((f, (meta.dev(), meta.ino()))).0
        }
    };
    let size = f.seek(SeekFrom::End(0))?;
    let from = match *pos {
        None => size.saturating_sub(1024),
        Some(p) if p > size => 0,
        Some(p) => p,
    };
    f.seek(SeekFrom::Start(from))?;
    let mut buf = Vec::new();
    f.take(1 << 20).read_to_end(&mut buf)?;
    *pos = Some(from + buf.len() as u64);
    Ok(buf)
}

/// The open connections, and whether the daemon is going away (see [`quiesce`]).
struct Conns {
    open: std::sync::atomic::AtomicUsize,
    closed: tokio::sync::Notify,
    quiescing: tokio::sync::watch::Sender<bool>,
}

fn conns() -> &'static Conns {
    static CONNS: std::sync::OnceLock<Conns> = std::sync::OnceLock::new();
    CONNS.get_or_init(|| Conns {
        open: std::sync::atomic::AtomicUsize::new(0),
        closed: tokio::sync::Notify::new(),
        quiescing: tokio::sync::watch::Sender::new(false),
    })
}

/// Counts a connection as open until dropped.
struct OpenConn;

impl OpenConn {
    fn new() -> OpenConn {
        conns()
            .open
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        OpenConn
    }
}

impl Drop for OpenConn {
    fn drop(&mut self) {
        let c = conns();
        if c.open.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            c.closed.notify_waiters();
        }
    }
}

/// Before the daemon exits: every connection finishes the response it is
/// writing (such as the reply to the `shutdown` call that ends the daemon) and
/// closes, idle ones at once; returns when none is left, or after `deadline`
/// (a `tail -f` stream never finishes by itself).
pub async fn quiesce(deadline: Duration) {
    let c = conns();
    c.quiescing.send_replace(true);
    let _ = tokio::time::timeout(deadline, async {
        loop {
            let closed = c.closed.notified();
            if c.open.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            closed.await;
        }
    })
    .await;
}

async fn serve_conn<IO>(io: IO, d: Arc<Daemon>, auth: Option<Arc<Auth>>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let _open = OpenConn::new();
    let svc = hyper::service::service_fn(move |req| handle(d.clone(), auth.clone(), req));
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), svc);
    let mut conn = std::pin::pin!(conn);
    let mut quiescing = conns().quiescing.subscribe();
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = quiescing.wait_for(|q| *q) => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// A listening socket the servers accept connections on.
pub trait Acceptor: Send + 'static {
    type Conn: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static;

    /// The next connection.
    fn next_conn(&self) -> impl std::future::Future<Output = std::io::Result<Self::Conn>> + Send;
}

impl Acceptor for tokio::net::UnixListener {
    type Conn = tokio::net::UnixStream;

    async fn next_conn(&self) -> std::io::Result<Self::Conn> {
        self.accept().await.map(|(s, _)| s)
    }
}

impl Acceptor for tokio::net::TcpListener {
    type Conn = tokio::net::TcpStream;

    async fn next_conn(&self) -> std::io::Result<Self::Conn> {
        let (s, _) = self.accept().await?;
        let _ = s.set_nodelay(true);
        Ok(s)
    }
}

/// Serves a unix or TCP socket.
pub async fn serve(listener: impl Acceptor, d: Arc<Daemon>, auth: Option<Auth>) {
    let auth = auth.map(Arc::new);
    loop {
        match listener.next_conn().await {
            Ok(s) => {
                tokio::spawn(serve_conn(s, d.clone(), auth.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_like_supervisord() {
        use AuthCheck::*;
        let a = Auth {
            username: "user".into(),
            password: "123".into(),
        };
        // What Python supervisord 4.2.5 answers (200, 401, 400) for these
        // headers with username=user, password=123 ("user:123" is
        // dXNlcjoxMjM=); it answers 500 to a cookie without a colon.
        let cases = [
            ("Basic dXNlcjoxMjM=", Allowed),
            ("basic dXNlcjoxMjM=", Allowed),
            ("BASIC dXNlcjoxMjM=", Allowed),
            ("Basic  dXNlcjoxMjM=", Allowed),
            ("Basic dXNl cjox MjM=", Allowed),
            ("Basic dXNl*cjoxMjM=", Allowed),
            ("Basic dXNlcjoxMjM=junk", Allowed),
            ("Basic dXNlcjoxMjM===", Allowed),
            ("Basic =dXNlcjoxMjM=", Allowed),
            ("Basic dXNlcjoxMjQ=", Refused),
            ("Basic dXNlcjo=", Refused),
            ("Digest abc", Refused),
            ("Basic", Refused),
            ("Basic dXNlcjoxMjM", Malformed),
            ("Basic dXNlcjoxMjM*", Malformed),
            ("Basic dXNlcjoxMj=M", Malformed),
            ("Basic d", Malformed),
            ("Basic YWI", Malformed),
            // "user:\xff", not UTF-8.
            ("Basic dXNlcjr/", Malformed),
        ];
        for (header, want) in cases {
            assert_eq!(a.check(Some(header)), want, "{header}");
        }
        assert_eq!(a.check(None), Refused);
        let sha = Auth {
            username: "user".into(),
            password: format!("{{SHA}}{}", sha1_smol::Sha1::from("123").digest()),
        };
        assert_eq!(sha.check(Some("Basic dXNlcjoxMjM=")), Allowed);
    }

    #[test]
    fn decode() {
        assert_eq!(percent_decode("a%3Ab"), "a:b");
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("%3a%"), ":%");
        assert_eq!(percent_decode("%+1%aé"), "%+1%aé");
        assert_eq!(percent_decode("%C3%A9%ff"), "é\u{fffd}");
    }
}
