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
//!
//! Nothing is lost on the way, as in supervisord (which is synchronous): the
//! output consumers are supervisor-exec callback sinks, called for every chunk
//! in order by the task reading the pipe, and the bus puts each event straight
//! into each subscribed pool's [`PoolBuffer`] (supervisord's `_acceptEvent`),
//! which keeps at most `buffer_size` events, discarding the oldest beyond. A
//! pool's dispatcher writes an event to a listener's stdin in a task of its
//! own (supervisord buffers the write and goes on), so a listener that stops
//! reading holds up nothing but itself.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_exec::{OutputChunk, ProcessHandle, Stream};
use tokio::sync::{mpsc, Notify};

use crate::logging::Logger;

/// One event.
#[derive(Debug)]
pub struct Event {
    /// Its type name, e.g. `PROCESS_STATE_RUNNING`.
    pub name: String,
    /// Its body.
    pub payload: String,
    /// The daemon-wide serial number (supervisord's GlobalSerial: 0, 1, ...,
    /// counting only events some pool takes).
    pub serial: u64,
}

/// The daemon's event bus: each event goes to the pools that subscribe to
/// it, in the order emitted, none skipped (supervisord's `notify` appends it
/// to each pool's buffer at once).
pub struct Bus {
    /// The pools: their subscriptions and where their events go. Held
    /// while an event is numbered and sent, so every pool sees the events
    /// in serial order.
    pools: std::sync::Mutex<Vec<PoolSub>>,
    serial: AtomicU64,
    next_pool: AtomicU64,
}

/// One pool's subscription.
struct PoolSub {
    id: u64,
    subscriptions: Vec<String>,
    buffer: Arc<PoolBuffer>,
}

/// A pool's event buffer (supervisord's `EventListenerPool.event_buffer`):
/// the events accepted and not yet handed to a listener, oldest first, each
/// with its pool serial. It holds at most `buffer_size` events (at least
/// one): accepting one more discards the oldest, with supervisord's error
/// line in the main log.
pub struct PoolBuffer {
    pool: String,
    /// `buffer_size` as configured (shown in the rebuffering message).
    buffer_size: usize,
    log: Arc<Logger>,
    state: std::sync::Mutex<PoolQueue>,
    /// Woken when an event is accepted.
    notify: Notify,
}

struct PoolQueue {
    events: VecDeque<Queued>,
    next_poolserial: u64,
}

impl PoolBuffer {
    /// An empty buffer for pool `pool`.
    pub fn new(pool: &str, buffer_size: usize, log: Arc<Logger>) -> Self {
        PoolBuffer {
            pool: pool.to_owned(),
            buffer_size,
            log,
            state: std::sync::Mutex::new(PoolQueue {
                events: VecDeque::new(),
                next_poolserial: 0,
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolQueue> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// supervisord's `_acceptEvent` for a new event: it gets the next pool
    /// serial and goes last.
    fn accept(&self, ev: Arc<Event>) {
        {
            let mut q = self.lock();
            let poolserial = q.next_poolserial;
            q.next_poolserial += 1;
            self.push(&mut q, (ev, poolserial), false);
        }
        self.notify.notify_one();
    }

    /// supervisord's `_acceptEvent(event, head=True)`: an event a listener
    /// did not finish goes back first, keeping its pool serial.
    fn rebuffer(&self, ev: Queued) {
        let mut q = self.lock();
        self.log.debug_fmt(format_args!(
            "rebuffering event {} for pool {} (buf size={}, max={})",
            ev.0.serial,
            self.pool,
            q.events.len(),
            self.buffer_size
        ));
        self.push(&mut q, ev, true);
    }

    fn push(&self, q: &mut PoolQueue, ev: Queued, head: bool) {
        if q.events.len() >= self.buffer_size.max(1) {
            if let Some((old, _)) = q.events.pop_front() {
                self.log.error(&format!(
                    "pool {} event buffer overflowed, discarding event {}",
                    self.pool, old.serial
                ));
            }
        }
        if head {
            q.events.push_front(ev);
        } else {
            q.events.push_back(ev);
        }
    }

    /// Takes the oldest event.
    fn pop(&self) -> Option<Queued> {
        self.lock().events.pop_front()
    }

    /// How many events are waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().events.len()
    }
}

impl Bus {
    pub fn new() -> Self {
        Bus {
            pools: std::sync::Mutex::new(Vec::new()),
            serial: AtomicU64::new(0),
            next_pool: AtomicU64::new(0),
        }
    }

    /// Publishes an event. One no pool subscribes to is dropped here, and
    /// takes no serial number (supervisord numbers events as pools accept them).
    pub fn emit(&self, name: &str, payload: impl Into<String>) {
        self.emit_with(name, || payload.into())
    }

    /// [`Bus::emit`], with the payload built only if some pool wants the event.
    pub fn emit_with(&self, name: &str, payload: impl FnOnce() -> String) {
        let pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        let mut to = pools
            .iter()
            .filter(|p| p.subscriptions.iter().any(|s| matches(s, name)))
            .peekable();
        if to.peek().is_none() {
            return;
        }
        let ev = Arc::new(Event {
            name: name.to_owned(),
            payload: payload(),
            serial: self.serial.fetch_add(1, Ordering::SeqCst),
        });
        for p in to {
            p.buffer.accept(ev.clone());
        }
    }

    /// Registers a pool's subscriptions and the buffer its events go to:
    /// its id, for [`Bus::unregister`].
    fn register(&self, subscriptions: Vec<String>, buffer: Arc<PoolBuffer>) -> u64 {
        let id = self.next_pool.fetch_add(1, Ordering::SeqCst);
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(PoolSub {
                id,
                subscriptions,
                buffer,
            });
        id
    }

    fn unregister(&self, id: u64) {
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|p| p.id != id);
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
            for (i, (period, name)) in [(5u64, "TICK_5"), (60, "TICK_60"), (3600, "TICK_3600")]
                .into_iter()
                .enumerate()
            {
                let when = now / period * period;
                if last[i] == 0 {
                    last[i] = when;
                } else if when > last[i] {
                    last[i] = when;
                    bus.emit_with(name, || format!("when:{when}"));
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

/// A process's output consumer (a supervisor-exec callback sink: called by the
/// task reading the pipe for every chunk, in order).
pub type OutputConsumer = Box<dyn FnMut(&OutputChunk) + Send>;

/// With loglevel debug (or lower), supervisord copies every read of a
/// child's output to the main log: `'name' stdout output:` and the text on
/// the next lines (an event listener's protocol channel shows the bytes as
/// Python prints them, `b'READY\n'`). This is that copy, for one stream.
pub fn mainlog_copy(log: Arc<Logger>, name: &str, listener: bool) -> OutputConsumer {
    let name = crate::ini::py_repr(name);
    Box::new(move |chunk| {
        let ch = match chunk.stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let text = if listener && chunk.stream == Stream::Stdout {
            py_bytes_repr(&chunk.data)
        } else {
            match std::str::from_utf8(&chunk.data) {
                Ok(t) => t.to_owned(),
                Err(_) => format!("Undecodable: {}", py_bytes_repr(&chunk.data)),
            }
        };
        log.debug(&format!("{name} {ch} output:\n{text}"));
    })
}

/// Python's `repr()` of a bytes object.
pub fn py_bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// Turns one stream of a process's output into PROCESS_LOG_* events (if
/// `log_enabled`) and PROCESS_COMMUNICATION_* events (if `capture_max` > 0).
pub fn output_events(
    bus: Arc<Bus>,
    process: String,
    group: String,
    log_enabled: bool,
    capture_max: usize,
) -> OutputConsumer {
    // Whether inside a capture, and what was captured so far.
    let mut capturing = false;
    let mut captured: Vec<u8> = Vec::new();
    Box::new(move |chunk| {
        let (ch, log_event, comm_event) = match chunk.stream {
            Stream::Stdout => (
                "stdout",
                "PROCESS_LOG_STDOUT",
                "PROCESS_COMMUNICATION_STDOUT",
            ),
            Stream::Stderr => (
                "stderr",
                "PROCESS_LOG_STDERR",
                "PROCESS_COMMUNICATION_STDERR",
            ),
        };
        if log_enabled {
            bus.emit_with(log_event, || {
                format!(
                    "processname:{process} groupname:{group} pid:{} channel:{ch}\n{}",
                    chunk.pid,
                    String::from_utf8_lossy(&chunk.data)
                )
            });
        }
        if capture_max == 0 {
            return;
        }
        let mut data: &[u8] = &chunk.data;
        while !data.is_empty() {
            if capturing {
                match find(data, END) {
                    Some(pos) => {
                        captured.extend_from_slice(&data[..pos]);
                        data = &data[pos + END.len()..];
                        capturing = false;
                        let body = std::mem::take(&mut captured);
                        bus.emit_with(comm_event, || {
                            format!(
                                "processname:{process} groupname:{group} pid:{}\n{}",
                                chunk.pid,
                                String::from_utf8_lossy(&body)
                            )
                        });
                    }
                    None => {
                        let room = capture_max.saturating_sub(captured.len());
                        captured.extend_from_slice(&data[..data.len().min(room)]);
                        data = &[];
                    }
                }
            } else {
                match find(data, BEGIN) {
                    Some(pos) => {
                        data = &data[pos + BEGIN.len()..];
                        capturing = true;
                    }
                    None => data = &[],
                }
            }
        }
    })
}

/// An event in a pool's buffer, with its pool serial.
type Queued = (Arc<Event>, u64);

#[derive(Debug)]
enum ListenerState {
    Acknowledged,
    Ready,
    Busy(Queued),
    Unknown,
}

impl ListenerState {
    fn name(&self) -> &'static str {
        match self {
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Ready => "READY",
            ListenerState::Busy(_) => "BUSY",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

impl Listener {
    /// supervisord's `_change_listener_state`: logged at debug, and UNKNOWN
    /// with a warning. Returns the old state.
    fn change(&mut self, to: ListenerState, log: &Logger) -> ListenerState {
        log.debug_fmt(format_args!(
            "{}: {} -> {}",
            self.name,
            self.state.name(),
            to.name()
        ));
        if matches!(to, ListenerState::Unknown) {
            log.warn(&format!(
                "{}: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol",
                self.name
            ));
        }
        std::mem::replace(&mut self.state, to)
    }
}

struct Listener {
    name: String,
    handle: ProcessHandle,
    state: ListenerState,
    buf: Vec<u8>,
    pid: u32,
    /// An event is being written to its stdin (by a task of its own): it
    /// gets no other until that write has ended, so at most one envelope per
    /// listener is held while it does not read.
    writing: bool,
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
    /// What the listeners write on stdout, with their index in `listeners`
    /// (from the [`listener_stdout`] consumers).
    pub stdout: mpsc::UnboundedReceiver<(usize, OutputChunk)>,
    /// Cancelled when the pool is removed.
    pub alive: supervisor_core::CancellationToken,
}

/// Starts one pool's dispatcher; it runs until the pool is removed.
pub fn spawn_pool(bus: &Arc<Bus>, log: Arc<Logger>, spec: PoolSpec) {
    let PoolSpec {
        name: pool,
        identifier,
        subscriptions,
        buffer_size,
        listeners,
        stdout: mut chunks,
        alive,
    } = spec;
    let buffer = Arc::new(PoolBuffer::new(&pool, buffer_size, log.clone()));
    let pool_id = bus.register(subscriptions, buffer.clone());
    let bus = bus.clone();
    let mut ls: Vec<Listener> = listeners
        .into_iter()
        .map(|(name, handle)| Listener {
            name,
            handle,
            state: ListenerState::Acknowledged,
            buf: Vec::new(),
            pid: 0,
            writing: false,
        })
        .collect();
    tokio::spawn(async move {
        // The end of each write to a listener's stdin: (listener, event
        // serial, whether it was written). At most one per listener.
        let (written_tx, mut written) = mpsc::unbounded_channel::<(usize, u64, bool)>();
        loop {
            tokio::select! {
                _ = alive.cancelled() => {
                    bus.unregister(pool_id);
                    return;
                }
                _ = buffer.notify.notified() => {}
                Some((i, serial, ok)) = written.recv() => {
                    let l = &mut ls[i];
                    l.writing = false;
                    if !ok {
                        log.debug_fmt(format_args!(
                            "epipe occurred while sending event {serial} to listener {}, listener state unchanged",
                            l.name
                        ));
                        // Unless it was rebuffered already (its process is gone).
                        if matches!(&l.state, ListenerState::Busy((ev, _)) if ev.serial == serial) {
                            if let ListenerState::Busy(ev) =
                                std::mem::replace(&mut l.state, ListenerState::Acknowledged)
                            {
                                buffer.rebuffer(ev);
                            }
                        }
                    }
                }
                Some((i, chunk)) = chunks.recv() => {
                    let l = &mut ls[i];
                    if chunk.stream != Stream::Stdout {
                        continue;
                    }
                    if chunk.pid != l.pid {
                        // A new process of this listener: whatever it was handling is rebuffered.
                        if let ListenerState::Busy(ev) = std::mem::replace(&mut l.state, ListenerState::Acknowledged) {
                            buffer.rebuffer(ev);
                        }
                        l.pid = chunk.pid;
                        l.buf.clear();
                    }
                    l.buf.extend_from_slice(&chunk.data);
                    if let Some(requeue) = advance(l, &log) {
                        buffer.rebuffer(requeue);
                    }
                }
            }
            // A listener whose process is gone cannot be busy any more.
            for l in ls.iter_mut() {
                if l.handle.pid().is_none() {
                    if let ListenerState::Busy(ev) =
                        std::mem::replace(&mut l.state, ListenerState::Acknowledged)
                    {
                        buffer.rebuffer(ev);
                    }
                }
            }
            while let Some(i) = ls
                .iter()
                .position(|l| matches!(l.state, ListenerState::Ready) && !l.writing)
            {
                let Some((ev, poolserial)) = buffer.pop() else {
                    break;
                };
                let l = &mut ls[i];
                let msg = format!(
                    "ver:3.0 server:{identifier} serial:{} pool:{pool} poolserial:{poolserial} eventname:{} len:{}\n{}",
                    ev.serial,
                    ev.name,
                    ev.payload.len(),
                    ev.payload
                );
                let serial = ev.serial;
                l.state = ListenerState::Busy((ev, poolserial));
                l.writing = true;
                log.debug_fmt(format_args!("event {serial} sent to listener {}", l.name));
                // supervisord buffers the write and carries on; the task
                // holds the envelope until the listener reads it or exits.
                let handle = l.handle.clone();
                let written_tx = written_tx.clone();
                tokio::spawn(async move {
                    let ok = handle.write_stdin(msg.as_bytes()).await.is_ok();
                    let _ = written_tx.send((i, serial, ok));
                });
            }
        }
    });
}

/// The consumer of listener `index`'s stdout: hands each chunk to its pool
/// ([`PoolSpec::stdout`]).
pub fn listener_stdout(
    index: usize,
    pool: mpsc::UnboundedSender<(usize, OutputChunk)>,
) -> OutputConsumer {
    // A pool being removed has dropped its receiver: nothing to do.
    Box::new(move |chunk| {
        let _ = pool.send((index, chunk.clone()));
    })
}

/// Consumes what a listener wrote: `READY\n` makes it ready; `RESULT n\n` + n bytes
/// finishes its event (`FAIL` returns the event to be rebuffered). Anything else
/// puts it in UNKNOWN, where it gets no more events.
fn advance(l: &mut Listener, log: &Logger) -> Option<Queued> {
    let mut requeue = None;
    loop {
        match &l.state {
            ListenerState::Acknowledged => {
                let Some(pos) = l.buf.iter().position(|&b| b == b'\n') else {
                    return requeue;
                };
                let line: Vec<u8> = l.buf.drain(..=pos).collect();
                if line.trim_ascii() == b"READY" {
                    l.change(ListenerState::Ready, log);
                } else {
                    l.change(ListenerState::Unknown, log);
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
                    log.warn(&format!("{}: bad result line: '{header}'", l.name));
                    l.change(ListenerState::Unknown, log);
                    return requeue;
                };
                if l.buf.len() < pos + 1 + n {
                    return requeue;
                }
                let body: Vec<u8> = l.buf.drain(..pos + 1 + n).skip(pos + 1).collect();
                // supervisord's default_handler: anything but OK rejects
                // the event, which goes back to the head of the buffer.
                if body == b"OK" {
                    log.debug_fmt(format_args!("{}: event was processed", l.name));
                } else {
                    log.warn(&format!("{}: event was rejected", l.name));
                }
                let ListenerState::Busy(ev) = l.change(ListenerState::Acknowledged, log) else {
                    unreachable!()
                };
                if body != b"OK" {
                    requeue = Some(ev);
                }
            }
            ListenerState::Ready | ListenerState::Unknown => {
                if !l.buf.is_empty() && matches!(l.state, ListenerState::Ready) {
                    // Spurious output while READY.
                    l.change(ListenerState::Unknown, log);
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
    fn bytes_repr_like_python() {
        // Expected values from Python 3: repr(b'...').
        assert_eq!(py_bytes_repr(b"READY\n"), r"b'READY\n'");
        assert_eq!(py_bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(py_bytes_repr(b"'\""), r#"b'\'"'"#);
        assert_eq!(py_bytes_repr(b"a\\b\t\r\x00\xff~"), r"b'a\\b\t\r\x00\xff~'");
    }

    #[test]
    fn subscriptions() {
        assert!(matches("EVENT", "TICK_5"));
        assert!(matches("PROCESS_STATE", "PROCESS_STATE_RUNNING"));
        assert!(matches("PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING"));
        assert!(!matches("PROCESS_STATE_RUNNING", "PROCESS_STATE_STOPPED"));
        assert!(!matches("TICK_5", "TICK_60"));
        assert!(!matches("REMOTE", "REMOTE_COMMUNICATION"));
    }

    fn event(serial: u64) -> Arc<Event> {
        Arc::new(Event {
            name: "TICK_5".into(),
            payload: String::new(),
            serial,
        })
    }

    /// supervisord's `_acceptEvent`: at most `buffer_size` events, the
    /// oldest discarded (with its error line) for a new one at the tail or a
    /// rebuffered one at the head; pool serials count accepted events.
    #[test]
    fn pool_buffer_keeps_buffer_size_dropping_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.log");
        let log = Arc::new(Logger::new(
            Some(path.clone()),
            crate::config::LogLevel::Debug,
            0,
            0,
            false,
        ));
        let b = PoolBuffer::new("pool", 3, log);
        for serial in 0..5 {
            b.accept(event(serial));
        }
        assert_eq!(b.len(), 3);
        let (ev, poolserial) = b.pop().unwrap();
        assert_eq!((ev.serial, poolserial), (2, 2));
        b.accept(event(5));
        // Full again (3, 4, 5): the rebuffered 2 goes first, 3 is discarded.
        b.rebuffer((ev, poolserial));
        let rest: Vec<(u64, u64)> = std::iter::from_fn(|| b.pop())
            .map(|(e, p)| (e.serial, p))
            .collect();
        assert_eq!(rest, [(2, 2), (4, 4), (5, 5)]);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .map(|l| l.split_once(' ').unwrap().1.split_once(' ').unwrap().1)
            .collect();
        assert_eq!(
            lines,
            [
                "ERRO pool pool event buffer overflowed, discarding event 0",
                "ERRO pool pool event buffer overflowed, discarding event 1",
                "DEBG rebuffering event 2 for pool pool (buf size=3, max=3)",
                "ERRO pool pool event buffer overflowed, discarding event 3",
            ]
        );
        // buffer_size=0 keeps one event, as supervisord's `len >= 0` check does.
        let b0 = PoolBuffer::new(
            "p0",
            0,
            Arc::new(Logger::new(
                None,
                crate::config::LogLevel::Info,
                0,
                0,
                false,
            )),
        );
        b0.accept(event(0));
        b0.accept(event(1));
        assert_eq!(b0.len(), 1);
        assert_eq!(b0.pop().unwrap().0.serial, 1);
    }
}
