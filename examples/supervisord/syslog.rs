//! Local syslog, as Python's `syslog.syslog(msg)` sends it (what supervisord
//! uses for `logfile=syslog` and `*_syslog=true`): one datagram per line to
//! `/dev/log`, `<14>Mmm dd HH:MM:SS supervisord: line` (facility user,
//! priority info, ident `supervisord`, no pid). Errors are ignored, as
//! syslog(3) does. `SUPERVISORD_SYSLOG_SOCKET` names another socket (for
//! systems whose syslog listens elsewhere, and for tests).

use std::os::unix::net::UnixDatagram;
use std::sync::{Mutex, OnceLock};

fn socket_path() -> String {
    std::env::var("SUPERVISORD_SYSLOG_SOCKET").unwrap_or_else(|_| "/dev/log".to_owned())
}

/// Sends each line of `msg` (trailing newlines dropped), after `prefix`, as
/// one message. (A newline in the prefix, which only a process name can hold,
/// starts another message.)
pub fn send_lines(prefix: &str, msg: &str) {
    static SOCK: OnceLock<Mutex<Option<UnixDatagram>>> = OnceLock::new();
    let sock = SOCK.get_or_init(|| Mutex::new(None));
    let mut guard = sock.lock().unwrap_or_else(|e| e.into_inner());
    let stamp = chrono::Local::now().format("%b %e %H:%M:%S").to_string();
    for line in msg.trim_end_matches('\n').split('\n') {
        let text = format!("{prefix}{line}");
        for part in text.split('\n') {
            let datagram = format!("<14>{stamp} supervisord: {part}");
            if !send_datagram(&mut guard, &datagram) {
                return;
            }
        }
    }
}

/// Sends one datagram, connecting first if needed and reconnecting once (the
/// syslog daemon may have restarted); `false` if the socket cannot be reached.
fn send_datagram(sock: &mut Option<UnixDatagram>, datagram: &str) -> bool {
    for _ in 0..2 {
        if sock.is_none() {
            let Ok(s) = UnixDatagram::unbound() else {
                return false;
            };
            if s.connect(socket_path()).is_err() {
                return false;
            }
            *sock = Some(s);
        }
        let sent = sock
            .as_ref()
            .is_some_and(|s| s.send(datagram.as_bytes()).is_ok());
        if sent {
            break;
        }
        *sock = None;
    }
    true
}

/// Sends a stream of a process's output to syslog (for `*_syslog=true`), as
/// `name line` (supervisord's format `<name> %(message)s`, per read).
pub fn child_syslog(name: &str) -> crate::events::OutputConsumer {
    let prefix = format!("{name} ");
    Box::new(move |chunk| send_lines(&prefix, &String::from_utf8_lossy(&chunk.data)))
}
