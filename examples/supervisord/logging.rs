//! The daemon's main log, as supervisord writes it: `YYYY-MM-DD HH:MM:SS,mmm LEVL message`,
//! filtered by `loglevel`, rotated by size (`logfile_maxbytes`, `logfile_backups`, with
//! supervisord's `.N` naming), reopened on SIGUSR2, echoed to stdout with `-n` unless
//! `silent`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::LogLevel;

/// The main logger. Writes are synchronous page-cache appends under a mutex
/// (never held across an `.await`).
pub struct Logger {
    level: LogLevel,
    echo: bool,
    path: Option<PathBuf>,
    max_bytes: u64,
    backups: u32,
    /// The open file and its size, the size `None` when it is not a
    /// regular file (`/dev/stdout`, a FIFO): such a file is never rotated.
    file: Mutex<Option<(File, Option<u64>)>>,
    /// `logfile=syslog`: each message also goes to syslog.
    syslog: bool,
}

fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Critical => "CRIT",
        LogLevel::Error => "ERRO",
        LogLevel::Warn => "WARN",
        LogLevel::Info => "INFO",
        LogLevel::Debug => "DEBG",
        LogLevel::Trace => "TRAC",
        LogLevel::Blather => "BLAT",
    }
}

impl Logger {
    /// A logger writing to `path` (none for syslog/no file).
    pub fn new(
        path: Option<PathBuf>,
        level: LogLevel,
        max_bytes: u64,
        backups: u32,
        echo: bool,
    ) -> Self {
        Self {
            level,
            echo,
            path,
            max_bytes,
            backups,
            file: Mutex::new(None),
            syslog: false,
        }
    }

    /// Sends every message to syslog too (supervisord's `logfile=syslog`).
    pub fn with_syslog(mut self) -> Self {
        self.syslog = true;
        self
    }

    /// The log file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether messages at `level` are written.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level >= self.level
    }

    /// Writes one message at `level`.
    pub fn log(&self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        // `YYYY-MM-DD HH:MM:SS,mmm LEVL ` (the prefix), the message, `\n`.
        let mut line = format!(
            "{} {} ",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S,%3f"),
            level_name(level)
        );
        let prefix_len = line.len();
        line.push_str(msg);
        line.push('\n');
        if self.echo {
            let _ = io::stdout().write_all(line.as_bytes());
        }
        if self.syslog {
            // supervisord's SyslogHandler: the whole format, line by line.
            crate::syslog::send_lines(&line[..prefix_len], msg);
        }
        let Some(path) = &self.path else { return };
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            if let Ok(f) = OpenOptions::new().create(true).append(true).open(path) {
                let size = match f.metadata() {
                    Ok(m) if !m.is_file() => None,
                    Ok(m) => Some(m.len()),
                    Err(_) => Some(0),
                };
                *guard = Some((f, size));
            }
        }
        let Some((f, size)) = guard.as_mut() else {
            return;
        };
        if f.write_all(line.as_bytes()).is_err() {
            *guard = None;
            return;
        }
        // supervisord rotates when the stream's tell() reaches max_bytes: a
        // pipe or tty has no position (ESPIPE) and /dev/null's stays 0, so a
        // file that is not regular is never renamed.
        let Some(size) = size else { return };
        *size += line.len() as u64;
        if self.max_bytes > 0 && *size >= self.max_bytes {
            *guard = None;
            let _ = self.rotate(path);
        }
    }

    fn rotate(&self, path: &Path) -> io::Result<()> {
        if self.backups == 0 {
            File::create(path)?;
            return Ok(());
        }
        let backup = |n: u32| {
            let mut p = path.as_os_str().to_owned();
            p.push(format!(".{n}"));
            PathBuf::from(p)
        };
        for i in (1..self.backups).rev() {
            if backup(i).exists() {
                fs::rename(backup(i), backup(i + 1))?;
            }
        }
        fs::rename(path, backup(1))
    }

    /// Closes the file; the next message opens it again (SIGUSR2).
    pub fn reopen(&self) {
        *self.file.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Removes the log file (`supervisor.clearLog`); the next message
    /// starts a new one.
    pub fn clear(&self) -> io::Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        *guard = None;
        match &self.path {
            Some(p) => fs::remove_file(p),
            None => Ok(()),
        }
    }

    pub fn critical(&self, msg: &str) {
        self.log(LogLevel::Critical, msg)
    }
    pub fn error(&self, msg: &str) {
        self.log(LogLevel::Error, msg)
    }
    pub fn warn(&self, msg: &str) {
        self.log(LogLevel::Warn, msg)
    }
    pub fn info(&self, msg: &str) {
        self.log(LogLevel::Info, msg)
    }
    pub fn debug(&self, msg: &str) {
        self.log(LogLevel::Debug, msg)
    }
    /// A debug message, formatted only if debug messages are written.
    pub fn debug_fmt(&self, args: std::fmt::Arguments<'_>) {
        if self.enabled(LogLevel::Debug) {
            self.log(LogLevel::Debug, &args.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_filter_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.log");
        let log = Logger::new(Some(path.clone()), LogLevel::Info, 200, 2, false);
        log.debug("hidden");
        log.info("hello");
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains("hidden"));
        let line = text.lines().next().unwrap();
        // 2024-01-01 12:00:00,123 INFO hello
        assert_eq!(
            line.len(),
            "2024-01-01 12:00:00,123 INFO hello".len(),
            "{line}"
        );
        assert!(line.ends_with(" INFO hello"));
        for i in 0..20 {
            log.warn(&format!("message {i}"));
        }
        assert!(dir.path().join("main.log.1").exists());
        assert!(dir.path().join("main.log.2").exists());
        assert!(!dir.path().join("main.log.3").exists());
    }

    /// `logfile=/dev/stdout`-like paths (here a link to /dev/null in a temp
    /// dir) are never rotated: the link is not renamed, no backup appears.
    #[test]
    fn device_log_is_never_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.log");
        std::os::unix::fs::symlink("/dev/null", &path).unwrap();
        let log = Logger::new(Some(path.clone()), LogLevel::Info, 10, 2, false);
        for i in 0..5 {
            log.info(&format!("message {i}"));
        }
        assert!(!dir.path().join("main.log.1").exists());
        assert_eq!(fs::read_link(&path).unwrap(), Path::new("/dev/null"));
    }
}
