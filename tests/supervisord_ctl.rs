//! Our supervisorctl (`examples/supervisorctl.rs`, also `supervisord ctl`)
//! against the stock Python one: same output and exit codes, command by command.

mod supervisord_support;
use supervisord_support as support;

use support::{Daemon, WAIT};

fn ours(d: &Daemon, args: &[&str]) -> (String, i32) {
    support::run(
        std::process::Command::new(support::example_bin("supervisorctl"))
            .arg("-c")
            .arg(&d.conf)
            .args(args),
    )
}

#[test]
fn same_output_and_exit_codes_as_python_supervisorctl() {
    let _ctl = require_python_ctl!();
    let d = Daemon::start(
        "[program:idle]\ncommand=sleep 1000\nautostart=false\n\n\
         [program:bad]\ncommand=sh -c 'echo boom >&2; exit 1'\nstartsecs=1\nstartretries=0\n\n\
         [program:done]\ncommand=sh -c 'echo hello; sleep 0.2'\nstartsecs=0\nautorestart=false\n\n\
         [program:p]\ncommand=sleep 1000\nprocess_name=p%(process_num)d\nnumprocs=2\nautostart=false\n\n\
         [group:grp]\nprograms=p\npriority=5\n",
    );
    d.wait_state("bad", "FATAL", WAIT);
    d.wait_state("done", "EXITED", WAIT);
    // Commands whose output does not depend on time or on the previous command.
    for cmd in [
        "status",
        "status idle nosuch grp:*",
        "status nogroup:*",
        "avail",
        "pid idle",
        "pid nosuch",
        "start",
        "start nosuch nogroup:*",
        "start bad",
        "stop idle",
        "stop nosuch",
        "signal HUP idle",
        "signal NOPE idle",
        "signal HUP",
        "tail done",
        "tail -3 done",
        "tail bad stderr",
        "tail nosuch",
        "tail done bogus",
        "reread",
        "version",
        "clear nosuch",
        "remove nosuch",
        "add nosuch",
        "update nosuch",
        "help",
        "help start",
        "help",
        "help EOF",
        "help nosuch",
        "maintail -50",
        "maintail -f -f",
        "maintail bogus",
        "tail -100 done stderr",
        "tail -x done",
        "tail",
        "pid all",
        "pid idle nosuch",
        "signal",
        "signal CONT all",
        "signal CONT grp:* idle",
        "clear done",
        "clear all",
        "status grp:",
        "status all",
        "stop",
        "avail extra",
        "reread extra",
        "version extra",
        "shutdown extra",
        "reload extra",
        "add",
        "remove",
        "quit",
        "exit",
        "help fg",
        "help open",
        "fg",
        "fg idle done",
        "fg nosuch",
        "fg idle",
        "open",
        "open ftp://example.com",
        "bogus",
    ] {
        let args: Vec<&str> = cmd.split(' ').collect();
        let py = d.pyctl(&args);
        let rs = ours(&d, &args);
        assert_eq!(
            rs, py,
            "`supervisorctl {cmd}` differs (left: ours, right: Python)"
        );
    }
    for cmd in [
        "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload",
        "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
        "update", "version",
    ] {
        let args = ["help", cmd];
        assert_eq!(ours(&d, &args), d.pyctl(&args), "`help {cmd}` differs");
    }
    // The shell (no command: `status` first, then a prompt per line; quit
    // prints a newline; shutdown asks first) and -i with a command (runs it
    // and exits, but shutdown asks).
    for (args, input) in [
        (
            &[][..],
            "version\nstatus idle\nbogus\n\nhelp pid\nshutdown\nn\nquit\n",
        ),
        (&[][..], "pid nosuch\n"),
        (&["-i", "shutdown"][..], "no\n"),
    ] {
        let ctl = |bin: &std::path::Path| {
            let mut child = std::process::Command::new(bin)
                .arg("-c")
                .arg(&d.conf)
                .args(args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn supervisorctl");
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            (
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
                out.status.code(),
            )
        };
        assert_eq!(
            ctl(&support::example_bin("supervisorctl")),
            ctl(d.ctl.as_ref().unwrap()),
            "shell {args:?} with input {input:?} differs (left: ours, right: Python)"
        );
    }
    // State-changing commands, run on twin processes so both clients see the same state.
    assert_eq!(
        ours(&d, &["start", "grp:p0"]),
        ("grp:p0: started\n".into(), 0)
    );
    assert_eq!(
        d.pyctl(&["start", "grp:p1"]),
        ("grp:p1: started\n".into(), 0)
    );
    assert_eq!(
        ours(&d, &["restart", "grp:p0"]),
        ("grp:p0: stopped\ngrp:p0: started\n".into(), 0)
    );
    assert_eq!(
        ours(&d, &["stop", "grp:*"]),
        ("grp:p0: stopped\ngrp:p1: stopped\n".into(), 0)
    );
    assert_eq!(d.pyctl(&["stop", "grp:*"]), (String::new(), 0));
    assert_eq!(
        ours(&d, &["start", "grp:*"]),
        ("grp:p0: started\ngrp:p1: started\n".into(), 0)
    );
    assert_eq!(ours(&d, &["stop", "all"]).1, 0);
    let (py, _) = d.pyctl(&["status"]);
    let (rs, _) = ours(&d, &["status"]);
    assert_eq!(rs, py);
    // The daemon binary is the client too: `supervisord ctl ...`.
    assert_eq!(d.ourctl(&["status", "idle"]), d.pyctl(&["status", "idle"]));
    let (out, code) = ours(&d, &["shutdown"]);
    assert_eq!((out.as_str(), code), ("Shut down\n", 0));
}

#[test]
fn connection_errors_and_argv0_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("c.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisorctl]\nserverurl=unix://{}/missing.sock\n",
            dir.path().display()
        ),
    )
    .unwrap();
    // Invoked through a link named `supervisorctl`, the daemon binary is the client.
    let link = dir.path().join("supervisorctl");
    std::os::unix::fs::symlink(support::example_bin("supervisord"), &link).unwrap();
    let (out, code) = support::run(
        std::process::Command::new(&link)
            .arg("-c")
            .arg(&conf)
            .arg("status"),
    );
    assert_eq!(
        out,
        format!(
            "unix://{}/missing.sock no such file\n",
            dir.path().display()
        )
    );
    assert_eq!(code, 4);
    let (_, code) = support::run(
        std::process::Command::new(&link)
            .arg("-c")
            .arg(&conf)
            .arg("pid"),
    );
    assert_eq!(code, 7);
    if let Some(py) = support::python_ctl() {
        let (pout, pcode) = support::run(
            std::process::Command::new(py)
                .arg("-c")
                .arg(&conf)
                .arg("status"),
        );
        assert_eq!((out, 4), (pout, pcode));
    }
}

/// `fg`: streams the process's output, forwards stdin lines, and ends on EOF,
/// Ctrl-C, or the process's end, printing what Python's does. (Python's own
/// `fg` prints the same lines but then hangs in its streaming thread, so it is
/// not run here.)
#[test]
fn fg_streams_output_and_forwards_stdin() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    let d = Daemon::start("[program:cat]\ncommand=sh -c 'echo started; exec cat'\nstartsecs=0\n");
    d.wait_state("cat", "RUNNING", WAIT);
    let fg = || {
        let mut child = Command::new(support::example_bin("supervisorctl"))
            .arg("-c")
            .arg(&d.conf)
            .args(["fg", "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn supervisorctl fg");
        let out = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
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
        (child, out)
    };
    let text = |o: &Arc<Mutex<String>>| o.lock().unwrap().clone();
    let exit_code = |child: &mut std::process::Child| {
        let mut code = None;
        support::wait_until(WAIT, "fg exits", || {
            code = child.try_wait().unwrap().map(|s| s.code());
            code.is_some()
        });
        code.flatten()
    };

    // A line typed goes to the process; its output comes back; EOF ends fg.
    let (mut child, out) = fg();
    support::wait_until(WAIT, "fg shows the output so far", || {
        text(&out).contains("started")
    });
    assert!(text(&out).starts_with("==> Press Ctrl-C to exit <==\n"));
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"hello from fg\n")
        .unwrap();
    support::wait_until(WAIT, "cat's echo is streamed back", || {
        text(&out).contains("hello from fg")
    });
    drop(child.stdin.take());
    assert_eq!(exit_code(&mut child), Some(0));
    assert!(
        text(&out).ends_with("Exiting foreground\n"),
        "{}",
        text(&out)
    );

    // Ctrl-C detaches (exit status 0, as in Python's one-shot mode).
    let (mut child, out) = fg();
    support::wait_until(WAIT, "fg started", || text(&out).contains("started"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    assert_eq!(exit_code(&mut child), Some(0));
    assert!(
        text(&out).ends_with("Exiting foreground\n"),
        "{}",
        text(&out)
    );
    assert_eq!(d.state("cat"), "RUNNING", "detaching leaves it running");

    // The process stopped meanwhile: the next line reports it.
    let (mut child, out) = fg();
    support::wait_until(WAIT, "fg started", || text(&out).contains("started"));
    assert_eq!(ours(&d, &["stop", "cat"]), ("cat: stopped\n".into(), 0));
    child.stdin.as_mut().unwrap().write_all(b"late\n").unwrap();
    assert_eq!(exit_code(&mut child), Some(0));
    assert!(
        text(&out).ends_with("Process got killed\nExiting foreground\n"),
        "{}",
        text(&out)
    );
}

/// `tail -f` and `maintail -f` stream until interrupted, as Python's do.
#[test]
fn tail_f_and_maintail_f_stream() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let d = Daemon::start(
        "[program:talk]\ncommand=sh -c 'echo first-line; echo err-line >&2; exec sleep 1000'\nstartsecs=0\n",
    );
    d.wait_state("talk", "RUNNING", WAIT);
    for (args, want) in [
        (&["tail", "-f", "talk"][..], "first-line"),
        (&["tail", "-f", "talk", "stderr"][..], "err-line"),
        (&["maintail", "-f"][..], "spawned: 'talk'"),
    ] {
        let mut child = Command::new(support::example_bin("supervisorctl"))
            .arg("-c")
            .arg(&d.conf)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let want_owned = want.to_owned();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                if String::from_utf8_lossy(&buf).contains(&want_owned) {
                    break;
                }
            }
            String::from_utf8_lossy(&buf).into_owned()
        });
        support::wait_until(WAIT, &format!("{args:?} shows {want}"), || {
            reader.is_finished()
        });
        let out = reader.join().unwrap();
        assert!(
            out.starts_with("==> Press Ctrl-C to exit <==\n") && out.contains(want),
            "{args:?}: {out}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "{args:?} keeps following"
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}
