//! `supervisord`: a drop-in reimplementation of Python supervisord 4.2 on a
//! supervision tree (supervisor-core) of OS processes (supervisor-exec).
//!
//! ```text
//! cargo run --example supervisord -- -n -c examples/supervisord/sample.conf
//! ```
//!
//! Modules: [`config`] (+ [`ini`]) reads `supervisord.conf`; [`process`] maps a
//! process instance and supervisord's state machine onto a tree node;
//! [`daemon`] holds the groups in use and acts on the tree; [`rpc`] is the
//! XML-RPC interface over [`xmlrpc`]; [`http`] serves it on unix and TCP
//! sockets; [`logging`] is the main log; [`ctl`] is our `supervisorctl` (run it
//! as `supervisord ctl ...`, or through a link named `supervisorctl`).

mod config;
mod ctl;
mod daemon;
mod events;
mod http;
mod ini;
mod logging;
mod process;
mod rpc;
mod syslog;
mod web;
mod xmlrpc;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use supervisor_core::Supervisor;
use tokio::signal::unix::{signal, SignalKind};

use crate::config::{Config, MainLogFile};
use crate::daemon::{Action, Daemon, State, MOOD_RESTARTING, MOOD_RUNNING, MOOD_SHUTDOWN};
use crate::logging::Logger;

/// supervisord's command line (`supervisord -h`).
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "supervisord",
    disable_version_flag = true,
    about = "supervisord -- run a set of applications as daemons."
)]
pub struct Cli {
    /// configuration file path (searched if not given)
    #[arg(short = 'c', long = "configuration")]
    configuration: Option<PathBuf>,
    /// run in the foreground (same as 'nodaemon=true' in config file)
    #[arg(short = 'n', long)]
    nodaemon: bool,
    /// no logs to stdout (maps to 'silent=true' in config file)
    #[arg(short = 's', long)]
    silent: bool,
    /// run supervisord as this user (or numeric uid)
    #[arg(short = 'u', long)]
    user: Option<String>,
    /// use this umask for daemon subprocess (default is 022)
    #[arg(short = 'm', long)]
    umask: Option<String>,
    /// directory to chdir to when daemonized
    #[arg(short = 'd', long)]
    directory: Option<PathBuf>,
    /// use FILENAME as logfile path
    #[arg(short = 'l', long)]
    logfile: Option<PathBuf>,
    /// use BYTES to limit the max size of logfile
    #[arg(short = 'y', long = "logfile_maxbytes")]
    logfile_maxbytes: Option<String>,
    /// use NUM as number of backups to keep (default 10)
    #[arg(short = 'z', long = "logfile_backups")]
    logfile_backups: Option<i64>,
    /// use LEVEL as log level (debug,info,warn,error,critical)
    #[arg(short = 'e', long)]
    loglevel: Option<String>,
    /// write a pid file for the daemon process to FILENAME
    #[arg(short = 'j', long)]
    pidfile: Option<PathBuf>,
    /// identifier used for this instance of supervisord
    #[arg(short = 'i', long)]
    identifier: Option<String>,
    /// the log directory for child process logs
    #[arg(short = 'q', long)]
    childlogdir: Option<PathBuf>,
    /// prevent the process from performing cleanup (removal of old automatic child log files) at startup
    #[arg(short = 'k', long)]
    nocleanup: bool,
    /// the minimum number of file descriptors for start success
    #[arg(short = 'a', long)]
    minfds: Option<i64>,
    /// the minimum number of processes available for start success
    #[arg(long)]
    minprocs: Option<i64>,
    /// strip ansi escape codes from process output
    #[arg(short = 't', long = "strip_ansi")]
    strip_ansi: bool,
    /// print supervisord version number and exit
    #[arg(short = 'v', long)]
    version: bool,
}

impl Cli {
    /// Applies the command line over the file (supervisord's precedence).
    pub fn apply(&self, cfg: &mut Config) -> Result<(), String> {
        let s = &mut cfg.supervisord;
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if self.nodaemon {
            s.nodaemon = true;
        }
        if self.silent {
            s.silent = true;
        }
        if let Some(l) = &self.logfile {
            s.logfile = MainLogFile::Path(abs(l));
        }
        if let Some(b) = &self.logfile_maxbytes {
            s.logfile_maxbytes = config::byte_size(b)?;
        }
        if let Some(b) = self.logfile_backups {
            s.logfile_backups = b;
        }
        if let Some(l) = &self.loglevel {
            s.loglevel = config::logging_level(l)?;
        }
        if let Some(p) = &self.pidfile {
            s.pidfile = abs(p);
        }
        if let Some(i) = &self.identifier {
            s.identifier = i.clone();
        }
        if let Some(c) = &self.childlogdir {
            s.childlogdir = abs(c);
        }
        if self.nocleanup {
            s.nocleanup = true;
        }
        if let Some(m) = self.minfds {
            s.minfds = m;
        }
        if let Some(m) = self.minprocs {
            s.minprocs = m;
        }
        if self.strip_ansi {
            s.strip_ansi = true;
        }
        if let Some(d) = &self.directory {
            s.directory = Some(abs(d));
        }
        if let Some(m) = &self.umask {
            s.umask = u32::from_str_radix(m, 8)
                .map_err(|_| format!("{m} can not be converted to an octal type"))?;
        }
        if let Some(u) = &self.user {
            // Resolved afterwards ([`config::resolve_daemon_user`]).
            s.user = Some(u.clone());
        }
        Ok(())
    }
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args
        .first()
        .map(|a| {
            Path::new(a)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    if argv0 == "supervisorctl" {
        std::process::exit(ctl::main(args[1..].to_vec()));
    }
    if args.get(1).is_some_and(|a| a == "ctl") {
        std::process::exit(ctl::main(args[2..].to_vec()));
    }
    let cli = Cli::parse();
    std::process::exit(run(cli, &argv0));
}

fn usage_error(argv0: &str, msg: &str) -> i32 {
    eprintln!("Error: {msg}\nFor help, use {argv0} -h");
    2
}

/// supervisord's config file when `-c` is not given: the first of
/// [`config::config_search_paths`] that exists.
fn find_config() -> Option<PathBuf> {
    config::config_search_paths()
        .into_iter()
        .find(|p| p.exists())
}

/// Loads the configuration with the command line applied.
pub fn load_config(
    path: &Path,
    env: &HashMap<String, String>,
    cli: &Cli,
) -> Result<Config, String> {
    let mut cfg = config::load(path, env).map_err(|e| e.to_string())?;
    cli.apply(&mut cfg)?;
    Ok(cfg)
}

/// The configuration the daemon starts with: [`load_config`], then the
/// daemon's `user` (the file's, or `-u/--user`'s) resolved to the uid that
/// privileges are dropped to, as `ServerOptions.realize` does at startup.
pub fn load_startup_config(
    path: &Path,
    env: &HashMap<String, String>,
    cli: &Cli,
) -> Result<Config, String> {
    let mut cfg = load_config(path, env, cli)?;
    config::resolve_daemon_user(&mut cfg.supervisord)?;
    Ok(cfg)
}

/// supervisord's `set_rlimits_or_exit` for one limit: `name` is the
/// resource's, `option` the setting that asks for `min`, `what` the things
/// it counts.
fn check_rlimit(
    res: nix::sys::resource::Resource,
    min: i64,
    name: &str,
    option: &str,
    what: &str,
) -> Result<Option<String>, String> {
    use nix::sys::resource::{getrlimit, setrlimit, RLIM_INFINITY};
    let Ok((soft, hard)) = getrlimit(res) else {
        return Ok(None);
    };
    let min = min.max(0) as u64;
    if soft == RLIM_INFINITY || soft >= min {
        return Ok(None);
    }
    let new_hard = if hard != RLIM_INFINITY && hard < min {
        min
    } else {
        hard
    };
    match setrlimit(res, min, new_hard) {
        Ok(()) => Ok(Some(format!("Increased {name} limit to {min}"))),
        Err(_) => Err(format!(
            "The minimum number of {what} required to run this process is {min} as per the \"{option}\" command-line argument or config file setting. The current environment will only allow you to open {hard} {what}.  Either raise the number of usable {what} in your environment (see README.rst) or lower the {option} setting in the config file to allow the process to start.",
        )),
    }
}

const ROOT_WARNING: &str = "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.";

/// supervisord's `drop_privileges` for the daemon's `user=`: nothing to do
/// when already that user; otherwise only root may, and it takes the user's
/// groups, then its gid, then its uid.
fn drop_privileges(uid: u32) -> Result<(), String> {
    use nix::unistd::{getuid, initgroups, setgid, setuid, Uid, User};
    let user = match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(u)) => u,
        _ => return Err(format!("Can't find uid {uid}")),
    };
    if getuid().as_raw() == uid {
        return Ok(());
    }
    if !getuid().is_root() {
        return Err("Can't drop privilege as nonroot user".to_owned());
    }
    let name = std::ffi::CString::new(user.name.clone())
        .map_err(|_| "Could not set groups of effective user".to_owned())?;
    initgroups(&name, user.gid).map_err(|_| "Could not set groups of effective user".to_owned())?;
    setgid(user.gid).map_err(|_| "Could not set group id of effective user".to_owned())?;
    setuid(user.uid).map_err(|e| format!("Could not set user id of effective user: {e}"))?;
    Ok(())
}

const IN_USE: &str = "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.";

enum Listener {
    Unix(
        std::os::unix::net::UnixListener,
        Option<http::Auth>,
        PathBuf,
    ),
    Tcp(std::net::TcpListener, Option<http::Auth>),
}

fn auth_of(u: &Option<String>, p: &Option<String>) -> Option<http::Auth> {
    match (u, p) {
        (Some(u), Some(p)) => Some(http::Auth {
            username: u.clone(),
            password: p.clone(),
        }),
        _ => None,
    }
}

/// Opens the HTTP servers' sockets, as supervisord does before daemonizing.
fn open_servers(cfg: &Config, notes: &mut Vec<String>) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    for u in &cfg.unix_http_servers {
        if u.file.exists() {
            if std::os::unix::net::UnixStream::connect(&u.file).is_ok() {
                return Err(IN_USE.to_owned());
            }
            notes.push(format!("Unlinking stale socket {}", u.file.display()));
            let _ = std::fs::remove_file(&u.file);
        }
        let l = std::os::unix::net::UnixListener::bind(&u.file)
            .map_err(|e| format!("Cannot open an HTTP server: socket.error reported {e}"))?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&u.file, std::fs::Permissions::from_mode(u.chmod));
        if let Some((uid, gid)) = u.chown {
            nix::unistd::chown(&u.file, Some(uid.into()), gid.map(Into::into))
                .map_err(|e| format!("Not permitted to chown {} to uid/gid {uid}/{gid:?}; adjust \"sockchown\" value in config file or on command line to be one of your own uid/gid: {e}", u.file.display()))?;
        }
        out.push(Listener::Unix(
            l,
            auth_of(&u.username, &u.password),
            u.file.clone(),
        ));
    }
    for i in &cfg.inet_http_servers {
        let host = if i.host.is_empty() {
            "0.0.0.0"
        } else {
            i.host.as_str()
        };
        let l = std::net::TcpListener::bind((host, i.port)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                IN_USE.to_owned()
            } else {
                format!("Cannot open an HTTP server: socket.error reported {e}")
            }
        })?;
        out.push(Listener::Tcp(l, auth_of(&i.username, &i.password)));
    }
    Ok(out)
}

/// Forks once: the parent exits 0; the child leads a new session with stdio on
/// `/dev/null` and takes the configured umask (supervisord's `daemonize`).
fn daemonize(cfg: &Config) -> Result<(), String> {
    // SAFETY: called before any thread is started (no tokio runtime yet), so
    // the child is a full copy of a single-threaded process.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { .. }) => std::process::exit(0),
        Ok(nix::unistd::ForkResult::Child) => {}
        Err(e) => return Err(format!("could not fork: {e}")),
    }
    if let Some(d) = &cfg.supervisord.directory {
        std::env::set_current_dir(d).map_err(|e| format!("can't chdir to {}: {e}", d.display()))?;
    }
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsRawFd;
        for fd in 0..3 {
            let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
        }
    }
    let _ = nix::unistd::setsid();
    // Only a daemonized supervisord takes `umask`/`-m` (supervisord's
    // `_daemonize`); with `-n` it keeps the umask it was started with.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
        cfg.supervisord.umask as _,
    ));
    Ok(())
}

/// Removes the AUTO child logs of a previous run (supervisord's `clear_autochildlogs`).
fn clear_autochildlogs(dir: &Path, identifier: &str) {
    let marker = format!("---{identifier}-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(i) = name.find(&marker) else {
            continue;
        };
        if i == 0 {
            continue;
        }
        let tail = &name[i + marker.len()..];
        let ok = tail.ends_with(".log")
            || tail.rsplit_once(".log.").is_some_and(|(_, n)| {
                !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit())
            });
        if ok {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn run(cli: Cli, argv0: &str) -> i32 {
    if cli.version {
        println!("{}", rpc::SUPERVISOR_VERSION);
        return 0;
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    let path = match cli.configuration.clone().or_else(find_config) {
        Some(p) => p,
        None => {
            let paths: Vec<String> = config::config_search_paths()
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            return usage_error(
                argv0,
                &format!("No config file found at default paths ({}); use the -c option to specify a config file at a different path", paths.join(", ")),
            );
        }
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let cfg = match load_startup_config(&path, &env, &cli) {
        Ok(c) => c,
        Err(e) => return usage_error(argv0, &e),
    };
    // supervisord's set_uid_or_exit, before the rlimits and the logger.
    let mut criticals = Vec::new();
    let mut notes = Vec::new();
    match cfg.supervisord.uid {
        None if nix::unistd::getuid().is_root() => criticals.push(ROOT_WARNING),
        None => {}
        Some(uid) => match drop_privileges(uid) {
            Ok(()) => notes.push(format!("Set uid to user {uid} succeeded")),
            Err(e) => return usage_error(argv0, &e),
        },
    }
    for (res, min, name, option, what) in [
        (
            nix::sys::resource::Resource::RLIMIT_NOFILE,
            cfg.supervisord.minfds,
            "RLIMIT_NOFILE",
            "minfds",
            "file descriptors",
        ),
        (
            nix::sys::resource::Resource::RLIMIT_NPROC,
            cfg.supervisord.minprocs,
            "RLIMIT_NPROC",
            "minprocs",
            "processes",
        ),
    ] {
        match check_rlimit(res, min, name, option, what) {
            Ok(Some(n)) => notes.push(n),
            Ok(None) => {}
            Err(e) => return usage_error(argv0, &e),
        }
    }
    let listeners = match open_servers(&cfg, &mut notes) {
        Ok(l) => l,
        Err(e) => return usage_error(argv0, &e),
    };
    if !cfg.supervisord.nodaemon {
        if let Err(e) = daemonize(&cfg) {
            return usage_error(argv0, &e);
        }
    }
    let pidfile = cfg.supervisord.pidfile.clone();
    if let Err(e) = std::fs::write(&pidfile, format!("{}\n", std::process::id())) {
        eprintln!("could not write pidfile {}: {e}", pidfile.display());
    }
    let s = &cfg.supervisord;
    let mut logger = Logger::new(
        match &s.logfile {
            MainLogFile::Path(p) => Some(p.clone()),
            MainLogFile::Syslog => None,
        },
        s.loglevel,
        s.logfile_maxbytes.max(0) as u64,
        s.logfile_backups.clamp(0, 10_000) as u32,
        s.nodaemon && !s.silent,
    );
    if s.logfile == MainLogFile::Syslog {
        logger = logger.with_syslog();
    }
    let log = Arc::new(logger);
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    for c in &criticals {
        log.critical(c);
    }
    for w in &cfg.warnings {
        log.warn(w);
    }
    for i in &cfg.infos {
        log.info(i);
    }
    for n in &notes {
        log.info(n);
    }
    if !s.nocleanup {
        clear_autochildlogs(&s.childlogdir, &s.identifier);
    }
    let socket_files: Vec<PathBuf> = cfg
        .unix_http_servers
        .iter()
        .map(|u| u.file.clone())
        .collect();
    // supervisord closes every descriptor above stderr in each child; we
    // mark the ones inherited from our parent close-on-exec once instead
    // (our own are), so programs can be spawned without a pre_exec sweep.
    supervisor_exec::mark_inherited_fds_cloexec();
    // One malloc arena for the whole daemon instead of one per worker thread
    // (the daemon is mostly idle; the extra arena was ~180 KiB resident with
    // 100 programs).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; no thread is running yet.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 1);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return usage_error(argv0, &format!("cannot start the runtime: {e}")),
    };
    let code = rt.block_on(serve(cfg, listeners, log.clone(), path, env, cli));
    rt.shutdown_timeout(Duration::from_secs(1));
    let _ = std::fs::remove_file(&pidfile);
    for f in socket_files {
        let _ = std::fs::remove_file(f);
    }
    code
}

/// supervisord's `reap` for the children that are not its programs'
/// (orphans re-parented to it, e.g. as PID 1 in a container): reaped at
/// each SIGCHLD and logged as `reaped unknown pid N (exit status 0)`.
/// supervisor-exec's own processes are left to their runs; when one of
/// them, exited but not yet reaped, hides the others, it tries again a
/// second later.
fn spawn_orphan_reaper(log: Arc<Logger>) {
    let mut sigchld = match signal(SignalKind::child()) {
        Ok(s) => s,
        Err(e) => {
            log.error(&format!(
                "cannot watch SIGCHLD, orphans will not be reaped: {e}"
            ));
            return;
        }
    };
    tokio::spawn(async move {
        loop {
            let reaped = supervisor_exec::reap_orphans();
            for o in &reaped.orphans {
                log.info(&format!("reaped unknown pid {} ({})", o.pid, o.status));
            }
            if reaped.blocked {
                tokio::select! {
                    _ = sigchld.recv() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            } else if sigchld.recv().await.is_none() {
                return;
            }
        }
    });
}

async fn serve(
    cfg: Config,
    listeners: Vec<Listener>,
    log: Arc<Logger>,
    config_path: PathBuf,
    env: HashMap<String, String>,
    cli: Cli,
) -> i32 {
    let sup = Supervisor::builder()
        .event_capacity(2048)
        .start(daemon::root);
    let (tx, mut actions) = tokio::sync::mpsc::unbounded_channel();
    let d = Arc::new(Daemon {
        sup: sup.clone(),
        log: log.clone(),
        state: Mutex::new(State {
            latest: cfg.clone(),
            groups: Default::default(),
            added_order: Vec::new(),
        }),
        config_path,
        env,
        cli,
        mood: AtomicI8::new(MOOD_RUNNING),
        actions: tx,
        identifier: cfg.supervisord.identifier.clone(),
        bus: Arc::new(events::Bus::new()),
    });
    events::spawn_ticks(d.bus.clone());
    spawn_orphan_reaper(log.clone());
    // supervisord makes the inet server first, then the unix one; for each,
    // its RPC interfaces, then the warning about no authentication.
    let mut listeners = listeners;
    listeners.sort_by_key(|l| matches!(l, Listener::Unix(..)));
    for l in listeners {
        for r in &cfg.rpcinterfaces {
            log.info(&format!(
                "RPC interface {} initialized",
                ini::py_repr(&r.name)
            ));
        }
        match l {
            Listener::Unix(l, auth, path) => {
                if auth.is_none() {
                    log.critical("Server 'unix_http_server' running without any HTTP authentication checking");
                }
                let _ = l.set_nonblocking(true);
                match tokio::net::UnixListener::from_std(l) {
                    Ok(l) => drop(tokio::spawn(http::serve(l, d.clone(), auth))),
                    Err(e) => log.error(&format!("cannot serve {}: {e}", path.display())),
                }
            }
            Listener::Tcp(l, auth) => {
                if auth.is_none() {
                    log.critical("Server 'inet_http_server' running without any HTTP authentication checking");
                }
                let _ = l.set_nonblocking(true);
                match tokio::net::TcpListener::from_std(l) {
                    Ok(l) => drop(tokio::spawn(http::serve(l, d.clone(), auth))),
                    Err(e) => log.error(&format!("cannot serve TCP: {e}")),
                }
            }
        }
    }
    daemon::spawn_event_logger(&d);
    log.info(&format!(
        "supervisord started with pid {}",
        std::process::id()
    ));
    for g in &cfg.groups {
        d.add_group(g).await;
    }
    d.bus.emit("SUPERVISOR_STATE_CHANGE_RUNNING", "");

    let mut sigs = Vec::new();
    for k in [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::quit(),
        SignalKind::hangup(),
        SignalKind::user_defined2(),
    ] {
        match signal(k) {
            Ok(s) => sigs.push(s),
            Err(e) => {
                log.critical(&format!("cannot install signal handlers: {e}"));
                return 1;
            }
        }
    }
    let [term, int, quit, hup, usr2] = &mut sigs[..] else {
        return 1;
    };
    loop {
        let action = tokio::select! {
            _ = term.recv() => { log.warn("received SIGTERM indicating exit request"); Action::Shutdown }
            _ = int.recv() => { log.warn("received SIGINT indicating exit request"); Action::Shutdown }
            _ = quit.recv() => { log.warn("received SIGQUIT indicating exit request"); Action::Shutdown }
            _ = hup.recv() => {
                if d.mood() < MOOD_RUNNING {
                    log.warn("ignored SIGHUP indicating restart request (shutdown in progress)");
                    continue;
                }
                log.warn("received SIGHUP indicating restart request");
                Action::Restart
            }
            _ = usr2.recv() => {
                log.info("received SIGUSR2 indicating log reopen request");
                log.reopen();
                for g in d.groups() {
                    for p in &g.procs {
                        p.handle.reopen_logs();
                    }
                }
                continue;
            }
            a = actions.recv() => match a { Some(a) => a, None => Action::Shutdown },
        };
        match action {
            Action::Shutdown => {
                d.mood.store(MOOD_SHUTDOWN, Ordering::SeqCst);
                d.bus.emit("SUPERVISOR_STATE_CHANGE_STOPPING", "");
                d.stop_all_ordered().await;
                let _ = sup.shutdown(Duration::from_secs(30)).await;
                log.debug("supervisord stopped");
                // The reply to the `shutdown` call that got us here is written
                // by its connection's task, which the runtime drops on exit:
                // let every connection finish the response it is writing and
                // close (supervisord writes it before its loop ends). Without
                // this, a shutdown with nothing to stop could exit first and
                // the client saw its connection closed.
                http::quiesce(Duration::from_millis(250)).await;
                return 0;
            }
            Action::Restart => {
                d.mood.store(MOOD_RESTARTING, Ordering::SeqCst);
                d.stop_all_ordered().await;
                let names: Vec<String> = d.groups().iter().map(|g| g.config.name.clone()).collect();
                for n in names {
                    d.remove_group(&n).await;
                }
                match load_config(&d.config_path, &d.env, &d.cli) {
                    Ok(c) => d.lock().latest = c,
                    Err(e) => log.error(&format!(
                        "could not reload the configuration, keeping the old one: {e}"
                    )),
                }
                let groups = d.lock().latest.groups.clone();
                d.mood.store(MOOD_RUNNING, Ordering::SeqCst);
                log.info("supervisord restarted");
                for g in &groups {
                    d.add_group(g).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config file with `extra` in `[supervisord]`, in a temp dir.
    fn conf(extra: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        std::fs::write(
            &path,
            format!(
                "[supervisord]\nlogfile={d}/s.log\npidfile={d}/s.pid\n{extra}\n",
                d = dir.path().display()
            ),
        )
        .unwrap();
        (dir, path)
    }

    fn startup(extra: &str, args: &[&str]) -> Result<Config, String> {
        let (_dir, path) = conf(extra);
        let cli = Cli::try_parse_from(std::iter::once("supervisord").chain(args.iter().copied()))
            .unwrap();
        load_startup_config(&path, &HashMap::new(), &cli)
    }

    /// `-u/--user` replaces the file's `user=`: the uid privileges are
    /// dropped to is the flag's, and the file's (even a bad one) is never
    /// looked up, as in Python's `ServerOptions.realize`.
    #[test]
    fn user_flag_overrides_the_file() {
        let cfg = startup("user=no-such-user-xyz", &["-u", "root"]).unwrap();
        assert_eq!(cfg.supervisord.user.as_deref(), Some("root"));
        assert_eq!(cfg.supervisord.uid, Some(0));
        assert_eq!(cfg.supervisord.gid, Some(0));
        let cfg = startup("user=root", &["--user=0"]).unwrap();
        assert_eq!(cfg.supervisord.uid, Some(0));
        let me = nix::unistd::getuid().as_raw();
        let cfg = startup("user=root", &["-u", &me.to_string()]).unwrap();
        assert_eq!(cfg.supervisord.uid, Some(me));
        let cfg = startup(&format!("user={me}"), &[]).unwrap();
        assert_eq!(cfg.supervisord.uid, Some(me));
        let cfg = startup("", &[]).unwrap();
        assert_eq!(cfg.supervisord.uid, None);
    }

    /// An unknown user, from the flag or the file, is `name_to_uid`'s
    /// error (the usage error supervisord exits 2 with).
    #[test]
    fn unknown_user_is_rejected() {
        assert_eq!(
            startup("user=root", &["-u", "no-such-user-xyz"]).unwrap_err(),
            "Invalid user name no-such-user-xyz"
        );
        assert_eq!(
            startup("", &["--user", "4000000000"]).unwrap_err(),
            "Invalid user id 4000000000"
        );
        assert_eq!(
            startup("user=no-such-user-xyz", &[]).unwrap_err(),
            "Invalid user name no-such-user-xyz"
        );
    }
}
