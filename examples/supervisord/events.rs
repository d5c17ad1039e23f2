//! supervisord's events and the event listener protocol (`supervisor.events`,
//! `EventListenerPool`): an in-process bus of typed events, and one task per
//! `[eventlistener:x]` pool that buffers the events its listeners subscribe to
//! (`buffer_size`, dropping the oldest) and hands each to the first READY
//! listener over its stdin, reading `READY` / `RESULT n\nOK|FAIL` from its stdout.
//!
//! Emitted: PROCESS_STATE_* (from the process monitors), TICK_5/60/3600,
//! SUPERVISOR_STATE_CHANGE_RUNNING/STOPPING, PROCESS_GROUP_ADDED/REMOVED and
//! REMOTE_COMMUNICATION, PROCESS_LOG_STDOUT/STDERR (`*_events_enabled`) and
//! PROCESS_COMMUNICATION_STDOUT/STDERR (`*_capture_maxbytes`; unlike supervisord,
//! the captured bytes also stay in the log file).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_exec::{OutputChunk, ProcessHandle, Stream};
use tokio::sync::broadcast;

use crate::logging::Logger;

/// One event.
#[derive(Debug)]
pub struct Event {
    /// Its type name, e.g. `PROCESS_STATE_RUNNING`.
    pub name: String,
    /// Its body.
    pub payload: String,
    /// The daemon-wide serial number.
    pub serial: u64,
}

/// The daemon's event bus.
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
    serial: AtomicU64,
}

impl Bus {
    pub fn new() -> Self {
        Bus {
            tx: broadcast::channel(1024).0,
            serial: AtomicU64::new(0),
        }
    }

    /// Publishes an event (dropped if no pool listens).
    pub fn emit(&self, name: impl Into<String>, payload: impl Into<String>) {
        let serial = self.serial.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.tx.send(Arc::new(Event {
            name: name.into(),
            payload: payload.into(),
            serial,
        }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// Whether an event of type `name` matches a subscription to `sub` (abstract
/// types such as `PROCESS_STATE` or `EVENT` match their subtypes).
pub fn matches(sub: &str, name: &str) -> bool {
    sub == "EVENT"
        || sub == name
        || (name.len() > sub.len()
            && name.starts_with(sub)
            && name.as_bytes()[sub.len()] == b'_'
            && matches!(
                sub,
                "PROCESS_STATE"
                    | "PROCESS_COMMUNICATION"
                    | "PROCESS_LOG"
                    | "SUPERVISOR_STATE_CHANGE"
                    | "TICK"
                    | "PROCESS_GROUP"
            ))
}

/// Emits TICK_5, TICK_60 and TICK_3600 (`when:` floored to the period).
pub fn spawn_ticks(bus: Arc<Bus>) {
    tokio::spawn(async move {
        let mut last = [0u64; 3];
        let mut iv = tokio::time::interval(Duration::from_secs(1));
        loop {
            iv.tick().await;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            for (i, period) in [5u64, 60, 3600].into_iter().enumerate() {
                let when = now / period * period;
                if last[i] == 0 {
                    last[i] = when;
                } else if when > last[i] {
                    last[i] = when;
                    bus.emit(format!("TICK_{period}"), format!("when:{when}"));
                }
            }
        }
    });
}

const BEGIN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
const END: &[u8] = b"<!--XSUPERVISOR:END-->";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Turns a process's output into PROCESS_LOG_* and PROCESS_COMMUNICATION_* events.
pub fn spawn_output_events(
    bus: Arc<Bus>,
    handle: &ProcessHandle,
    process: String,
    group: String,
    log_enabled: [bool; 2],
    capture_max: [usize; 2],
) {
    let mut rx = handle.subscribe_output();
    tokio::spawn(async move {
        // Per stream: whether inside a capture, and what was captured so far.
        let mut capturing = [false, false];
        let mut captured: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        loop {
            let chunk = match rx.recv().await {
                Ok(c) => c,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            let (i, ch) = match chunk.stream {
                Stream::Stdout => (0, "stdout"),
                Stream::Stderr => (1, "stderr"),
            };
            let up = ch.to_uppercase();
            if log_enabled[i] {
                bus.emit(
                    format!("PROCESS_LOG_{up}"),
                    format!(
                        "processname:{process} groupname:{group} pid:{} channel:{ch}\n{}",
                        chunk.pid,
                        String::from_utf8_lossy(&chunk.data)
                    ),
                );
            }
            if capture_max[i] == 0 {
                continue;
            }
            let mut data: &[u8] = &chunk.data;
            while !data.is_empty() {
                if capturing[i] {
                    match find(data, END) {
                        Some(pos) => {
                            captured[i].extend_from_slice(&data[..pos]);
                            data = &data[pos + END.len()..];
                            capturing[i] = false;
                            let body = std::mem::take(&mut captured[i]);
                            bus.emit(
                                format!("PROCESS_COMMUNICATION_{up}"),
                                format!(
                                    "processname:{process} groupname:{group} pid:{}\n{}",
                                    chunk.pid,
                                    String::from_utf8_lossy(&body)
                                ),
                            );
                        }
                        None => {
                            let room = capture_max[i].saturating_sub(captured[i].len());
                            captured[i].extend_from_slice(&data[..data.len().min(room)]);
                            data = &[];
                        }
                    }
                } else {
                    match find(data, BEGIN) {
                        Some(pos) => {
                            data = &data[pos + BEGIN.len()..];
                            capturing[i] = true;
                        }
                        None => data = &[],
                    }
                }
            }
        }
    });
}

#[derive(Debug)]
enum ListenerState {
    Acknowledged,
    Ready,
    Busy(Arc<Event>),
    Unknown,
}

struct Listener {
    name: String,
    handle: ProcessHandle,
    state: ListenerState,
    buf: Vec<u8>,
    pid: u32,
}

/// What a pool's dispatcher needs.
pub struct PoolSpec {
    /// The pool (group) name.
    pub name: String,
    /// The daemon's `identifier` (the `server:` header field).
    pub identifier: String,
    /// The event types the pool subscribes to.
    pub subscriptions: Vec<String>,
    /// `buffer_size`.
    pub buffer_size: usize,
    /// The listener processes: name and handle.
    pub listeners: Vec<(String, ProcessHandle)>,
    /// Cancelled when the pool is removed.
    pub alive: supervisor_core::CancellationToken,
}

/// Starts one pool's dispatcher; it runs until the pool is removed.
pub fn spawn_pool(bus: &Bus, log: Arc<Logger>, spec: PoolSpec) {
    let PoolSpec {
        name: pool,
        identifier,
        subscriptions,
        buffer_size,
        listeners,
        alive,
    } = spec;
    let mut events = bus.subscribe();
    let (chunk_tx, mut chunks) = tokio::sync::mpsc::unbounded_channel::<(usize, OutputChunk)>();
    let mut ls: Vec<Listener> = Vec::new();
    for (i, (name, handle)) in listeners.into_iter().enumerate() {
        let mut rx = handle.subscribe_output();
        let tx = chunk_tx.clone();
        let token = alive.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    r = rx.recv() => match r {
                        Ok(c) => { if tx.send((i, c)).is_err() { return; } }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return,
                    }
                }
            }
        });
        ls.push(Listener {
            name,
            handle,
            state: ListenerState::Acknowledged,
            buf: Vec::new(),
            pid: 0,
        });
    }
    drop(chunk_tx);
    tokio::spawn(async move {
        let mut queue: VecDeque<Arc<Event>> = VecDeque::new();
        let mut poolserial = 0u64;
        loop {
            tokio::select! {
                _ = alive.cancelled() => return,
                ev = events.recv() => match ev {
                    Ok(ev) => {
                        if subscriptions.iter().any(|s| matches(s, &ev.name)) {
                            if queue.len() >= buffer_size.max(1) {
                                if let Some(old) = queue.pop_front() {
                                    log.error(&format!("pool {pool} event buffer overflowed, discarding event {}", old.serial));
                                }
                            }
                            queue.push_back(ev);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                },
                Some((i, chunk)) = chunks.recv() => {
                    let l = &mut ls[i];
                    if chunk.stream != Stream::Stdout {
                        continue;
                    }
                    if chunk.pid != l.pid {
                        // A new process of this listener: whatever it was handling is rebuffered.
                        if let ListenerState::Busy(ev) = std::mem::replace(&mut l.state, ListenerState::Acknowledged) {
                            queue.push_front(ev);
                        }
                        l.pid = chunk.pid;
                        l.buf.clear();
                    }
                    l.buf.extend_from_slice(&chunk.data);
                    if let Some(requeue) = advance(l, &log) {
                        queue.push_front(requeue);
                    }
                }
            }
            // A listener whose process is gone cannot be busy any more.
            for l in ls.iter_mut() {
                if l.handle.pid().is_none() {
                    if let ListenerState::Busy(ev) =
                        std::mem::replace(&mut l.state, ListenerState::Acknowledged)
                    {
                        queue.push_front(ev);
                    }
                    l.state = ListenerState::Acknowledged;
                }
            }
            while !queue.is_empty() {
                let Some(l) = ls
                    .iter_mut()
                    .find(|l| matches!(l.state, ListenerState::Ready))
                else {
                    break;
                };
                let Some(ev) = queue.pop_front() else { break };
                poolserial += 1;
                let msg = format!(
                    "ver:3.0 server:{identifier} serial:{} pool:{pool} poolserial:{poolserial} eventname:{} len:{}\n{}",
                    ev.serial,
                    ev.name,
                    ev.payload.len(),
                    ev.payload
                );
                match l.handle.write_stdin(msg.as_bytes()).await {
                    Ok(()) => l.state = ListenerState::Busy(ev),
                    Err(_) => {
                        queue.push_front(ev);
                        l.state = ListenerState::Acknowledged;
                    }
                }
            }
        }
    });
}

/// Consumes what a listener wrote: `READY\n` makes it ready; `RESULT n\n` + n bytes
/// finishes its event (`FAIL` returns the event to be rebuffered). Anything else
/// puts it in UNKNOWN, where it gets no more events.
fn advance(l: &mut Listener, log: &Logger) -> Option<Arc<Event>> {
    let mut requeue = None;
    loop {
        match &l.state {
            ListenerState::Acknowledged => {
                let Some(pos) = l.buf.iter().position(|&b| b == b'\n') else {
                    return requeue;
                };
                let line: Vec<u8> = l.buf.drain(..=pos).collect();
                if line.trim_ascii() == b"READY" {
                    l.state = ListenerState::Ready;
                } else {
                    log.error(&format!(
                        "{}: bad result line from listener: {:?}",
                        l.name,
                        String::from_utf8_lossy(&line)
                    ));
                    l.state = ListenerState::Unknown;
                }
            }
            ListenerState::Busy(_) => {
                let Some(pos) = l.buf.iter().position(|&b| b == b'\n') else {
                    return requeue;
                };
                let header = String::from_utf8_lossy(&l.buf[..pos]).into_owned();
                let Some(n) = header
                    .strip_prefix("RESULT ")
                    .and_then(|n| n.trim().parse::<usize>().ok())
                else {
                    log.error(&format!(
                        "{}: bad result line from listener: {header:?}",
                        l.name
                    ));
                    l.state = ListenerState::Unknown;
                    return requeue;
                };
                if l.buf.len() < pos + 1 + n {
                    return requeue;
                }
                let body: Vec<u8> = l.buf.drain(..pos + 1 + n).skip(pos + 1).collect();
                let ListenerState::Busy(ev) =
                    std::mem::replace(&mut l.state, ListenerState::Acknowledged)
                else {
                    unreachable!()
                };
                if body != b"OK" {
                    // supervisord's default_handler: anything but OK rejects
                    // the event, which goes back to the head of the buffer.
                    log.warn(&format!("{}: event was rejected", l.name));
                    requeue = Some(ev);
                }
            }
            ListenerState::Ready | ListenerState::Unknown => {
                if !l.buf.is_empty() && matches!(l.state, ListenerState::Ready) {
                    log.error(&format!(
                        "{}: unexpected output from a READY listener",
                        l.name
                    ));
                    l.state = ListenerState::Unknown;
                }
                l.buf.clear();
                return requeue;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions() {
        assert!(matches("EVENT", "TICK_5"));
        assert!(matches("PROCESS_STATE", "PROCESS_STATE_RUNNING"));
        assert!(matches("PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING"));
        assert!(!matches("PROCESS_STATE_RUNNING", "PROCESS_STATE_STOPPED"));
        assert!(!matches("TICK_5", "TICK_60"));
        assert!(!matches("REMOTE", "REMOTE_COMMUNICATION"));
    }
}
