//! Local syslog, as Python's `syslog.syslog(msg)` sends it (what supervisord
//! uses for `logfile=syslog` and `*_syslog=true`): one datagram per line to
//! `/dev/log`, `<14>Mmm dd HH:MM:SS supervisord: line` (facility user,
//! priority info, ident `supervisord`, no pid). Errors are ignored, as
//! syslog(3) does. `SUPERVISORD_SYSLOG_SOCKET` names another socket (for
//! systems whose syslog listens elsewhere, and for tests).

use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex, OnceLock};

use supervisor_exec::{ProcessHandle, Stream};
use tokio::sync::broadcast;

fn socket_path() -> String {
    std::env::var("SUPERVISORD_SYSLOG_SOCKET").unwrap_or_else(|_| "/dev/log".to_owned())
}

/// Sends each line of `msg` (trailing newlines dropped) as one message.
pub fn send(msg: &str) {
    static SOCK: OnceLock<Mutex<Option<UnixDatagram>>> = OnceLock::new();
    let sock = SOCK.get_or_init(|| Mutex::new(None));
    let mut guard = sock.lock().unwrap_or_else(|e| e.into_inner());
    let stamp = chrono::Local::now().format("%b %e %H:%M:%S");
    for line in msg.trim_end_matches('\n').split('\n') {
        let datagram = format!("<14>{stamp} supervisord: {line}");
        for _ in 0..2 {
            if guard.is_none() {
                let Ok(s) = UnixDatagram::unbound() else {
                    return;
                };
                if s.connect(socket_path()).is_err() {
                    return;
                }
                *guard = Some(s);
            }
            let sent = guard
                .as_ref()
                .is_some_and(|s| s.send(datagram.as_bytes()).is_ok());
            if sent {
                break;
            }
            // The syslog daemon may have restarted: reconnect once.
            *guard = None;
        }
    }
}

/// Sends a process's output to syslog for the channels with `*_syslog=true`,
/// as `name line` (supervisord's format `<name> %(message)s`, per read).
pub fn spawn_child_syslog(handle: &ProcessHandle, name: String, channels: [bool; 2]) {
    let mut rx = handle.subscribe_output();
    let name: Arc<str> = name.into();
    tokio::spawn(async move {
        loop {
            let chunk = match rx.recv().await {
                Ok(c) => c,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            let on = match chunk.stream {
                Stream::Stdout => channels[0],
                Stream::Stderr => channels[1],
            };
            if on {
                let text = String::from_utf8_lossy(&chunk.data);
                let lines: Vec<String> = text
                    .trim_end_matches('\n')
                    .split('\n')
                    .map(|l| format!("{name} {l}"))
                    .collect();
                send(&lines.join("\n"));
            }
        }
    });
}
