//! Where a process's output goes: `tracing`, a size-rotated file, an
//! in-memory tail buffer, a broadcast channel, callbacks.
//!
//! Each of stdout and stderr is read by its own task from the moment the
//! process is spawned until the pipe reaches end-of-file. The reader hands
//! each chunk to every sink before it reads the next one: the built-in
//! sinks never wait on anyone (a broadcast subscriber that lags loses
//! chunks, not the child), while a callback that takes its time holds the
//! reader, and the child then blocks on a full pipe: back-pressure instead
//! of loss. The sinks outlive a run of the command: the log file, the tail
//! buffer, the callbacks and the offsets carry on across restarts, so no
//! byte is lost or reordered between one run and the next.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::handle::OutputChannel;
use tokio::io::AsyncReadExt;
use tracing::Level;

/// One of the two output streams of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Standard output (also stderr when merged with [`Command::merge_stderr`](crate::Command::merge_stderr)).
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `"stdout"` or `"stderr"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The sinks of one output stream. With no sink at all, the stream goes to
/// `/dev/null`.
///
/// ```
/// use supervisor_exec::{LogFile, Output};
///
/// let out = Output::new()
///     .tracing(tracing::Level::INFO)
///     .file(LogFile::new("/var/log/app.log").max_bytes(1 << 20).backups(3))
///     .tail(64 * 1024)
///     .channel()
///     .callback(|chunk| eprint!("{}", String::from_utf8_lossy(&chunk.data)));
/// # let _ = out;
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct Output {
    pub(crate) tracing: Option<Level>,
    pub(crate) file: Option<LogFile>,
    pub(crate) tail: Option<usize>,
    pub(crate) channel: bool,
    pub(crate) callbacks: Vec<Callback>,
    pub(crate) strip_ansi: bool,
}

/// A callback sink ([`Output::callback`]).
pub(crate) struct Callback(Box<dyn FnMut(&OutputChunk) + Send>);

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Callback")
    }
}

impl Output {
    /// No sink (the stream goes to `/dev/null`) until one is added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Each line becomes a `tracing` event at `level`, with target
    /// `supervisor_exec::output`, fields `stream` and `pid`, inside the
    /// node's span (so it carries the node's DN). Lines longer than 8 KiB
    /// are split; invalid UTF-8 is replaced.
    pub fn tracing(mut self, level: Level) -> Self {
        self.tracing = Some(level);
        self
    }

    /// Append the raw bytes to a size-rotated file.
    pub fn file(mut self, file: LogFile) -> Self {
        self.file = Some(file);
        self
    }

    /// Keep the last `capacity` bytes in memory (see [`TailBuffer`]);
    /// supervisord's `capture_maxbytes`/tail logs.
    pub fn tail(mut self, capacity: usize) -> Self {
        self.tail = Some(capacity);
        self
    }

    /// Send every chunk read to the command's output channel
    /// ([`ProcessHandle::subscribe_output`](crate::ProcessHandle::subscribe_output)).
    ///
    /// The channel never holds the reader back: a subscriber that falls
    /// more than the channel's capacity behind loses the oldest chunks
    /// (it is told how many). For watchers that must not slow the process
    /// down (a `tail -f`); use [`callback`](Self::callback) for consumers
    /// that must see every byte.
    pub fn channel(mut self) -> Self {
        self.channel = true;
        self
    }

    /// Call `f` with every chunk read, in order, with no loss: `f` runs on
    /// the task that reads the pipe, before the next read, for every run
    /// of the command (it belongs to the command, like the other sinks).
    /// Several callbacks are called in the order they were added.
    ///
    /// While `f` runs, the pipe is not read: a slow callback makes the
    /// child block on a full pipe (back-pressure) rather than lose output.
    /// It also occupies a runtime worker thread, so it should be quick and
    /// not block for long: hand slow work to a channel or another task.
    /// The chunk carries the same pid and offsets as on the output channel;
    /// it is not split into lines. A callback that panics is dropped (the
    /// panic is logged) and the other sinks carry on.
    pub fn callback(mut self, f: impl FnMut(&OutputChunk) + Send + 'static) -> Self {
        self.callbacks.push(Callback(Box::new(f)));
        self
    }

    /// Remove ANSI escape sequences (`ESC [` up to a terminator letter) from
    /// what reaches every sink, as supervisord's `strip_ansi` does: chunk by
    /// chunk, so of a sequence split across two reads, the head (from
    /// `ESC [` to the end of the first read) is dropped and the rest reaches
    /// the sinks with the next read.
    pub fn strip_ansi(mut self, yes: bool) -> Self {
        self.strip_ansi = yes;
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tracing.is_none()
            && self.file.is_none()
            && self.tail.is_none()
            && !self.channel
            && self.callbacks.is_empty()
    }
}

/// A chunk of output, as sent on the output channel and to callbacks.
#[derive(Debug, Clone)]
pub struct OutputChunk {
    /// The stream it was read from.
    pub stream: Stream,
    /// The pid of the process that wrote it.
    pub pid: u32,
    /// Offset of its first byte in the stream, counted over every run of the
    /// command (the same offsets as the [`TailBuffer`]).
    pub offset: u64,
    /// The bytes, as read (not split into lines).
    pub data: Arc<[u8]>,
}

/// A log file rotated by size, with supervisord's naming: when the file
/// reaches `max_bytes`, `name.log.N-1` becomes `name.log.N` (down to
/// `name.log.1`), `name.log` becomes `name.log.1`, and a new `name.log` is
/// started. The oldest backup beyond `backups` is overwritten.
///
/// As in supervisord, a write is never split: a file may exceed `max_bytes`
/// by the last chunk written. `max_bytes(0)` never rotates; `backups(0)`
/// truncates the file instead of keeping a backup.
///
/// The file is opened in append mode when first written to. Write errors
/// are logged once and retried at the next write (the output keeps being
/// drained meanwhile).
pub struct LogFile {
    path: PathBuf,
    max_bytes: u64,
    backups: u32,
    state: Mutex<FileState>,
}

#[derive(Default)]
struct FileState {
    file: Option<File>,
    size: u64,
    /// The open file is a regular file (not a pipe, tty, FIFO or device
    /// such as `/dev/stdout` or `/dev/null`): only then is it rotated.
    regular: bool,
    failing: bool,
}

impl LogFile {
    /// A log file at `path`, rotated at 50 MiB with 10 backups
    /// (supervisord's defaults).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            max_bytes: 50 * 1024 * 1024,
            backups: 10,
            state: Mutex::new(FileState::default()),
        }
    }

    /// Rotate when the file reaches this size; `0` never rotates.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// How many rotated files to keep (`name.log.1` ... `name.log.N`).
    #[must_use]
    pub fn backups(mut self, backups: u32) -> Self {
        self.backups = backups;
        self
    }

    /// The path of the current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of backup number `n` (`name.log.n`).
    pub fn backup_path(&self, n: u32) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    }

    fn lock(&self) -> MutexGuard<'_, FileState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the file; the next write opens it again (in append mode), at
    /// the same path. Use after an external tool moved it (SIGUSR2 in
    /// supervisord).
    pub fn reopen(&self) {
        self.lock().file = None;
    }

    /// Removes the current file (not the backups) and starts a new one, as
    /// supervisord's `clearProcessLogs` does. A path that is not a regular
    /// file (`/dev/stdout`, a FIFO) is only reopened, never removed.
    ///
    /// # Errors
    ///
    /// The error of removing the file, unless it did not exist.
    pub fn clear(&self) -> io::Result<()> {
        let mut st = self.lock();
        st.file = None;
        st.size = 0;
        if fs::metadata(&self.path).is_ok_and(|m| !m.is_file()) {
            return Ok(());
        }
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Appends `data`, then rotates if the file reached `max_bytes`.
    pub(crate) fn write(&self, data: &[u8]) {
        let mut st = self.lock();
        match self.write_locked(&mut st, data) {
            Ok(()) => st.failing = false,
            Err(e) => {
                st.file = None;
                if !st.failing {
                    st.failing = true;
                    tracing::error!(path = %self.path.display(), error = %e, "cannot write log file; output is dropped until it can");
                }
            }
        }
    }

    fn write_locked(&self, st: &mut FileState, data: &[u8]) -> io::Result<()> {
        let file = match &mut st.file {
            Some(f) => f,
            None => {
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?;
                let meta = f.metadata()?;
                st.regular = meta.is_file();
                st.size = meta.len();
                st.file.insert(f)
            }
        };
        file.write_all(data)?;
        st.size += data.len() as u64;
        // supervisord rotates when the stream's position (`tell()`) reaches
        // max_bytes: a pipe, tty or FIFO has none (tell() fails with ESPIPE)
        // and /dev/null's stays 0, so such a file is never renamed.
        if self.max_bytes > 0 && st.regular && st.size >= self.max_bytes {
            self.rotate_locked(st)?;
        }
        Ok(())
    }

    fn rotate_locked(&self, st: &mut FileState) -> io::Result<()> {
        st.file = None;
        st.size = 0;
        if self.backups == 0 {
            st.file = Some(File::create(&self.path)?);
            return Ok(());
        }
        for i in (1..self.backups).rev() {
            let from = self.backup_path(i);
            if from.exists() {
                fs::rename(&from, self.backup_path(i + 1))?;
            }
        }
        fs::rename(&self.path, self.backup_path(1))?;
        st.file = Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?,
        );
        Ok(())
    }
}

impl fmt::Debug for LogFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogFile")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .field("backups", &self.backups)
            .finish()
    }
}

/// The last bytes of a stream, kept in memory, with absolute offsets.
///
/// Offsets count every byte the stream produced since the command was
/// built, over all its runs: the buffer holds the bytes
/// `start()..end()`, at most its capacity. This is what supervisord's
/// `readProcessStdoutLog`/`tailProcessStdoutLog` need: a client that read up
/// to offset `n` asks for `read(n, len)` and learns from
/// [`Tail::start`] whether it missed bytes (`start > n`).
pub struct TailBuffer {
    capacity: usize,
    ring: Mutex<Ring>,
}

struct Ring {
    bytes: VecDeque<u8>,
    end: u64,
}

/// Bytes read from a [`TailBuffer`], with the offsets they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// The bytes `start..start + data.len()`.
    pub data: Vec<u8>,
    /// Absolute offset of the first byte of `data`.
    pub start: u64,
    /// Absolute offset one past the last byte the stream has produced so
    /// far (the buffer's end, not necessarily the end of `data`).
    pub end: u64,
}

impl TailBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ring: Mutex::new(Ring {
                bytes: VecDeque::with_capacity(capacity.min(1 << 20)),
                end: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most bytes it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Offset one past the last byte produced so far.
    pub fn end(&self) -> u64 {
        self.lock().end
    }

    /// Offset of the oldest byte still held.
    pub fn start(&self) -> u64 {
        let r = self.lock();
        r.end - r.bytes.len() as u64
    }

    /// Up to `max` bytes from `offset` on (or from [`start`](Self::start), if
    /// `offset` is older than that).
    pub fn read(&self, offset: u64, max: usize) -> Tail {
        let r = self.lock();
        let start_held = r.end - r.bytes.len() as u64;
        let from = offset.clamp(start_held, r.end);
        let skip = (from - start_held) as usize;
        let data: Vec<u8> = r.bytes.iter().skip(skip).take(max).copied().collect();
        Tail {
            data,
            start: from,
            end: r.end,
        }
    }

    /// The last `max` bytes.
    pub fn tail(&self, max: usize) -> Tail {
        let end = self.end();
        self.read(end.saturating_sub(max as u64), max)
    }

    /// Drops the bytes held; offsets keep counting from where they were.
    pub fn clear(&self) {
        self.lock().bytes.clear();
    }

    pub(crate) fn push(&self, data: &[u8]) {
        let mut r = self.lock();
        r.end += data.len() as u64;
        let data = if data.len() > self.capacity {
            r.bytes.clear();
            &data[data.len() - self.capacity..]
        } else {
            data
        };
        let overflow = (r.bytes.len() + data.len()).saturating_sub(self.capacity);
        r.bytes.drain(..overflow);
        r.bytes.extend(data);
    }
}

impl fmt::Debug for TailBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.lock();
        f.debug_struct("TailBuffer")
            .field("capacity", &self.capacity)
            .field("start", &(r.end - r.bytes.len() as u64))
            .field("end", &r.end)
            .finish()
    }
}

/// The live sinks of one stream, shared by every run of a command.
#[derive(Debug)]
pub(crate) struct Sinks {
    pub(crate) stream: Stream,
    pub(crate) tracing: Option<Level>,
    pub(crate) file: Option<Arc<LogFile>>,
    pub(crate) tail: Option<Arc<TailBuffer>>,
    /// The command's output channel, if this stream is sent to it
    /// ([`Output::channel`]).
    pub(crate) channel: Option<Arc<OutputChannel>>,
    strip_ansi: bool,
    /// What the readers of every run write under one lock.
    state: Mutex<SinkState>,
}

/// The part of [`Sinks`] a reader holds while it hands a chunk over.
#[derive(Debug)]
struct SinkState {
    /// Bytes produced so far (the tail's `end` when there is a tail).
    offset: u64,
    callbacks: Vec<Callback>,
}

impl Sinks {
    pub(crate) fn new(
        stream: Stream,
        out: Output,
        channel: Option<Arc<OutputChannel>>,
    ) -> Option<Self> {
        if out.is_empty() {
            return None;
        }
        Some(Self {
            stream,
            tracing: out.tracing,
            file: out.file.map(Arc::new),
            tail: out.tail.map(|c| Arc::new(TailBuffer::new(c))),
            channel,
            strip_ansi: out.strip_ansi,
            state: Mutex::new(SinkState {
                offset: 0,
                callbacks: out.callbacks,
            }),
        })
    }

    /// Hands a chunk to the file, tail, channel and callback sinks, in one
    /// critical section so concurrent readers (a draining old run, a new
    /// run) never interleave inside a chunk and offsets stay consistent.
    fn write(&self, pid: u32, data: &[u8]) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = &self.file {
            file.write(data);
        }
        if let Some(tail) = &self.tail {
            tail.push(data);
        }
        // The chunk is built only if a callback or a subscriber takes it.
        let offset = st.offset;
        let make = || OutputChunk {
            stream: self.stream,
            pid,
            offset,
            data: data.into(),
        };
        let mut chunk = None;
        if !st.callbacks.is_empty() {
            let c = chunk.insert(make());
            st.callbacks.retain_mut(|Callback(f)| {
                let called = std::panic::catch_unwind(AssertUnwindSafe(|| f(c)));
                if called.is_err() {
                    tracing::error!(
                        stream = self.stream.as_str(),
                        "an output callback panicked; it is dropped"
                    );
                }
                called.is_ok()
            });
        }
        if let Some(channel) = &self.channel {
            channel.send(|| chunk.unwrap_or_else(make));
        }
        st.offset += data.len() as u64;
    }

    fn emit_line(&self, pid: u32, line: &[u8]) {
        let Some(level) = self.tracing else { return };
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        let stream = self.stream.as_str();
        macro_rules! emit {
            ($lvl:expr) => {
                tracing::event!(target: "supervisor_exec::output", $lvl, stream, pid, "{line}")
            };
        }
        match level {
            Level::ERROR => emit!(Level::ERROR),
            Level::WARN => emit!(Level::WARN),
            Level::INFO => emit!(Level::INFO),
            Level::DEBUG => emit!(Level::DEBUG),
            _ => emit!(Level::TRACE),
        }
    }
}

const MAX_LINE: usize = 8 * 1024;
/// A pipe reader's first buffer, and the size it grows to when a read fills it.
const MIN_READ_BUF: usize = 4 * 1024;
const MAX_READ_BUF: usize = 64 * 1024;

/// Reads one pipe until end-of-file, feeding every sink.
pub(crate) async fn drain(mut pipe: tokio::net::unix::pipe::Receiver, sinks: Arc<Sinks>, pid: u32) {
    // Most programs write little: start small (a zeroed 64 KiB buffer per
    // pipe is ~45 KiB resident each) and grow once a read fills the buffer.
    let mut buf = vec![0u8; MIN_READ_BUF];
    let mut line: Vec<u8> = Vec::new();
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!(stream = sinks.stream.as_str(), error = %e, "output pipe read failed");
                break;
            }
        };
        let chunk = if sinks.strip_ansi {
            strip_ansi(&buf[..n])
        } else {
            Cow::Borrowed(&buf[..n])
        };
        let chunk = &*chunk;
        if chunk.is_empty() {
            continue;
        }
        sinks.write(pid, chunk);
        if sinks.tracing.is_some() {
            let mut rest = chunk;
            while let Some(i) = rest.iter().position(|&b| b == b'\n') {
                if line.is_empty() {
                    sinks.emit_line(pid, &rest[..i]);
                } else {
                    line.extend_from_slice(&rest[..i]);
                    sinks.emit_line(pid, &line);
                    line.clear();
                }
                rest = &rest[i + 1..];
            }
            line.extend_from_slice(rest);
            while line.len() >= MAX_LINE {
                sinks.emit_line(pid, &line[..MAX_LINE]);
                line.drain(..MAX_LINE);
            }
        }
        if n == buf.len() && n < MAX_READ_BUF {
            buf.resize(MAX_READ_BUF, 0);
        }
    }
    if !line.is_empty() {
        sinks.emit_line(pid, &line);
    }
}

/// supervisord's `stripEscapes`: drops each `ESC [` and what follows it up to
/// and including the first of `HfABCDRsuJKhlpm`.
fn strip_ansi(data: &[u8]) -> Cow<'_, [u8]> {
    const BEGIN: &[u8] = b"\x1b[";
    const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";
    let find = |bytes: &[u8]| bytes.windows(2).position(|w| w == BEGIN);
    let Some(mut i) = find(data) else {
        return Cow::Borrowed(data);
    };
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    loop {
        out.extend_from_slice(&rest[..i]);
        // The terminator is looked for from the `[` on, as supervisord does.
        match rest[i + 1..].iter().position(|b| TERMINATORS.contains(b)) {
            Some(t) => rest = &rest[i + 1 + t + 1..],
            None => return Cow::Owned(out),
        }
        match find(rest) {
            Some(next) => i = next,
            None => break,
        }
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_is_supervisords_strip_escapes() {
        // Expected values from supervisor 4.2.5's dispatchers.stripEscapes.
        let cases: [(&[u8], &[u8]); 7] = [
            (b"plain", b"plain"),
            (b"\x1b[31mred\x1b[0m!", b"red!"),
            (b"a\x1b[2Jb\x1b[1;1Hc", b"abc"),
            (b"\x1b[?25lhidden", b"hidden"),
            (b"cut \x1b[31", b"cut "),
            (b"lone \x1b x", b"lone \x1b x"),
            (b"\x1b[mm", b"m"),
        ];
        for (input, want) in cases {
            assert_eq!(
                &*strip_ansi(input),
                want,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert!(matches!(strip_ansi(b"no escapes"), Cow::Borrowed(_)));
        // A sequence split across two reads: the head is dropped, the rest
        // comes through with the next read.
        assert_eq!(&*strip_ansi(b"a\x1b[3"), b"a");
        assert_eq!(&*strip_ansi(b"1mred"), b"1mred");
    }

    #[test]
    fn tail_keeps_the_last_bytes_with_absolute_offsets() {
        let t = TailBuffer::new(8);
        t.push(b"hello ");
        t.push(b"world!");
        assert_eq!(t.end(), 12);
        assert_eq!(t.start(), 4);
        let all = t.read(0, 100);
        assert_eq!(
            (all.data.as_slice(), all.start, all.end),
            (&b"o world!"[..], 4, 12)
        );
        assert_eq!(t.read(6, 3).data, b"wor");
        assert_eq!(t.tail(3).data, b"ld!");
        assert_eq!(t.tail(3).start, 9);
        t.push(b"0123456789abc");
        assert_eq!(t.read(0, 100).data, b"56789abc");
        t.clear();
        assert_eq!(
            t.read(0, 10),
            Tail {
                data: vec![],
                start: 25,
                end: 25
            }
        );
    }

    /// A regular file is rotated at max_bytes (the contrast for the tests
    /// below).
    #[test]
    fn regular_log_file_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let log = LogFile::new(dir.path().join("out.log"))
            .max_bytes(4)
            .backups(2);
        log.write(b"12345");
        assert_eq!(fs::read(log.backup_path(1)).unwrap(), b"12345");
        assert_eq!(fs::read(log.path()).unwrap(), b"");
    }

    /// A log path that is a link to `/dev/null` (as `stdout_logfile=/dev/stdout`
    /// is one to a pipe or tty) is never rotated: the link is not renamed and
    /// no backup appears, however much is written. Clearing leaves it too.
    #[test]
    fn device_log_file_is_never_rotated_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log");
        std::os::unix::fs::symlink("/dev/null", &path).unwrap();
        let log = LogFile::new(&path).max_bytes(4).backups(2);
        for _ in 0..3 {
            log.write(b"0123456789");
        }
        assert!(!log.backup_path(1).exists());
        assert_eq!(fs::read_link(&path).unwrap(), Path::new("/dev/null"));
        log.clear().unwrap();
        log.write(b"0123456789");
        assert_eq!(fs::read_link(&path).unwrap(), Path::new("/dev/null"));
        assert!(!log.backup_path(1).exists());
    }

    /// A FIFO log path is written through and never renamed.
    #[test]
    fn fifo_log_file_is_never_rotated() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.fifo");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                File::open(path).unwrap().read_to_end(&mut got).unwrap();
                got
            })
        };
        let log = LogFile::new(&path).max_bytes(4).backups(2);
        log.write(b"0123456789");
        log.write(b"abcdef");
        assert!(!log.backup_path(1).exists());
        assert!(fs::metadata(&path).unwrap().file_type().is_fifo());
        // Closing our end ends the reader's read.
        log.reopen();
        assert_eq!(reader.join().unwrap(), b"0123456789abcdef");
    }
}
