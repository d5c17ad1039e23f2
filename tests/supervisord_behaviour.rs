//! supervisord behaviour beyond the control commands: kill as a group, the
//! shutdown order and the SHUTDOWN state, what happens at start-up (stale
//! socket, AUTO log cleanup, rlimits, main log rotation), the child's
//! environment, autorestart=true, and event pool details (FAIL rebuffers,
//! PROCESS_GROUP_*, TICK_5, SUPERVISOR_STATE_CHANGE_RUNNING).

mod supervisord_support;
use supervisord_support as support;

use support::{extract_member, group_members, wait_until, Daemon, WAIT};

/// killasgroup without stopasgroup: the stop signal goes to the process only
/// (here it ignores it), the SIGKILL after stopwaitsecs to its whole group.
#[test]
fn killasgroup_sigkills_the_whole_group() {
    let d = Daemon::start(
        "[program:leader]\ncommand=sh -c 'trap \"\" TERM; sleep 1000 & sleep 1000 & wait'\n\
         stopasgroup=false\nkillasgroup=true\nstopwaitsecs=1\nstartsecs=0\n",
    );
    d.wait_state("leader", "RUNNING", WAIT);
    let pgid = d.info_int("leader", "pid") as i32;
    wait_until(WAIT, "the two children exist", || {
        group_members(pgid).len() >= 3
    });
    assert_eq!(d.ours(&["stop", "leader"]), ("leader: stopped\n".into(), 0));
    wait_until(WAIT, "the whole group is gone", || {
        group_members(pgid).is_empty()
    });
    let log = d.main_log();
    // A SIGKILL is not an expected exit: warn, as supervisord does; the
    // waited stop logged that it was waiting.
    assert!(
        log.contains("WARN stopped: leader (terminated by SIGKILL)")
            && log.contains("INFO waiting for leader to stop"),
        "{log}"
    );
}

/// Shutdown stops groups in descending priority, one at a time (each one
/// signalled only after the previous one has stopped); meanwhile every
/// supervisor.* call gets SHUTDOWN_STATE and `shutdown` says so.
#[test]
fn shutdown_order_and_shutdown_state() {
    let prog = |name: &str, prio: u32| {
        format!(
            "[program:{name}]\ncommand=sh -c 'trap \"echo {name} >> %(here)s/order; exit 0\" TERM; while :; do sleep 0.1; done'\n\
             priority={prio}\nstartsecs=0\n\n"
        )
    };
    // `stubborn` (lowest priority: stopped last) ignores TERM for up to 10 min,
    // which keeps the daemon in its SHUTDOWN state until the test kills it.
    let conf = prog("first", 10)
        + &prog("second", 20)
        + &prog("third", 30)
        + "[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'\n\
           priority=1\nstopwaitsecs=600\nstartsecs=0\n";
    let mut d = Daemon::start(&conf);
    for p in ["first", "second", "third", "stubborn"] {
        d.wait_state(p, "RUNNING", WAIT);
    }
    let stubborn = d.info_int("stubborn", "pid") as i32;
    assert_eq!(d.ours(&["shutdown"]), ("Shut down\n".into(), 0));
    let order = || std::fs::read_to_string(d.path("order")).unwrap_or_default();
    wait_until(WAIT, "the three trapping programs stopped", || {
        order().lines().count() == 3
    });
    assert_eq!(order(), "third\nsecond\nfirst\n");
    let r = d.rpc("supervisor.getState", "");
    assert_eq!(
        extract_member(&r, "faultString").as_deref(),
        Some("SHUTDOWN_STATE"),
        "{r}"
    );
    assert_eq!(
        d.ours(&["shutdown"]),
        ("ERROR: already shutting down\n".into(), 0)
    );
    if d.ctl.is_some() {
        let (out, code) = d.pyctl(&["shutdown"]);
        assert_eq!((out.as_str(), code), ("ERROR: already shutting down\n", 0));
    }
    let (out, code) = d.ours(&["reload"]);
    assert_eq!((out.as_str(), code), ("ERROR: already shutting down\n", 1));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(stubborn),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert_eq!(d.wait_exit(WAIT), Some(0));
    let log = d.main_log();
    let stops: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once("stopped: ").map(|(_, r)| r))
        .filter_map(|r| r.split(' ').next())
        .collect();
    assert_eq!(stops, ["third", "second", "first", "stubborn"], "{log}");
    // supervisord's shutdown report, before anything stopped: every process
    // not stopped yet, groups by ascending priority.
    let waiting = log
        .lines()
        .position(|l| l.ends_with("INFO waiting for stubborn, first, second, third to die"));
    let first_stop = log.lines().position(|l| l.contains("stopped: third"));
    assert!(waiting.is_some() && waiting < first_stop, "{log}");
}

/// Start-up: a stale socket file is unlinked, AUTO child logs of this
/// identifier left by an earlier run are removed, minfds raises the soft
/// RLIMIT_NOFILE, and the main log rotates at logfile_maxbytes.
#[test]
fn startup_cleanup_rlimits_and_main_log_rotation() {
    let (soft, hard) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let raise = (soft < hard).then(|| (soft + 16).min(hard));
    let mut programs = format!(
        "[supervisord]\nlogfile_maxbytes=2KB\nlogfile_backups=1\nminfds={}\n\n\
         [program:p]\ncommand=sleep 1000\nstartsecs=0\n",
        raise.unwrap_or(16)
    );
    programs.push('\n');
    let mut d = Daemon::prepare(
        &programs,
        &[
            ("old-stdout---t-abc123.log", "from an earlier run\n"),
            ("old-stdout---other-abc123.log", "another identifier\n"),
            ("keep.log", "not ours\n"),
        ],
    );
    // A socket file nobody listens on any more.
    drop(std::os::unix::net::UnixListener::bind(&d.sock).unwrap());
    assert!(d.sock.exists());
    d.spawn();
    d.wait_state("p", "RUNNING", WAIT);
    let log = d.main_log();
    assert!(log.contains("Unlinking stale socket"), "{log}");
    if let Some(n) = raise {
        assert!(
            log.contains(&format!("Increased RLIMIT_NOFILE limit to {n}")),
            "{log}"
        );
    }
    assert!(!d.path("old-stdout---t-abc123.log").exists());
    assert!(d.path("old-stdout---other-abc123.log").exists());
    assert!(d.path("keep.log").exists());
    // Each stop/start writes a few lines: the main log rotates, 1 backup.
    wait_until(WAIT, "main.log rotated", || {
        let (out, _) = d.ours(&["restart", "p"]);
        assert_eq!(out, "p: stopped\np: started\n");
        d.path("main.log.1").exists()
    });
    for _ in 0..10 {
        d.ours(&["restart", "p"]);
    }
    assert!(!d.path("main.log.2").exists(), "only 1 backup");
    let len = std::fs::metadata(d.path("main.log")).unwrap().len();
    assert!(len <= 2048, "{len}");
}

/// The child's environment (program environment= plus SUPERVISOR_*),
/// directory, umask, redirect_stderr, numprocs_start and %(process_num)d.
#[test]
fn child_environment_directory_umask_and_redirect_stderr() {
    let d = Daemon::start(
        "[program:env]\ncommand=sh -c 'echo foo=$FOO; echo enabled=$SUPERVISOR_ENABLED name=$SUPERVISOR_PROCESS_NAME group=$SUPERVISOR_GROUP_NAME url=$SUPERVISOR_SERVER_URL; pwd; umask; echo to-stderr >&2; exec sleep 1000'\n\
         environment=FOO=\"bar, baz\"\ndirectory=/\numask=027\nredirect_stderr=true\nstartsecs=0\n\
         numprocs=2\nnumprocs_start=5\nprocess_name=env%(process_num)d\n\
         stdout_logfile=%(here)s/env-%(process_num)02d.log\n",
    );
    d.wait_state("env:env6", "RUNNING", WAIT);
    let want = format!(
        "foo=bar, baz\nenabled=1 name=env6 group=env url=unix://{}\n/\n0027\nto-stderr\n",
        d.sock.display()
    );
    wait_until(WAIT, "env6 wrote everything", || {
        std::fs::read_to_string(d.path("env-06.log")).unwrap_or_default() == want
    });
    assert!(d.path("env-05.log").exists());
    // loglevel=debug: supervisord copies child output to the main log.
    wait_until(WAIT, "the output copied to the main log", || {
        d.main_log()
            .contains("DEBG 'env6' stdout output:\nfoo=bar, baz\n")
    });
    assert_eq!(
        d.info_str("env:env6", "stderr_logfile").as_deref(),
        Some(""),
        "redirect_stderr=true: no stderr log"
    );
}

/// autorestart=true restarts after an expected exit too, at once.
#[test]
fn autorestart_true_restarts_after_any_exit() {
    let d = Daemon::start(
        "[program:always]\ncommand=sh -c 'sleep 0.2; exit 0'\nstartsecs=0\nautorestart=true\n",
    );
    wait_until(WAIT, "two restarts", || {
        d.main_log().matches("spawned: 'always'").count() >= 3
    });
    let log = d.main_log();
    assert!(
        log.contains("exited: always (exit status 0; expected)"),
        "{log}"
    );
    assert!(!log.contains("gave up"), "{log}");
}

/// An event pool: a FAIL result rebuffers the event (delivered again), and
/// SUPERVISOR_STATE_CHANGE_RUNNING, PROCESS_GROUP_ADDED/REMOVED and TICK_5 arrive.
#[test]
fn event_pool_rebuffers_on_fail_and_sends_group_and_tick_events() {
    let listener =
        "[eventlistener:listener]\ncommand=python3 -u %(here)s/listener.py --fail-first\n\
                    events=SUPERVISOR_STATE_CHANGE,PROCESS_GROUP,TICK_5\nstartsecs=0\n\n\
                    [program:other]\ncommand=sleep 1000\nstartsecs=0\n\n";
    // It answers FAIL to the first event it gets, OK to the others.
    let d = Daemon::start_with(listener, &[("listener.py", support::LISTENER_PY)]);
    let events = || std::fs::read_to_string(d.path("events.log")).unwrap_or_default();
    wait_until(WAIT, "SUPERVISOR_STATE_CHANGE_RUNNING", || {
        events().contains("SUPERVISOR_STATE_CHANGE_RUNNING")
    });
    // What Python supervisord 4.2.5 sends on this config (serial/poolserial,
    // name, payload): the pool (priority -1) exists before the groups are
    // added, so it gets its own group's event first; FAIL puts that event
    // back at the head of the buffer, with the same serials; only events a
    // pool takes are numbered.
    assert!(
        events().starts_with(
            "FAIL 0/0 PROCESS_GROUP_ADDED groupname:listener \n\
             OK 0/0 PROCESS_GROUP_ADDED groupname:listener \n\
             OK 1/1 PROCESS_GROUP_ADDED groupname:other \n\
             OK 2/2 SUPERVISOR_STATE_CHANGE_RUNNING \n"
        ),
        "{}",
        events()
    );
    d.rewrite(&format!(
        "{listener}[program:extra]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    assert_eq!(
        d.ours(&["update"]),
        ("extra: added process group\n".into(), 0)
    );
    wait_until(WAIT, "PROCESS_GROUP_ADDED", || {
        events().contains(" PROCESS_GROUP_ADDED groupname:extra ")
    });
    assert_eq!(d.ours(&["stop", "extra"]), ("extra: stopped\n".into(), 0));
    assert_eq!(
        d.ours(&["remove", "extra"]),
        ("extra: removed process group\n".into(), 0)
    );
    wait_until(WAIT, "PROCESS_GROUP_REMOVED", || {
        events().contains(" PROCESS_GROUP_REMOVED groupname:extra ")
    });
    wait_until(WAIT, "TICK_5", || events().contains(" TICK_5 when:"));
    let when: u64 = events()
        .lines()
        .find_map(|l| l.split_once(" TICK_5 when:").map(|(_, w)| w))
        .and_then(|w| w.trim().parse().ok())
        .expect("a when: value");
    assert_eq!(when % 5, 0, "{}", events());
}

/// `user=` in [supervisord]: as root, the daemon becomes that user before
/// opening its log and sockets; as that same user it is a no-op; otherwise
/// supervisord refuses to start.
#[test]
fn daemon_user_drops_privileges() {
    use std::os::unix::fs::PermissionsExt;
    let me = nix::unistd::getuid();
    let target = drop_target(me);
    let mut d = Daemon::prepare(
        &format!("[supervisord]\nuser={target}\n\n[program:p]\ncommand=sleep 1000\nstartsecs=0\n"),
        &[],
    );
    std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    d.spawn();
    d.wait_state("p", "RUNNING", WAIT);
    // Only as root (target is then `nobody`, if it exists) does this check that
    // the uid changed; otherwise target == me and it holds trivially (what the
    // non-root run checks is the log line below and the refusal at the end).
    let log = assert_dropped_to(&d, target);
    assert!(!log.contains("running as root"), "{log}");
    if !me.is_root() {
        let (out, code) = support::run_daemon_on("c.conf", "[supervisord]\nuser=root\n");
        assert_eq!(code, 2, "{out}");
        assert!(
            out.contains("Can't drop privilege as nonroot user"),
            "{out}"
        );
    }
}

/// The user privileges are dropped to in the user tests: `nobody` as root
/// (if it exists), otherwise ourselves.
fn drop_target(me: nix::unistd::Uid) -> nix::unistd::Uid {
    match nix::unistd::User::from_name("nobody") {
        Ok(Some(u)) if me.is_root() => u.uid,
        _ => me,
    }
}

/// Asserts the daemon runs as `target` and logged so; its main log.
fn assert_dropped_to(d: &Daemon, target: nix::unistd::Uid) -> String {
    let status = std::fs::read_to_string(format!("/proc/{}/status", d.pid())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert_eq!(
        uid_line.split_whitespace().nth(1),
        Some(target.to_string().as_str()),
        "{uid_line}"
    );
    let log = d.main_log();
    assert!(
        log.contains(&format!("INFO Set uid to user {target} succeeded")),
        "{log}"
    );
    log
}

/// `-u/--user` on the command line replaces the file's `user=`: privileges
/// are dropped to the flag's user (as root: `nobody` over a file saying
/// `root`; otherwise: ourselves over a file saying `root`, which alone would
/// refuse to start), and an unknown user is Python's usage error.
#[test]
fn daemon_user_flag_overrides_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let me = nix::unistd::getuid();
    let target = drop_target(me);
    let mut d = Daemon::prepare(
        "[supervisord]\nuser=root\n\n[program:p]\ncommand=sleep 1000\nstartsecs=0\n",
        &[],
    );
    d.args = vec!["-u".into(), target.to_string()];
    std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    d.spawn();
    d.wait_state("p", "RUNNING", WAIT);
    assert_dropped_to(&d, target);

    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("c.conf");
    std::fs::write(
        &conf,
        support::base_conf(dir.path()) + "[supervisord]\nuser=root\n",
    )
    .unwrap();
    for flag in [
        &["-u", "no-such-user-xyz"][..],
        &["--user=no-such-user-xyz"],
    ] {
        let (out, code) = support::run(
            std::process::Command::new(support::example_bin("supervisord"))
                .arg("-n")
                .arg("-c")
                .arg(&conf)
                .args(flag),
        );
        assert_eq!(code, 2, "{out}");
        assert!(
            out.starts_with("Error: Invalid user name no-such-user-xyz\nFor help, use "),
            "{out}"
        );
    }
    assert!(!dir.path().join("s.sock").exists());
}

/// The umask of a process, from `/proc/<pid>/status`.
fn umask_of(pid: &str) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line.split_whitespace().nth(1).unwrap(), 8).unwrap()
}

/// `umask=` (and `-m`) applies only when supervisord daemonizes (Python sets
/// it in `_daemonize`): with `-n` the daemon keeps the umask it was started
/// with.
#[test]
fn umask_only_when_daemonized() {
    let ours = umask_of("self");
    let mask = if ours == 0o077 { 0o027 } else { 0o077 };
    let conf = format!(
        "[supervisord]\numask={mask:03o}\n\n[program:p]\ncommand=sleep 1000\nstartsecs=0\n"
    );
    let mut d = Daemon::prepare(&conf, &[]);
    d.args = vec!["-m".into(), format!("{mask:o}")];
    d.spawn();
    assert_eq!(umask_of(&d.pid().to_string()), ours, "with -n");
    drop(d);

    let mut d = Daemon::prepare(&conf, &[]);
    let (out, code) = d.run_daemonized();
    assert_eq!(code, 0, "{out}");
    wait_until(WAIT, "the pidfile is written", || d.pidfile_pid().is_some());
    let pid = d.pidfile_pid().unwrap();
    assert_eq!(umask_of(&pid.to_string()), mask, "daemonized");
}

/// A listener that stops reading its stdin after READY (here with the
/// first event, larger than a pipe holds, half written) holds up nothing
/// but itself: its pool keeps at most `buffer_size` events, discarding the
/// oldest with supervisord's error line, and the daemon's memory stays flat
/// however much a chatty process sends.
#[test]
fn event_pool_buffer_is_bounded_when_a_listener_stops_reading() {
    const STALL_PY: &str = "import sys, time\n\
        sys.stdout.write('READY\\n'); sys.stdout.flush()\n\
        while True: time.sleep(1000)\n";
    // Each block is one PROCESS_COMMUNICATION_STDOUT event of 100 kB.
    const CHATTY_PY: &str = "import sys, time\n\
        block = b'<!--XSUPERVISOR:BEGIN-->' + b'x' * 100000 + b'<!--XSUPERVISOR:END-->'\n\
        while True:\n\
        \x20   sys.stdout.buffer.write(block); sys.stdout.flush(); time.sleep(0.001)\n";
    let d = Daemon::start_with(
        "[supervisord]\nloglevel=info\n\n\
         [eventlistener:stall]\ncommand=python3 -u %(here)s/stall.py\n\
         events=PROCESS_COMMUNICATION\nbuffer_size=10\nstartsecs=0\n\n\
         [program:chatty]\ncommand=python3 %(here)s/chatty.py\nstartsecs=0\n\
         stdout_logfile=NONE\nstdout_capture_maxbytes=1MB\n",
        &[("stall.py", STALL_PY), ("chatty.py", CHATTY_PY)],
    );
    const LINE: &str = "ERRO pool stall event buffer overflowed, discarding event ";
    let discarded = || -> Vec<u64> {
        d.main_log()
            .lines()
            .filter_map(|l| l.split_once(LINE))
            .filter_map(|(_, n)| n.parse().ok())
            .collect()
    };
    let rss = || -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", d.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    wait_until(WAIT, "200 events discarded", || discarded().len() >= 200);
    let before = rss();
    wait_until(WAIT, "2000 events discarded", || discarded().len() >= 2000);
    let after = rss();
    // 1800 more events of 100 kB went through: kept, they would be 180 MB.
    assert!(
        after < before + 32 * 1024,
        "VmRSS grew from {before} kB to {after} kB"
    );
    // Oldest first, each once: only the one event handed to the listener
    // (if it came after the first discard) is missing from the sequence.
    let got = discarded();
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    let span = got.last().unwrap() - got[0] + 1;
    assert!(span - got.len() as u64 <= 1, "{got:?}");
    assert!(!d.main_log().contains(" DEBG "), "loglevel=info applies");
}

/// As PID 1 (here of a new pid namespace, made with `unshare`), supervisord
/// reaps the orphans re-parented to it and logs them as Python does
/// (`reaped unknown pid N (exit status 5)`), while its programs keep their
/// own exit statuses. Skipped (saying so) where `unshare --pid` is not
/// permitted.
#[test]
fn pid_1_reaps_orphans_and_keeps_program_statuses() {
    let can = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "true"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !can {
        eprintln!("skipped: `unshare --pid --fork` is not available here");
        return;
    }
    let d = Daemon::prepare(
        "[program:orphaner]\ncommand=sh -c '( (sleep 0.1; exit 5) & ); exec sleep 1000'\nstartsecs=0\n\n\
         [program:three]\ncommand=sh -c 'sleep 0.2; exit 3'\nstartsecs=0\nautorestart=false\n",
        &[],
    );
    let child = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child"])
        .arg(support::example_bin("supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(&d.conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn unshare");
    // Ends the namespace (and the daemon, its PID 1) however the test ends.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _ns = Kill(child);
    wait_until(WAIT, "the orphan reaped and three's exit logged", || {
        let log = d.main_log();
        log.contains("exited: three (exit status 3; not expected)")
            && log.lines().any(|l| {
                l.split_once(" INFO reaped unknown pid ")
                    .is_some_and(|(_, rest)| rest.ends_with(" (exit status 5)"))
            })
    });
    let log = d.main_log();
    assert!(log.contains("supervisord started with pid 1"), "{log}");
    assert!(
        log.contains("success: orphaner entered RUNNING state"),
        "{log}"
    );
    assert!(!log.contains("exited: orphaner"), "{log}");
}

/// `logfile=syslog` and `stdout_syslog=true`: one datagram per line to the
/// syslog socket, as Python's syslog.syslog() sends them.
#[test]
fn syslog_main_log_and_child_output() {
    let mut d = Daemon::prepare(
        "[supervisord]\nlogfile=syslog\n\n\
         [program:talker]\ncommand=sh -c 'echo hello; echo two; exec sleep 1000'\nstartsecs=0\n\
         stdout_logfile=NONE\nstdout_syslog=true\n",
        &[],
    );
    let syslog = support::Syslog::bind(d.path("log.sock"), std::time::Duration::ZERO);
    d.env.push((
        "SUPERVISORD_SYSLOG_SOCKET".into(),
        syslog.path.display().to_string(),
    ));
    d.spawn();
    wait_until(WAIT, "both kinds of message", || {
        let got = syslog.messages();
        got.iter().any(|m| m.ends_with(" supervisord: talker two"))
            && got
                .iter()
                .any(|m| m.contains(" INFO spawned: 'talker' with pid "))
    });
    let got = syslog.messages();
    let hello = got
        .iter()
        .find(|m| m.ends_with(" supervisord: talker hello"))
        .expect("the first line");
    // <14> (user.info), an RFC 3164 time stamp, the ident.
    assert!(hello.starts_with("<14>"), "{hello}");
    assert_eq!(
        hello.len(),
        "<14>Nov 23 18:20:01 supervisord: talker hello".len()
    );
    assert!(
        !d.path("main.log").exists(),
        "logfile=syslog writes no file"
    );
}

/// `strip_ansi=true`: escapes are removed from child logs (and what reads them).
#[test]
fn strip_ansi_removes_escapes_from_child_logs() {
    let d = Daemon::start(
        "[supervisord]\nstrip_ansi=true\n\n\
         [program:color]\ncommand=sh -c 'printf \"\\033[1;31mred\\033[0m plain\\n\"; exec sleep 1000'\n\
         startsecs=0\nstdout_logfile=%(here)s/color.log\n",
    );
    d.wait_state("color", "RUNNING", WAIT);
    wait_until(WAIT, "the line without its escapes", || {
        std::fs::read(d.path("color.log")).unwrap_or_default() == b"red plain\n"
    });
    assert!(
        d.main_log()
            .contains("DEBG 'color' stdout output:\nred plain\n"),
        "{}",
        d.main_log()
    );
}

/// The records of a main log written by supervisord's logger: (the header
/// line after the time stamp, e.g. `DEBG 'p' stdout output:`, the lines that
/// follow it up to the next record, joined with `\n`).
fn main_log_records(log: &str) -> Vec<(&str, String)> {
    // `YYYY-MM-DD HH:MM:SS,mmm LEVL `
    let is_header = |l: &str| {
        let b = l.as_bytes();
        b.len() > 29
            && [4, 7].iter().all(|&i| b[i] == b'-')
            && b[10] == b' '
            && [13, 16].iter().all(|&i| b[i] == b':')
            && b[19] == b','
            && b[23] == b' '
            && b[28] == b' '
            && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
                .iter()
                .all(|&i| b[i].is_ascii_digit())
    };
    let mut records: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in log.strip_suffix('\n').unwrap_or(log).split('\n') {
        if is_header(line) {
            records.push((&line[24..], Vec::new()));
        } else if let Some((_, body)) = records.last_mut() {
            body.push(line);
        }
    }
    records
        .into_iter()
        .map(|(h, body)| (h, body.join("\n")))
        .collect()
}

/// What the main log copied of a process's stdout (loglevel debug), in order.
fn stdout_copied_to_main_log(log: &str, name: &str) -> String {
    let header = format!("DEBG '{name}' stdout output:");
    main_log_records(log)
        .into_iter()
        .filter(|(h, _)| *h == header)
        .map(|(_, body)| body)
        .collect()
}

/// loglevel=debug copies every read of a child's output to the main log:
/// nothing is lost however fast the child writes, and the copy carries on
/// over a restart of the process.
#[test]
fn main_log_copy_loses_no_line_of_a_burst() {
    const LINES: u32 = 20_000;
    let d = Daemon::start_with(
        "[program:burst]\ncommand=python3 %(here)s/burst.py\n\
         startsecs=0\nautorestart=false\nstdout_logfile=NONE\n",
        &[("burst.py", &burst_py(LINES))],
    );
    let one_run: String = (0..LINES).map(|i| format!("n={i}\n")).collect();
    let copied = || stdout_copied_to_main_log(&d.main_log(), "burst");
    let last = format!("n={}\n", LINES - 1);
    wait_until(WAIT, "the first run's last line in the main log", || {
        copied().ends_with(&last)
    });
    let got = copied();
    assert_same_bytes(&got, &one_run);
    d.wait_state("burst", "EXITED", WAIT);
    // A second run: the same consumers keep receiving.
    assert_eq!(d.ours(&["start", "burst"]), ("burst: started\n".into(), 0));
    let two_runs = one_run.repeat(2);
    wait_until(WAIT, "the second run's last line in the main log", || {
        copied().len() >= two_runs.len()
    });
    let got = copied();
    assert_same_bytes(&got, &two_runs);
}

/// An event listener subscribed to PROCESS_LOG_STDOUT (with a buffer large
/// enough to hold them all) gets every byte of a burst of output, in order.
#[test]
fn process_log_events_lose_no_line_of_a_burst() {
    const LINES: u32 = 5_000;
    let d = Daemon::start_with(
        "[eventlistener:listener]\ncommand=python3 -u %(here)s/listener.py\n\
         events=PROCESS_LOG_STDOUT\nbuffer_size=1000000\nstartsecs=0\n\n\
         [program:burst]\ncommand=python3 %(here)s/burst.py\n\
         startsecs=0\nautorestart=false\nstdout_events_enabled=true\nstdout_logfile=NONE\n",
        &[
            ("listener.py", support::LISTENER_PY),
            ("burst.py", &burst_py(LINES)),
        ],
    );
    // The listener writes each event on a line, its newlines as spaces.
    let received = || {
        let events = std::fs::read_to_string(d.path("events.log")).unwrap_or_default();
        events
            .lines()
            .filter_map(|l| {
                l.strip_prefix("PROCESS_LOG_STDOUT processname:burst groupname:burst pid:")
            })
            .map(|rest| {
                rest.split_once(" channel:stdout ")
                    .map(|(_, data)| data.to_owned())
                    .unwrap_or_default()
            })
            .collect::<String>()
    };
    let want: String = (0..LINES).map(|i| format!("n={i} ")).collect();
    let last = format!("n={} ", LINES - 1);
    wait_until(WAIT, "the event with the last line", || {
        received().ends_with(&last)
    });
    let got = received();
    assert_same_bytes(&got, &want);
}

/// `stdout_syslog=true` with a syslog that reads slower than the child
/// writes (the socket's queue fills and sends block): every line still
/// arrives, in order.
#[test]
fn child_syslog_loses_no_line_of_a_burst() {
    const LINES: u32 = 20_000;
    let mut d = Daemon::prepare(
        "[program:burst]\ncommand=python3 %(here)s/burst.py\n\
         startsecs=0\nautorestart=false\nstdout_logfile=NONE\nstdout_syslog=true\n",
        &[("burst.py", &burst_py(LINES))],
    );
    // A slow syslog. (The pace only makes the consumer slow; nothing here
    // waits for an outcome.)
    let syslog = support::Syslog::bind(d.path("log.sock"), std::time::Duration::from_micros(50));
    d.env.push((
        "SUPERVISORD_SYSLOG_SOCKET".into(),
        syslog.path.display().to_string(),
    ));
    d.spawn();
    let last = format!(" supervisord: burst n={}", LINES - 1);
    wait_until(WAIT, "the last line", || {
        syslog.messages().iter().any(|m| m.ends_with(&last))
    });
    // A line split between two reads comes in two messages: compare without
    // the line ends.
    let got: String = syslog
        .messages()
        .iter()
        .filter_map(|m| m.split_once(" supervisord: burst ").map(|(_, part)| part))
        .collect();
    let want: String = (0..LINES).map(|i| format!("n={i}")).collect();
    assert_same_bytes(&got, &want);
}

/// Asserts that `got` is `want`, saying how much arrived and where it differs.
fn assert_same_bytes(got: &str, want: &str) {
    assert!(
        got == want,
        "{} bytes received of {}; first difference at byte {:?}",
        got.len(),
        want.len(),
        got.bytes().zip(want.bytes()).position(|(a, b)| a != b)
    );
}

/// A Python program writing `n=0` .. `n=<lines - 1>`, one write(2) per line.
fn burst_py(lines: u32) -> String {
    format!(
        "import sys\nfor i in range({lines}):\n    sys.stdout.write('n=%d\\n' % i)\n    sys.stdout.flush()\n"
    )
}

/// `supervisor.clearLog` as supervisord does it: the main log is removed and
/// started again with `reopening log file`; with no file to clear, NO_FILE.
#[test]
fn clear_log_removes_the_main_log_and_reopens_it() {
    let d = Daemon::start("[program:p]\ncommand=sleep 1000\nstartsecs=0\n");
    d.wait_state("p", "RUNNING", WAIT);
    assert!(d.main_log().contains("supervisord started"));
    let r = d.rpc("supervisor.clearLog", "");
    assert!(r.contains("<boolean>1</boolean>"), "{r}");
    let log = d.main_log();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(log.ends_with(" INFO reopening log file\n"), "{log}");

    std::fs::remove_file(d.path("main.log")).unwrap();
    let r = d.rpc("supervisor.clearLog", "");
    assert_eq!(
        extract_member(&r, "faultString").as_deref(),
        Some("NO_FILE"),
        "{r}"
    );
}
