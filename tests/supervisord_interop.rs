//! The supervisord example driven by the stock Python `supervisorctl` 4.2.5:
//! status output, start/stop/restart, BACKOFF→FATAL, autorestart, stop signals,
//! group kill, logs, tail, rotation, reread/update, SIGHUP, shutdown, bad config.

mod supervisord_support;
use supervisord_support as support;

use std::time::{Duration, Instant};

use support::{wait_until, Daemon, WAIT};

/// The line of `out` for `name` if it shows `state`, as supervisorctl's status
/// prints them (`%-{W}s%-10s%s`); checked without a regex crate.
fn status_line(out: &str, name: &str, state: &str) -> Option<String> {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .filter(|l| {
            let w = 33.max(name.len() + 3);
            l.len() >= w && l[..w].trim_end() == name && l[w..].starts_with(&format!("{state:<10}"))
        })
        .map(str::to_owned)
}

#[test]
fn status_start_stop_restart_with_python_ctl() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start(
        "[program:alpha]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:beta]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n\
         [program:w]\ncommand=sleep 1000\nprocess_name=w%(process_num)d\nnumprocs=2\nstartsecs=0\n\n\
         [group:grp]\nprograms=w\n",
    );
    d.wait_state("alpha", "RUNNING", WAIT);
    d.wait_state("grp:w0", "RUNNING", WAIT);
    let (out, code) = d.pyctl(&["status"]);
    assert_eq!(code, 3, "beta is STOPPED, so status exits 3:\n{out}");
    let alpha = status_line(&out, "alpha", "RUNNING").unwrap_or_else(|| panic!("{out}"));
    assert!(
        alpha.contains("pid ") && alpha.contains(", uptime 0:00:0"),
        "{alpha}"
    );
    assert!(
        status_line(&out, "beta", "STOPPED")
            .unwrap()
            .ends_with("Not started"),
        "{out}"
    );
    assert!(status_line(&out, "grp:w0", "RUNNING").is_some(), "{out}");
    // Lexical order: alpha, beta, grp:w0, grp:w1.
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["alpha", "beta", "grp:w0", "grp:w1"]);

    let (out, code) = d.pyctl(&["status", "alpha"]);
    assert_eq!(code, 0, "{out}");
    let (out, code) = d.pyctl(&["status", "nosuch"]);
    assert_eq!((out.trim(), code), ("nosuch: ERROR (no such process)", 4));

    let (out, code) = d.pyctl(&["start", "beta"]);
    assert_eq!((out.trim(), code), ("beta: started", 0));
    let (out, _) = d.pyctl(&["start", "beta"]);
    assert_eq!(out.trim(), "beta: ERROR (already started)");
    let (out, code) = d.pyctl(&["stop", "grp:*"]);
    assert_eq!(
        (out.as_str(), code),
        ("grp:w0: stopped\ngrp:w1: stopped\n", 0)
    );
    assert_eq!(d.state("grp:w1"), "STOPPED");
    let (out, _) = d.pyctl(&["stop", "grp:w1"]);
    assert_eq!(out.trim(), "grp:w1: ERROR (not running)");
    let pid = d.info_int("alpha", "pid");
    let (out, code) = d.pyctl(&["restart", "alpha"]);
    assert_eq!(
        (out.as_str(), code),
        ("alpha: stopped\nalpha: started\n", 0)
    );
    assert_ne!(d.info_int("alpha", "pid"), pid);
    let (out, code) = d.pyctl(&["stop", "all"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("alpha: stopped") && out.contains("beta: stopped"),
        "{out}"
    );
    let (out, code) = d.pyctl(&["start", "all"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    let (out, code) = d.pyctl(&["pid", "alpha"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim().parse::<i64>().unwrap(),
        d.info_int("alpha", "pid")
    );
    let (out, _) = d.pyctl(&["pid"]);
    assert_eq!(out.trim().parse::<i32>().unwrap(), d.pid());
    let (out, _) = d.pyctl(&["version"]);
    assert_eq!(out.trim(), "4.2.5");
    let (out, _) = d.pyctl(&["avail"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("beta") && l.contains("in use") && l.contains("manual")),
        "{out}"
    );
}

#[test]
fn backoff_to_fatal_with_linear_delays() {
    let _ctl = require_python_ctl!();
    // Before the start: the daemon may spawn flaky before Daemon::start returns.
    let t0 = Instant::now();
    let d = Daemon::start(
        "[program:flaky]\ncommand=sh -c 'echo oops >&2; exit 3'\nstartsecs=1\nstartretries=2\n",
    );
    d.wait_state("flaky", "FATAL", WAIT);
    // 3 attempts, waits of 1 s and 2 s in between: at least 3 s.
    assert!(
        t0.elapsed() >= Duration::from_millis(2900),
        "{:?}",
        t0.elapsed()
    );
    let (out, code) = d.pyctl(&["status", "flaky"]);
    assert_eq!(code, 3);
    assert!(
        status_line(&out, "flaky", "FATAL")
            .unwrap()
            .ends_with("Exited too quickly (process log may have details)"),
        "{out}"
    );
    // supervisord's lines, in its order: three runs, then "gave up" (no
    // spawned line without a pid, nothing after giving up).
    let log = d.main_log();
    let kinds: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("flaky"))
        .filter_map(|l| l.split_whitespace().nth(3))
        .filter(|k| ["spawned:", "exited:", "gave"].contains(k))
        .collect();
    assert_eq!(
        kinds,
        ["spawned:", "exited:", "spawned:", "exited:", "spawned:", "exited:", "gave"],
        "{log}"
    );
    assert!(!log.contains("with pid 0"), "{log}");
    assert!(
        log.contains("gave up: flaky entered FATAL state, too many start retries too quickly"),
        "{log}"
    );
    let (out, code) = d.pyctl(&["start", "flaky"]);
    assert_eq!((out.trim(), code), ("flaky: ERROR (spawn error)", 7));
    let (out, _) = d.pyctl(&["tail", "flaky", "stderr"]);
    assert!(out.contains("oops"), "{out}");
}

#[test]
fn autorestart_unexpected_against_exitcodes() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start(
        "[program:clean]\ncommand=sh -c 'sleep 0.3; exit 0'\nstartsecs=0\nautorestart=unexpected\n\n\
         [program:dirty]\ncommand=sh -c 'sleep 0.3; exit 4'\nstartsecs=0\nautorestart=unexpected\nexitcodes=0,2\n\n\
         [program:never]\ncommand=sh -c 'sleep 0.3; exit 4'\nstartsecs=0\nautorestart=false\n",
    );
    d.wait_state("clean", "EXITED", WAIT);
    d.wait_state("never", "EXITED", WAIT);
    assert_eq!(d.info_int("clean", "exitstatus"), 0);
    assert_eq!(d.info_int("never", "exitstatus"), 4);
    wait_until(WAIT, "dirty restarted twice", || {
        d.main_log().matches("spawned: 'dirty'").count() >= 3
    });
    let log = d.main_log();
    assert!(
        log.contains("exited: clean (exit status 0; expected)"),
        "{log}"
    );
    assert!(
        log.contains("exited: dirty (exit status 4; not expected)"),
        "{log}"
    );
    assert_eq!(log.matches("spawned: 'clean'").count(), 1, "{log}");
    let (out, _) = d.pyctl(&["status", "never"]);
    assert!(status_line(&out, "never", "EXITED").is_some(), "{out}");
}

#[test]
fn stopsignal_term_ignoring_child_and_group_kill() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start(
        "[program:intr]\ncommand=sh -c 'trap \"echo got INT; exit 0\" INT; while :; do sleep 0.1; done'\nstopsignal=INT\nstartsecs=0\n\n\
         [program:stubborn]\ncommand=sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'\nstopwaitsecs=1\nstartsecs=0\n\n\
         [program:family]\ncommand=sh -c 'sleep 1000 & sleep 1000 & wait'\nstopasgroup=true\nstartsecs=0\n",
    );
    for p in ["intr", "stubborn", "family"] {
        d.wait_state(p, "RUNNING", WAIT);
    }
    let (out, code) = d.pyctl(&["stop", "intr"]);
    assert_eq!((out.trim(), code), ("intr: stopped", 0));
    wait_until(WAIT, "the INT trap wrote to the log", || {
        d.pyctl(&["tail", "intr"]).0.contains("got INT")
    });

    let t0 = Instant::now();
    let (out, _) = d.pyctl(&["stop", "stubborn"]);
    assert_eq!(out.trim(), "stubborn: stopped");
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "SIGKILL only after stopwaitsecs"
    );
    assert!(
        d.main_log()
            .contains("stopped: stubborn (terminated by SIGKILL)"),
        "{}",
        d.main_log()
    );

    let pgid = d.info_int("family", "pid") as i32;
    wait_until(WAIT, "the grandchildren exist", || {
        support::group_members(pgid).len() >= 3
    });
    let (out, _) = d.pyctl(&["stop", "family"]);
    assert_eq!(out.trim(), "family: stopped");
    wait_until(WAIT, "the whole group is gone", || {
        nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), None).is_err()
    });
}

#[test]
fn logs_tail_maintail_and_rotation() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start(
        "[program:chatty]\ncommand=sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); [ $((i %% 40)) -eq 0 ] && sleep 0.2; done; sleep 0.2; echo final-line; echo err-line >&2; exec cat >&2'\n\
         stdout_logfile=%(here)s/chatty.log\nstdout_logfile_maxbytes=2KB\nstdout_logfile_backups=2\nstartsecs=0\n",
    );
    d.wait_state("chatty", "RUNNING", WAIT);
    wait_until(WAIT, "the last line was written", || {
        d.pyctl(&["tail", "chatty"]).0.contains("final-line")
    });
    assert!(d.path("chatty.log.1").exists());
    assert!(d.path("chatty.log.2").exists());
    assert!(!d.path("chatty.log.3").exists(), "only 2 backups");
    let (out, _) = d.pyctl(&["tail", "-30", "chatty"]);
    assert!(out.len() <= 31 && out.contains("final-line"), "{out:?}");
    wait_until(WAIT, "stderr", || {
        d.pyctl(&["tail", "chatty", "stderr"])
            .0
            .contains("err-line")
    });
    // (loglevel=debug: the main log holds a copy of chatty's output too.)
    let (out, _) = d.pyctl(&["maintail", "-1000000"]);
    assert!(out.contains("spawned: 'chatty'"), "{out}");
    // tail -f streams /logtail/<name>: what the log holds, then what comes
    // later (chatty ends as `cat >&2`: its stdin goes to its stderr).
    let f = support::Follow::spawn(
        d.ctl_command(support::Ctl::Python)
            .args(["tail", "-f", "chatty", "stderr"])
            .stderr(std::process::Stdio::null()),
    );
    f.wait_for("err-line");
    let r = d.rpc(
        "supervisor.sendProcessStdin",
        "<param><value>chatty</value></param><param><value>later-err-line\n</value></param>",
    );
    assert!(r.contains("<boolean>1</boolean>"), "{r}");
    f.wait_for("later-err-line");
    drop(f);
    let (out, code) = d.pyctl(&["clear", "chatty"]);
    assert_eq!((out.trim(), code), ("chatty: cleared", 0));
    let (out, _) = d.pyctl(&["tail", "chatty"]);
    assert!(!out.contains("final-line"), "{out}");
}

#[test]
fn faults_garbage_http_and_multicall() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start("[program:one]\ncommand=sleep 1000\nstartsecs=0\n");
    let r = d.raw(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nConnection: close\r\n\r\n<garbage>");
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    let r = d.raw(b"\x00\x01 this is not http at all\r\n\r\n");
    assert!(!r.contains("200 OK"), "{r}");
    let r = d.rpc("supervisor.noSuchMethod", "");
    assert_eq!(
        support::extract_member(&r, "faultCode").as_deref(),
        Some("1"),
        "{r}"
    );
    let r = d.rpc(
        "supervisor.getProcessInfo",
        "<param><value><string>nope</string></value></param>",
    );
    assert_eq!(
        support::extract_member(&r, "faultString").as_deref(),
        Some("BAD_NAME: nope"),
        "{r}"
    );
    let r = d.rpc("supervisor.stopProcess", "");
    assert_eq!(
        support::extract_member(&r, "faultCode").as_deref(),
        Some("2"),
        "{r}"
    );
    let r = d.rpc(
        "supervisor.signalProcess",
        "<param><value>one</value></param><param><value>NOPE</value></param>",
    );
    assert_eq!(
        support::extract_member(&r, "faultString").as_deref(),
        Some("BAD_SIGNAL: NOPE"),
        "{r}"
    );
    let r = d.rpc(
        "system.multicall",
        "<param><value><array><data>\
         <value><struct><member><name>methodName</name><value>supervisor.getAPIVersion</value></member></struct></value>\
         <value><struct><member><name>methodName</name><value>supervisor.startProcess</value></member>\
         <member><name>params</name><value><array><data><value>nope</value></data></array></value></member></struct></value>\
         </data></array></value></param>",
    );
    assert!(
        r.contains("<string>3.0</string>") && r.contains("BAD_NAME: nope"),
        "{r}"
    );
    // Still alive and serving.
    d.wait_state("one", "RUNNING", WAIT);
    let (out, code) = d.pyctl(&["status"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn inet_server_basic_auth() {
    let _ctl = require_python_ctl!();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n[program:one]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    let url = format!("http://127.0.0.1:{port}");
    let (out, code) = support::run(
        std::process::Command::new(d.ctl.as_ref().unwrap())
            .args(["-s", &url, "-u", "user", "-p", "123", "status"]),
    );
    assert!(out.contains("one"), "{out}");
    assert!(code == 0 || code == 3, "{out}");
    let (out, code) = support::run(
        std::process::Command::new(d.ctl.as_ref().unwrap())
            .args(["-s", &url, "-u", "user", "-p", "bad", "status"]),
    );
    assert_ne!(code, 0);
    assert!(out.contains("401"), "{out}");
    // Credentials that are not valid base64 (here unpadded: Python's
    // base64.decodebytes refuses them) are a bad request, as in supervisord.
    let status_line = |auth: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        write!(
            s,
            "POST /RPC2 HTTP/1.0\r\nAuthorization: {auth}\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.lines().next().unwrap_or_default().to_owned()
    };
    assert_eq!(status_line("Basic dXNlcjoxMjM"), "HTTP/1.0 400 Bad Request");
    assert_eq!(
        status_line("Basic dXNlcjoxMjQ="),
        "HTTP/1.0 401 Unauthorized"
    );
}

#[test]
fn reread_update_add_remove() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start("[program:keep]\ncommand=sleep 1000\nstartsecs=0\n\n[program:gone]\ncommand=sleep 1000\nstartsecs=0\n\n[program:edit]\ncommand=sleep 1000\nstartsecs=0\n");
    d.wait_state("gone", "RUNNING", WAIT);
    let (out, _) = d.pyctl(&["reread"]);
    assert_eq!(out.trim(), "No config updates to processes");
    d.rewrite("[program:keep]\ncommand=sleep 1000\nstartsecs=0\n\n[program:edit]\ncommand=sleep 999\nstartsecs=0\n\n[program:new]\ncommand=sleep 1000\nstartsecs=0\n");
    let (out, _) = d.pyctl(&["reread"]);
    assert_eq!(out, "edit: changed\ngone: disappeared\nnew: available\n");
    let (out, code) = d.pyctl(&["update"]);
    assert_eq!(code, 0, "{out}");
    for l in [
        "gone: stopped",
        "gone: removed process group",
        "edit: stopped",
        "edit: updated process group",
        "new: added process group",
    ] {
        assert!(out.contains(l), "{l} missing in\n{out}");
    }
    d.wait_state("new", "RUNNING", WAIT);
    let (out, _) = d.pyctl(&["status"]);
    assert!(!out.contains("gone"), "{out}");
    let (out, _) = d.pyctl(&["remove", "new"]);
    assert_eq!(out.trim(), "ERROR: process/group still running: new");
    d.pyctl(&["stop", "new"]);
    let (out, _) = d.pyctl(&["remove", "new"]);
    assert_eq!(out.trim(), "new: removed process group");
    let (out, _) = d.pyctl(&["add", "new"]);
    assert_eq!(out.trim(), "new: added process group");
    let (out, _) = d.pyctl(&["add", "new"]);
    assert_eq!(out.trim(), "ERROR: process group already active");
}

/// `reloadConfig` lists groups as supervisord's `diff_to_active` does
/// (recorded from Python 4.2.5 on this very scenario): added and changed in
/// the new config's (priority, name) order, removed in the order the groups
/// were added; stock `update` acts in that order.
#[test]
fn reload_config_lists_groups_in_config_order() {
    let _ctl = require_python_ctl!();
    let p = |name: &str, secs: u32, prio: u32| {
        format!("[program:{name}]\ncommand=sleep {secs}\nautostart=false\npriority={prio}\n\n")
    };
    let d = Daemon::start(
        &[
            p("r1", 1000, 999),
            p("r2", 1000, 1),
            p("c_b", 1000, 1),
            p("c_a", 1000, 2),
        ]
        .concat(),
    );
    let strings = |xml: &str| -> Vec<String> {
        xml.split("<string>")
            .skip(1)
            .map(|s| s.split("</string>").next().unwrap().to_owned())
            .collect()
    };
    let reload = || {
        // [[added, changed, removed]]: the three innermost arrays.
        let r = d.rpc("supervisor.reloadConfig", "");
        let arrays: Vec<Vec<String>> = r.split("<array><data>").skip(3).map(strings).collect();
        assert_eq!(arrays.len(), 3, "{r}");
        arrays
    };
    d.rewrite(
        &[
            p("c_b", 999, 1),
            p("c_a", 999, 2),
            p("a3", 1000, 5),
            p("a1", 1000, 10),
            p("a2", 1000, 1),
        ]
        .concat(),
    );
    assert_eq!(
        reload(),
        [vec!["a2", "a3", "a1"], vec!["c_b", "c_a"], vec!["r2", "r1"]]
    );
    let (out, code) = d.pyctl(&["update"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "r2: stopped\nr2: removed process group\nr1: stopped\nr1: removed process group\n\
         c_b: stopped\nc_b: updated process group\nc_a: stopped\nc_a: updated process group\n\
         a2: added process group\na3: added process group\na1: added process group\n"
    );
    // Each changed group was removed and added again, so went last.
    d.rewrite(&p("a3", 1000, 5));
    let empty: Vec<String> = Vec::new();
    assert_eq!(
        reload(),
        [
            empty.clone(),
            empty,
            vec!["c_b".into(), "c_a".into(), "a2".into(), "a1".into()]
        ]
    );
}

#[test]
fn sighup_reloads_and_term_shuts_down() {
    let _ctl = require_python_ctl!();
    let mut d = Daemon::start("[program:a]\ncommand=sleep 1000\nstartsecs=0\n");
    d.wait_state("a", "RUNNING", WAIT);
    let pid = d.info_int("a", "pid");
    d.rewrite("[program:a]\ncommand=sleep 1000\nstartsecs=0\n\n[program:b]\ncommand=sleep 1000\nstartsecs=0\n");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(d.pid()),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    d.wait_state("b", "RUNNING", WAIT);
    d.wait_state("a", "RUNNING", WAIT);
    assert_ne!(d.info_int("a", "pid"), pid, "a was restarted by the reload");
    let (out, code) = d.pyctl(&["shutdown"]);
    assert_eq!((out.trim(), code), ("Shut down", 0));
    assert_eq!(d.wait_exit(WAIT), Some(0));
    assert!(!d.path("sd.pid").exists(), "pidfile removed");
    assert!(!d.sock.exists(), "socket removed");
    assert!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_err());
}

#[test]
fn bad_config_exits_2_and_live_socket_is_refused() {
    let (out, code) =
        support::run_daemon_on("bad.conf", "[program:x]\ncommand=true\nstartsecs=soon\n");
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("Error: "), "{out}");
    assert!(
        out.contains("startsecs") && out.contains("program:x") && out.contains("bad.conf"),
        "{out}"
    );

    let d = Daemon::start("[program:x]\ncommand=sleep 1000\n");
    let (out, code) = support::run_daemon(&d.conf);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("Another program is already listening"),
        "{out}"
    );
}

#[test]
fn daemonizes_stdin_and_usr2_reopens_logs() {
    let _ctl = require_python_ctl!();
    let mut d = Daemon::prepare("[program:cat]\ncommand=cat\nstartsecs=0\n", &[]);
    // Without -n the parent exits 0 at once and the daemon lives on (until
    // the shutdown below, or d's drop if an assertion fails first).
    let (out, code) = d.run_daemonized();
    assert_eq!(code, 0, "{out}");
    wait_until(WAIT, "the pidfile is written", || d.pidfile_pid().is_some());
    let pid = nix::unistd::Pid::from_raw(d.pidfile_pid().unwrap());
    d.wait_state("cat", "RUNNING", WAIT);
    let r = d.rpc(
        "supervisor.sendProcessStdin",
        "<param><value>cat</value></param><param><value>hello stdin\n</value></param>",
    );
    assert!(r.contains("<boolean>1</boolean>"), "{r}");
    wait_until(WAIT, "cat echoed its stdin", || {
        d.pyctl(&["tail", "cat"]).0.contains("hello stdin")
    });
    // USR2: the main log is reopened (an external rotation moved it away).
    std::fs::rename(d.path("main.log"), d.path("main.log.moved")).unwrap();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGUSR2).unwrap();
    wait_until(WAIT, "the signal was logged (to the old file)", || {
        std::fs::read_to_string(d.path("main.log.moved"))
            .is_ok_and(|l| l.contains("received SIGUSR2"))
    });
    d.pyctl(&["stop", "cat"]);
    wait_until(WAIT, "later messages go to a new main.log", || {
        d.main_log().contains("stopped: cat")
    });
    let (out, _) = d.pyctl(&["shutdown"]);
    assert_eq!(out.trim(), "Shut down");
    wait_until(WAIT, "the daemon exited", || {
        nix::sys::signal::kill(pid, None).is_err()
    });
}

#[test]
fn event_listener_gets_state_and_remote_events() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start_with(
        "[eventlistener:listener]\ncommand=python3 -u %(here)s/listener.py\nevents=PROCESS_STATE,REMOTE_COMMUNICATION,PROCESS_LOG,PROCESS_COMMUNICATION\nbuffer_size=100\n\n\
         [program:worker]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n\
         [program:flaky]\ncommand=sh -c 'exit 3'\nstartretries=1\n\n\
         [program:talker]\ncommand=sh -c 'echo plain-line; echo \"<!--XSUPERVISOR:BEGIN-->captured<!--XSUPERVISOR:END-->\"; exec sleep 1000'\n\
         startsecs=0\nautostart=false\nstdout_events_enabled=true\nstdout_capture_maxbytes=1KB\n",
        &[("listener.py", support::LISTENER_PY)],
    );
    let events = || std::fs::read_to_string(d.path("events.log")).unwrap_or_default();
    let (out, _) = d.pyctl(&["start", "worker"]);
    assert_eq!(out.trim(), "worker: started");
    wait_until(WAIT, "PROCESS_STATE_RUNNING of worker", || {
        events().contains(
            "PROCESS_STATE_RUNNING processname:worker groupname:worker from_state:STARTING pid:",
        )
    });
    let r = d.rpc(
        "supervisor.sendRemoteCommEvent",
        "<param><value>mytype</value></param><param><value>hello listener</value></param>",
    );
    assert!(r.contains("<boolean>1</boolean>"), "{r}");
    wait_until(WAIT, "REMOTE_COMMUNICATION", || {
        events().contains("REMOTE_COMMUNICATION type:mytype hello listener")
    });
    // supervisord's PEventListenerDispatcher writes the listener's stdout,
    // protocol tokens and all, to its stdout_logfile: `tail` shows it.
    wait_until(WAIT, "the listener's stdout in its log", || {
        let (out, _) = d.pyctl(&["tail", "listener"]);
        out.starts_with("READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n")
    });
    d.pyctl(&["stop", "worker"]);
    wait_until(WAIT, "PROCESS_STATE_STOPPED of worker", || {
        events().contains(
            "PROCESS_STATE_STOPPED processname:worker groupname:worker from_state:STOPPING pid:",
        )
    });
    assert!(
        events().contains(
            "PROCESS_STATE_STARTING processname:worker groupname:worker from_state:STOPPED tries:0"
        ),
        "{}",
        events()
    );
    // BACKOFF -> FATAL, with supervisord's tries counts.
    wait_until(WAIT, "flaky's FATAL event", || {
        events().contains("PROCESS_STATE_FATAL processname:flaky")
    });
    let flaky: Vec<String> = events()
        .lines()
        .filter(|l| l.contains("processname:flaky"))
        .map(|l| {
            l.split(" processname").next().unwrap().to_owned() + " " + l.rsplit(' ').next().unwrap()
        })
        .collect();
    assert_eq!(
        flaky,
        [
            "PROCESS_STATE_STARTING tries:0",
            "PROCESS_STATE_BACKOFF tries:1",
            "PROCESS_STATE_STARTING tries:1",
            "PROCESS_STATE_BACKOFF tries:2",
            "PROCESS_STATE_FATAL from_state:BACKOFF",
        ]
    );
    let (out, _) = d.pyctl(&["start", "talker"]);
    assert_eq!(out.trim(), "talker: started");
    wait_until(
        WAIT,
        "PROCESS_LOG_STDOUT and PROCESS_COMMUNICATION_STDOUT",
        || {
            let e = events();
            e.contains("PROCESS_LOG_STDOUT processname:talker groupname:talker pid:")
                && e.contains("channel:stdout plain-line")
                && e.contains(
                    "PROCESS_COMMUNICATION_STDOUT processname:talker groupname:talker pid:",
                )
                && e.contains(" captured")
        },
    );
}
