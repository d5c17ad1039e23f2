//! Where a server listens: an address to bind on each run, or a ready listener.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::Error;

/// Where a server listens.
///
/// * An **address** ([`Listen::tcp`], [`Listen::unix`], or `From<SocketAddr>`)
///   is bound at the start of each run and closed when the run ends, so a
///   restart binds it again. A bind failure (the port is in use) is a death
///   with [`Error::Bind`] naming the address: the node restarts after its
///   backoff, and succeeds once the address is free.
/// * A **ready listener** ([`Listen::tcp_listener`], [`Listen::unix_listener`],
///   or `From` a std listener) stays open for the server's whole life: each
///   run serves a duplicate of it, so the address never changes and clients
///   connecting while the node restarts wait in the kernel's backlog instead
///   of being refused. Bind it with `127.0.0.1:0` to get an ephemeral port.
///
/// Unix socket paths: a stale socket file (left by a process that died) is
/// removed before binding, but a socket with a live server behind it is an
/// `AddrInUse` bind error. The file is removed when the run ends.
#[derive(Clone)]
pub struct Listen {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    TcpAddr(SocketAddr),
    UnixPath(PathBuf),
    Tcp(Arc<std::net::TcpListener>),
    Unix(Arc<StdUnixListener>),
}

impl Listen {
    /// Binds `addr` on each run.
    pub fn tcp(addr: SocketAddr) -> Self {
        Self {
            kind: Kind::TcpAddr(addr),
        }
    }

    /// Binds a unix socket at `path` on each run (and removes it when the run ends).
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self {
            kind: Kind::UnixPath(path.into()),
        }
    }

    /// Serves a ready TCP listener (kept open across restarts).
    pub fn tcp_listener(listener: std::net::TcpListener) -> Self {
        Self {
            kind: Kind::Tcp(Arc::new(listener)),
        }
    }

    /// Serves a ready unix listener (kept open across restarts; the socket
    /// file is left alone).
    pub fn unix_listener(listener: StdUnixListener) -> Self {
        Self {
            kind: Kind::Unix(Arc::new(listener)),
        }
    }

    /// The address for messages: `127.0.0.1:50051`, `unix:/run/app.sock`.
    fn describe(&self) -> String {
        match &self.kind {
            Kind::TcpAddr(a) => a.to_string(),
            Kind::UnixPath(p) => format!("unix:{}", p.display()),
            Kind::Tcp(l) => l
                .local_addr()
                .map_or_else(|_| "tcp listener".to_owned(), |a| a.to_string()),
            Kind::Unix(l) => describe_unix(l.local_addr().ok().as_ref()),
        }
    }

    /// Binds (or duplicates the ready listener) for one run.
    pub(crate) async fn bind(&self) -> Result<Bound, Error> {
        let addr = self.describe();
        let listener_err = |source| Error::Listener {
            addr: addr.clone(),
            source,
        };
        match &self.kind {
            Kind::TcpAddr(a) => match TcpListener::bind(a).await {
                Ok(l) => Ok(Bound::tcp(l, addr)),
                Err(source) => Err(Error::Bind { addr, source }),
            },
            Kind::UnixPath(p) => match bind_unix(p) {
                Ok(l) => Ok(Bound::unix(l, addr, Some(RemoveOnDrop(p.clone())))),
                Err(source) => Err(Error::Bind { addr, source }),
            },
            Kind::Tcp(l) => {
                let l = l.try_clone().map_err(listener_err)?;
                l.set_nonblocking(true).map_err(listener_err)?;
                let l = TcpListener::from_std(l).map_err(listener_err)?;
                Ok(Bound::tcp(l, addr))
            }
            Kind::Unix(l) => {
                let l = l.try_clone().map_err(listener_err)?;
                l.set_nonblocking(true).map_err(listener_err)?;
                let l = UnixListener::from_std(l).map_err(listener_err)?;
                Ok(Bound::unix(l, addr, None))
            }
        }
    }
}

fn describe_unix(addr: Option<&std::os::unix::net::SocketAddr>) -> String {
    match addr.and_then(|a| a.as_pathname()) {
        Some(p) => format!("unix:{}", p.display()),
        None => "unix listener".to_owned(),
    }
}

/// Binds a unix socket, replacing a stale socket file (one nobody accepts on).
fn bind_unix(path: &Path) -> io::Result<UnixListener> {
    match UnixListener::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            match std::os::unix::net::UnixStream::connect(path) {
                // A live server answers: the address really is in use.
                Ok(_) => Err(e),
                Err(c) if c.kind() == io::ErrorKind::ConnectionRefused => {
                    tracing::debug!(path = %path.display(), "removing a stale unix socket");
                    std::fs::remove_file(path)?;
                    UnixListener::bind(path)
                }
                Err(_) => Err(e),
            }
        }
        r => r,
    }
}

impl From<SocketAddr> for Listen {
    fn from(addr: SocketAddr) -> Self {
        Self::tcp(addr)
    }
}

impl From<std::net::TcpListener> for Listen {
    fn from(l: std::net::TcpListener) -> Self {
        Self::tcp_listener(l)
    }
}

impl From<StdUnixListener> for Listen {
    fn from(l: StdUnixListener) -> Self {
        Self::unix_listener(l)
    }
}

impl fmt::Debug for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::TcpAddr(_) | Kind::UnixPath(_) => "bind",
            Kind::Tcp(_) | Kind::Unix(_) => "listener",
        };
        f.debug_struct("Listen")
            .field(what, &self.describe())
            .finish()
    }
}

/// A listener bound for one run.
pub(crate) struct Bound {
    pub(crate) listener: Listener,
    /// For messages.
    pub(crate) addr: String,
    pub(crate) tcp_addr: Option<SocketAddr>,
    remove: Option<RemoveOnDrop>,
}

impl Bound {
    fn tcp(l: TcpListener, fallback: String) -> Self {
        let tcp_addr = l.local_addr().ok();
        Self {
            addr: tcp_addr.map_or(fallback, |a| a.to_string()),
            tcp_addr,
            listener: Listener::Tcp(l),
            remove: None,
        }
    }

    /// `remove`: the socket file this run bound, removed when it closes.
    fn unix(l: UnixListener, addr: String, remove: Option<RemoveOnDrop>) -> Self {
        Self {
            listener: Listener::Unix(l),
            addr,
            tcp_addr: None,
            remove,
        }
    }

    /// Closes the listener (and removes the unix socket file the run bound).
    pub(crate) fn close(self) {
        drop(self.listener);
        drop(self.remove);
    }
}

pub(crate) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

pub(crate) enum Accepted {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Listener {
    /// # Cancel safety
    ///
    /// Cancel safe (tokio's `accept` is).
    pub(crate) async fn accept(&self) -> io::Result<Accepted> {
        match self {
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| Accepted::Tcp(s)),
            Listener::Unix(l) => l.accept().await.map(|(s, _)| Accepted::Unix(s)),
        }
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
