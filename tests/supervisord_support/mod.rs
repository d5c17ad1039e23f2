//! Shared helpers of the supervisord integration tests: start the built example
//! daemon on a temp config, drive it with the stock Python `supervisorctl` (and
//! ours), raw HTTP for protocol checks, and polling with deadlines.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
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
/// installed into `target/venv-supervisor` now (the only installer: scripts/test.sh
/// and CI rely on this). `None` (the tests then skip, saying
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
    /// Extra command-line arguments of the daemon (after `-n -c <conf>`).
    pub args: Vec<String>,
    /// Started without `-n` ([`Daemon::run_daemonized`]): no `child`, so drop
    /// stops the daemon named by the pidfile instead.
    daemonized: bool,
}

/// Which supervisorctl [`Daemon::ctl_command`] runs.
#[derive(Clone, Copy, Debug)]
pub enum Ctl {
    /// The stock Python one (must be available).
    Python,
    /// Ours, `examples/supervisorctl.rs`.
    Ours,
    /// Ours through the daemon binary: `supervisord ctl ...`.
    ViaDaemon,
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
            args: Vec::new(),
            daemonized: false,
        }
    }

    /// Runs the daemon without `-n`: the parent exits (its output and code are
    /// returned) and the daemon lives on, its pid in `sd.pid`. Drop stops it.
    pub fn run_daemonized(&mut self) -> (String, i32) {
        self.daemonized = true;
        run(Command::new(example_bin("supervisord"))
            .arg("-c")
            .arg(&self.conf)
            .args(&self.args))
    }

    /// The pid in the pidfile, once written in full.
    pub fn pidfile_pid(&self) -> Option<i32> {
        let s = std::fs::read_to_string(self.path("sd.pid")).ok()?;
        s.strip_suffix('\n')?.parse().ok()
    }

    pub fn spawn(&mut self) {
        let child = Command::new(example_bin("supervisord"))
            .arg("-n")
            .arg("-c")
            .arg(&self.conf)
            .args(&self.args)
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

    /// A supervisorctl command on this daemon's config (`-c <conf>`), without
    /// its arguments yet.
    pub fn ctl_command(&self, which: Ctl) -> Command {
        let mut cmd = match which {
            Ctl::Python => Command::new(self.ctl.as_ref().expect("python supervisorctl")),
            Ctl::Ours => Command::new(example_bin("supervisorctl")),
            Ctl::ViaDaemon => {
                let mut c = Command::new(example_bin("supervisord"));
                c.arg("ctl");
                c
            }
        };
        cmd.arg("-c").arg(&self.conf);
        cmd
    }

    /// Runs the Python supervisorctl (must be available).
    pub fn pyctl(&self, args: &[&str]) -> (String, i32) {
        run(self.ctl_command(Ctl::Python).args(args))
    }

    /// Runs our supervisorctl (`examples/supervisorctl.rs`).
    pub fn ours(&self, args: &[&str]) -> (String, i32) {
        run(self.ctl_command(Ctl::Ours).args(args))
    }

    /// Runs our supervisorctl through the daemon binary (`supervisord ctl ...`).
    pub fn ourctl(&self, args: &[&str]) -> (String, i32) {
        run(self.ctl_command(Ctl::ViaDaemon).args(args))
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

    /// One member of a process's getProcessInfo (`None`: no such member, or a fault).
    pub fn info_str(&self, name: &str, member: &str) -> Option<String> {
        let r = self.rpc(
            "supervisor.getProcessInfo",
            &format!("<param><value><string>{name}</string></value></param>"),
        );
        extract_member(&r, member)
    }

    /// The `statename` of a process, via XML-RPC ("" if there is none).
    pub fn state(&self, name: &str) -> String {
        self.info_str(name, "statename").unwrap_or_default()
    }

    /// An integer member of getProcessInfo (-999 if there is none).
    pub fn info_int(&self, name: &str, member: &str) -> i64 {
        self.info_str(name, member)
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
        if self.child.is_none() && self.daemonized {
            // A daemon that outlived a failed assertion: stop it (it stops
            // its programs), SIGKILL if it takes too long. Its pidfile is
            // gone once it shut down cleanly.
            if let Some(pid) = self.pidfile_pid() {
                let pid = nix::unistd::Pid::from_raw(pid);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
                let deadline = Instant::now() + Duration::from_secs(15);
                while nix::sys::signal::kill(pid, None).is_ok() {
                    if Instant::now() > deadline {
                        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
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

/// A command that streams (`tail -f`, `maintail -f`, `fg`), its stdout collected
/// by a thread as it comes; killed on drop. Set stdin/stderr on the command
/// before [`Follow::spawn`] (stdout is piped here).
pub struct Follow {
    pub child: Child,
    out: Arc<Mutex<String>>,
}

impl Follow {
    pub fn spawn(cmd: &mut Command) -> Follow {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn a following command");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Follow { child, out }
    }

    /// Everything it printed so far.
    pub fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until its output contains `want`; all of it then.
    pub fn wait_for(&self, want: &str) -> String {
        wait_until(WAIT, &format!("the output shows {want:?}"), || {
            self.text().contains(want)
        });
        self.text()
    }

    /// Waits for it to exit; its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let mut code = None;
        wait_until(WAIT, "it exits", || {
            code = self.child.try_wait().unwrap().map(|s| s.code());
            code.is_some()
        });
        code.flatten()
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The process group of `pid`, from `/proc/<pid>/stat`.
pub fn pgid_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(2)?.parse().ok()
}

/// The pids whose process group is `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pgid_of(pid) == Some(pgid))
        .collect()
}

/// An event listener (write it as `listener.py` next to the config, run it as
/// `python3 -u %(here)s/listener.py`): appends each event to `events.log` as
/// `EVENTNAME payload` (newlines as spaces) and answers OK. With `--fail-first`
/// it answers FAIL to the first event, and each line starts with its answer and
/// `serial/poolserial`: `FAIL 0/0 EVENTNAME payload`.
pub const LISTENER_PY: &str = "import sys\n\
     log = sys.argv[0].replace('listener.py', 'events.log')\n\
     fail_first = '--fail-first' in sys.argv[1:]\n\
     n = 0\n\
     while True:\n\
     \x20   sys.stdout.write('READY\\n'); sys.stdout.flush()\n\
     \x20   line = sys.stdin.readline()\n\
     \x20   if not line: break\n\
     \x20   h = dict(x.split(':', 1) for x in line.split())\n\
     \x20   data = sys.stdin.read(int(h['len']))\n\
     \x20   n += 1\n\
     \x20   res = 'FAIL' if fail_first and n == 1 else 'OK'\n\
     \x20   head = res + ' ' + h['serial'] + '/' + h['poolserial'] + ' ' if fail_first else ''\n\
     \x20   open(log, 'a').write(head + h['eventname'] + ' ' + data.replace('\\n', ' ') + '\\n')\n\
     \x20   sys.stdout.write('RESULT %d\\n%s' % (len(res), res)); sys.stdout.flush()\n";

/// A syslog socket for the daemon (`SUPERVISORD_SYSLOG_SOCKET`), read by a
/// thread of its own from the moment it is bound: supervisord, like
/// syslog(3), blocks while the socket's queue (`net.unix.max_dgram_qlen`
/// datagrams) is full, so a test must not leave it unread. Stops reading on
/// drop.
pub struct Syslog {
    pub path: PathBuf,
    messages: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Syslog {
    /// Binds `path`; `pace` (if not zero) is a pause after each datagram
    /// received: a syslog slower than the daemon.
    pub fn bind(path: PathBuf, pace: Duration) -> Syslog {
        let sock = std::os::unix::net::UnixDatagram::bind(&path).expect("bind the syslog socket");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set_read_timeout");
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (sink, stopped) = (messages.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                if let Ok(n) = sock.recv(&mut buf) {
                    sink.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                    if !pace.is_zero() {
                        std::thread::sleep(pace);
                    }
                }
            }
        });
        Syslog {
            path,
            messages,
            stop,
        }
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for Syslog {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
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
