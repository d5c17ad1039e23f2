//! Shared helpers of the supervisord integration tests: start the built example
//! daemon on a temp config, drive it with the stock Python `supervisorctl` (and
//! ours), raw HTTP for protocol checks, and polling with deadlines.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a test waits for a condition before failing: generous, because
/// the waits end as soon as the condition holds and CI machines are loaded.
pub const WAIT: Duration = Duration::from_secs(60);

/// `target/<profile>/examples/<name>`, next to this test binary's `deps/`
/// (so `CARGO_TARGET_DIR` is respected).
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir.join("examples").join(name);
    assert!(
        bin.exists(),
        "{} is missing: build it first (`cargo build --example {name}`; scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// Runs the daemon in the foreground on `base_conf` + `extra`, written to
/// `file_name` in a temp dir, until it exits: (output, exit code).
pub fn run_daemon_on(file_name: &str, extra: &str) -> (String, i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join(file_name);
    std::fs::write(&conf, base_conf(dir.path()) + extra).expect("write config");
    run_daemon(&conf)
}

/// Runs the daemon in the foreground on `conf` until it exits: (output, exit code).
pub fn run_daemon(conf: &Path) -> (String, i32) {
    run(Command::new(example_bin("supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(conf))
}

/// The stock Python supervisorctl: `$SUPERVISORCTL`, else the repo's venv, else one
/// installed into `target/venv-supervisor` now. `None` (the tests then skip, saying
/// so) only when `SUPERVISORCTL` is unset and python3 is not available.
pub fn python_ctl() -> Option<PathBuf> {
    static CTL: OnceLock<Option<PathBuf>> = OnceLock::new();
    CTL.get_or_init(|| {
        if let Some(p) = std::env::var_os("SUPERVISORCTL") {
            return Some(PathBuf::from(p));
        }
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-supervisor");
        let ctl = venv.join("bin/supervisorctl");
        if ctl.exists() {
            return Some(ctl);
        }
        let py = Command::new("python3").arg("--version").output();
        if !py.is_ok_and(|o| o.status.success()) {
            return None;
        }
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "supervisor==4.2.5"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            ok,
            "python3 is available but installing supervisor==4.2.5 into {} failed",
            venv.display()
        );
        Some(ctl)
    })
    .clone()
}

/// Skips the test (printing why) when no Python supervisorctl can be had.
#[macro_export]
macro_rules! require_python_ctl {
    () => {
        match support::python_ctl() {
            Some(p) => p,
            None => {
                eprintln!("SKIPPED: SUPERVISORCTL is unset and python3 is unavailable, so the stock supervisorctl cannot be installed");
                return;
            }
        }
    };
}

/// A daemon under test, killed on drop.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub sock: PathBuf,
    pub child: Option<Child>,
    pub ctl: Option<PathBuf>,
    /// Extra environment of the daemon.
    pub env: Vec<(String, String)>,
}

/// The `[supervisord]`, `[unix_http_server]`, `[rpcinterface]` and `[supervisorctl]`
/// sections for a daemon living in `dir`.
pub fn base_conf(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "[unix_http_server]\nfile={d}/s.sock\n\n[supervisord]\nlogfile={d}/main.log\npidfile={d}/sd.pid\nchildlogdir={d}\nloglevel=debug\nidentifier=t\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n[supervisorctl]\nserverurl=unix://{d}/s.sock\n\n"
    )
}

impl Daemon {
    /// Writes `base_conf + programs` and starts the daemon in the foreground.
    pub fn start(programs: &str) -> Daemon {
        Self::start_with(programs, &[])
    }

    /// Like [`Daemon::start`], with `files` (name, content) written next to the config first.
    pub fn start_with(programs: &str, files: &[(&str, &str)]) -> Daemon {
        let mut d = Self::prepare(programs, files);
        d.spawn();
        d
    }

    /// Like [`Daemon::start_with`], but not started yet ([`Daemon::spawn`] does).
    pub fn prepare(programs: &str, files: &[(&str, &str)]) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).expect("write file");
        }
        let conf = dir.path().join("supervisord.conf");
        std::fs::write(&conf, base_conf(dir.path()) + programs).expect("write conf");
        let sock = dir.path().join("s.sock");
        Daemon {
            dir,
            conf,
            sock,
            child: None,
            ctl: python_ctl(),
            env: Vec::new(),
        }
    }

    pub fn spawn(&mut self) {
        let child = Command::new(example_bin("supervisord"))
            .arg("-n")
            .arg("-c")
            .arg(&self.conf)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn supervisord");
        self.child = Some(child);
        wait_until(WAIT, "the daemon answers on its socket", || {
            self.rpc("supervisor.getState", "").contains("RUNNING")
        });
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Rewrites the programs part of the config.
    pub fn rewrite(&self, programs: &str) {
        std::fs::write(&self.conf, base_conf(self.dir.path()) + programs).expect("write conf");
    }

    /// Runs the Python supervisorctl (must be available).
    pub fn pyctl(&self, args: &[&str]) -> (String, i32) {
        let ctl = self.ctl.as_ref().expect("python supervisorctl");
        run(Command::new(ctl).arg("-c").arg(&self.conf).args(args))
    }

    /// Runs our supervisorctl (`supervisord ctl ...`).
    pub fn ourctl(&self, args: &[&str]) -> (String, i32) {
        run(Command::new(example_bin("supervisord"))
            .arg("ctl")
            .arg("-c")
            .arg(&self.conf)
            .args(args))
    }

    /// A raw HTTP request on the unix socket; returns the whole response ("" on error).
    pub fn raw(&self, request: &[u8]) -> String {
        let Ok(mut s) = UnixStream::connect(&self.sock) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(WAIT));
        if s.write_all(request).is_err() {
            return String::new();
        }
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// An XML-RPC call with `params` (already XML `<param>`s); returns the raw response.
    pub fn rpc(&self, method: &str, params: &str) -> String {
        let body = format!("<?xml version='1.0'?><methodCall><methodName>{method}</methodName><params>{params}</params></methodCall>");
        let req = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.raw(req.as_bytes())
    }

    /// The `statename` of a process, via XML-RPC.
    pub fn state(&self, name: &str) -> String {
        let r = self.rpc(
            "supervisor.getProcessInfo",
            &format!("<param><value><string>{name}</string></value></param>"),
        );
        extract_member(&r, "statename").unwrap_or_default()
    }

    /// An integer member of getProcessInfo.
    pub fn info_int(&self, name: &str, member: &str) -> i64 {
        let r = self.rpc(
            "supervisor.getProcessInfo",
            &format!("<param><value><string>{name}</string></value></param>"),
        );
        extract_member(&r, member)
            .and_then(|s| s.parse().ok())
            .unwrap_or(-999)
    }

    pub fn wait_state(&self, name: &str, state: &str, within: Duration) {
        wait_until(within, &format!("{name} is {state}"), || {
            self.state(name) == state
        });
    }

    pub fn main_log(&self) -> String {
        std::fs::read_to_string(self.path("main.log")).unwrap_or_default()
    }

    /// Waits for the daemon to exit; its status code.
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(s)) = child.try_wait() {
                self.child = None;
                return s.code();
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn run(cmd: &mut Command) -> (String, i32) {
    let out: Output = cmd.stdin(Stdio::null()).output().expect("run command");
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    (s, out.status.code().unwrap_or(-1))
}

/// The text of `<name>member</name><value><T>text</T></value>` in a response.
pub fn extract_member(xml: &str, member: &str) -> Option<String> {
    let i = xml.find(&format!("<name>{member}</name>"))?;
    let rest = &xml[i..];
    let v = rest.find("<value>")? + "<value>".len();
    let rest = &rest[v..];
    let open_end = rest.find('>')? + 1;
    let rest2 = &rest[open_end..];
    let close = rest2.find("</")?;
    Some(rest2[..close].to_owned())
}

/// Polls `cond` until it holds; panics naming `what` after `within`.
pub fn wait_until(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    loop {
        if cond() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}
