//! Readiness notifications from the child: an s6-style notification fd, or
//! an sd_notify-style datagram socket.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::net::UnixDatagram;

/// What the child said.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// It is ready.
    Ready,
    /// A status text (`STATUS=`).
    Status(String),
    /// Something else (or nothing complete yet).
    Other,
    /// It can never say anything again (end-of-file on the fd).
    Closed,
}

/// The parent's end of a readiness channel.
#[derive(Debug)]
pub(crate) enum Notifier {
    Fd(pipe::Receiver),
    Socket(UnixDatagram),
}

impl Notifier {
    pub(crate) fn fd(read: OwnedFd) -> io::Result<Self> {
        Ok(Notifier::Fd(pipe::Receiver::from_owned_fd(read)?))
    }

    /// A datagram socket in the abstract namespace, and the `NOTIFY_SOCKET`
    /// value naming it (`@supervisor-exec/<pid>/<n>`).
    pub(crate) fn socket() -> io::Result<(Self, String)> {
        use std::os::linux::net::SocketAddrExt;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "supervisor-exec/{}/{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let sock = std::os::unix::net::UnixDatagram::bind_addr(&addr)?;
        sock.set_nonblocking(true)?;
        Ok((
            Notifier::Socket(UnixDatagram::from_std(sock)?),
            format!("@{name}"),
        ))
    }

    /// The next notifications.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a read or datagram is consumed only when this resolves.
    pub(crate) async fn next(&mut self) -> Vec<Note> {
        let mut buf = [0u8; 4096];
        match self {
            Notifier::Fd(rx) => match rx.read(&mut buf).await {
                Ok(0) | Err(_) => vec![Note::Closed],
                Ok(n) if buf[..n].contains(&b'\n') => vec![Note::Ready],
                Ok(_) => vec![Note::Other],
            },
            Notifier::Socket(sock) => match sock.recv(&mut buf).await {
                Ok(n) => parse_sd_notify(&buf[..n]),
                Err(_) => vec![Note::Closed],
            },
        }
    }
}

/// Parses an sd_notify datagram: newline-separated `KEY=VALUE` assignments.
fn parse_sd_notify(datagram: &[u8]) -> Vec<Note> {
    String::from_utf8_lossy(datagram)
        .lines()
        .map(|line| match line.split_once('=') {
            Some(("READY", "1")) => Note::Ready,
            Some(("STATUS", text)) => Note::Status(text.to_owned()),
            _ => Note::Other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_notify_datagrams() {
        assert_eq!(
            parse_sd_notify(b"STATUS=warming up\nREADY=1\nMAINPID=7"),
            [Note::Status("warming up".into()), Note::Ready, Note::Other]
        );
        assert_eq!(parse_sd_notify(b"READY=0"), [Note::Other]);
    }
}
