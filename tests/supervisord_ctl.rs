//! Our supervisorctl (`examples/supervisorctl.rs`, also `supervisord ctl`)
//! against the stock Python one: same output and exit codes, command by command.

mod supervisord_support;
use supervisord_support as support;

use support::{Ctl, Daemon, Follow, WAIT};

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
        "clear nogroup:* grp:* grp: None:*",
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
        let rs = d.ours(&args);
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
        assert_eq!(d.ours(&args), d.pyctl(&args), "`help {cmd}` differs");
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
        let ctl = |which: Ctl| {
            let mut child = d
                .ctl_command(which)
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
            ctl(Ctl::Ours),
            ctl(Ctl::Python),
            "shell {args:?} with input {input:?} differs (left: ours, right: Python)"
        );
    }
    // State-changing commands, run on twin processes so both clients see the same state.
    assert_eq!(
        d.ours(&["start", "grp:p0"]),
        ("grp:p0: started\n".into(), 0)
    );
    assert_eq!(
        d.pyctl(&["start", "grp:p1"]),
        ("grp:p1: started\n".into(), 0)
    );
    assert_eq!(
        d.ours(&["restart", "grp:p0"]),
        ("grp:p0: stopped\ngrp:p0: started\n".into(), 0)
    );
    assert_eq!(
        d.ours(&["stop", "grp:*"]),
        ("grp:p0: stopped\ngrp:p1: stopped\n".into(), 0)
    );
    assert_eq!(d.pyctl(&["stop", "grp:*"]), (String::new(), 0));
    assert_eq!(
        d.ours(&["start", "grp:*"]),
        ("grp:p0: started\ngrp:p1: started\n".into(), 0)
    );
    assert_eq!(d.ours(&["stop", "all"]).1, 0);
    let (py, _) = d.pyctl(&["status"]);
    let (rs, _) = d.ours(&["status"]);
    assert_eq!(rs, py);
    // The daemon binary is the client too: `supervisord ctl ...`.
    assert_eq!(d.ourctl(&["status", "idle"]), d.pyctl(&["status", "idle"]));
    let (out, code) = d.ours(&["shutdown"]);
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
    use std::io::Write;
    use std::process::Stdio;

    let d = Daemon::start("[program:cat]\ncommand=sh -c 'echo started; exec cat'\nstartsecs=0\n");
    d.wait_state("cat", "RUNNING", WAIT);
    let fg = || {
        Follow::spawn(
            d.ctl_command(Ctl::Ours)
                .args(["fg", "cat"])
                .stdin(Stdio::piped())
                .stderr(Stdio::null()),
        )
    };

    // A line typed goes to the process; its output comes back; EOF ends fg.
    let mut f = fg();
    f.wait_for("started");
    assert!(f.text().starts_with("==> Press Ctrl-C to exit <==\n"));
    f.child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"hello from fg\n")
        .unwrap();
    f.wait_for("hello from fg");
    drop(f.child.stdin.take());
    assert_eq!(f.wait_exit(), Some(0));
    assert!(f.text().ends_with("Exiting foreground\n"), "{}", f.text());

    // Ctrl-C detaches (exit status 0, as in Python's one-shot mode).
    let mut f = fg();
    f.wait_for("started");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(f.child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    assert_eq!(f.wait_exit(), Some(0));
    assert!(f.text().ends_with("Exiting foreground\n"), "{}", f.text());
    assert_eq!(d.state("cat"), "RUNNING", "detaching leaves it running");

    // The process stopped meanwhile: the next line reports it.
    let mut f = fg();
    f.wait_for("started");
    assert_eq!(d.ours(&["stop", "cat"]), ("cat: stopped\n".into(), 0));
    f.child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"late\n")
        .unwrap();
    assert_eq!(f.wait_exit(), Some(0));
    assert!(
        f.text()
            .ends_with("Process got killed\nExiting foreground\n"),
        "{}",
        f.text()
    );
}

/// `tail -f` and `maintail -f` stream until interrupted, as Python's do: what
/// the log holds, then what is written later.
#[test]
fn tail_f_and_maintail_f_stream() {
    // After its first lines, `talk` echoes each stdin line to stdout and stderr.
    let d = Daemon::start(
        "[program:talk]\ncommand=sh -c 'echo first-line; echo err-line >&2; while read l; do echo out-$l; echo err-$l >&2; done'\nstartsecs=0\n",
    );
    d.wait_state("talk", "RUNNING", WAIT);
    let send = |line: &str| {
        let r = d.rpc(
            "supervisor.sendProcessStdin",
            &format!("<param><value>talk</value></param><param><value>{line}\n</value></param>"),
        );
        assert!(r.contains("<boolean>1</boolean>"), "{r}");
    };
    for (args, want) in [
        // First: maintail's first chunk is the end of the main log, which
        // (loglevel=debug) the later output of talk would fill.
        (&["maintail", "-f"][..], "spawned: 'talk'"),
        (&["tail", "-f", "talk"][..], "first-line"),
        (&["tail", "-f", "talk", "stderr"][..], "err-line"),
    ] {
        let mut f = Follow::spawn(
            d.ctl_command(Ctl::Ours)
                .args(args)
                .stderr(std::process::Stdio::null()),
        );
        let out = f.wait_for(want);
        assert!(
            out.starts_with("==> Press Ctrl-C to exit <==\n") && out.contains(want),
            "{args:?}: {out}"
        );
        assert!(
            f.child.try_wait().unwrap().is_none(),
            "{args:?} keeps following"
        );
        // Output written after the first chunk arrived shows up too.
        match args[..] {
            ["tail", "-f", "talk"] => {
                send("a1");
                f.wait_for("out-a1");
            }
            ["tail", "-f", "talk", "stderr"] => {
                send("a2");
                f.wait_for("err-a2");
            }
            _ => {
                // talk was never stopped before: these lines are all new.
                assert_eq!(
                    d.ours(&["restart", "talk"]),
                    ("talk: stopped\ntalk: started\n".into(), 0)
                );
                support::wait_until(WAIT, "maintail -f shows the restart", || {
                    f.text()
                        .split_once("stopped: talk")
                        .is_some_and(|(_, after)| after.contains("spawned: 'talk'"))
                });
            }
        }
        assert!(
            f.child.try_wait().unwrap().is_none(),
            "{args:?} keeps following"
        );
    }
}

/// Without `-c`, supervisorctl looks for `etc/supervisord.conf` and
/// `supervisord.conf` next to the directory of its executable before
/// `supervisord.conf` in the working directory (and then `etc/`, `/etc/`,
/// `/etc/supervisor/`): which file it read shows in the server URL of the
/// connection error.
#[test]
fn config_search_path_starts_next_to_the_executable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let conf = |path: &std::path::Path, sock: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            path,
            format!(
                "[supervisorctl]\nserverurl=unix://{}/{sock}\n",
                root.display()
            ),
        )
        .unwrap();
    };
    // A copy (not a link: the executable's own path is what counts) in
    // <root>/bin, and the Python one next to it when there is one.
    std::fs::create_dir(root.join("bin")).unwrap();
    let mut ctls = vec![root.join("bin/supervisorctl")];
    std::fs::copy(support::example_bin("supervisorctl"), &ctls[0]).unwrap();
    if let Some(py) = support::python_ctl() {
        ctls.push(root.join("bin/py-supervisorctl"));
        std::fs::copy(py, &ctls[1]).unwrap();
    }
    let work = root.join("work");
    conf(&root.join("etc/supervisord.conf"), "etc.sock");
    conf(&root.join("supervisord.conf"), "top.sock");
    conf(&work.join("supervisord.conf"), "cwd.sock");
    let status = |ctl: &std::path::Path| {
        // A child another test thread forked while the copy was being
        // written holds it open for writing until it execs: exec fails with
        // ETXTBSY meanwhile.
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let run = std::process::Command::new(ctl)
                .arg("status")
                .current_dir(&work)
                .stdin(std::process::Stdio::null())
                .output();
            match run {
                Err(e)
                    if e.raw_os_error() == Some(nix::errno::Errno::ETXTBSY as i32)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                run => {
                    let out = run.expect("run supervisorctl");
                    return (
                        String::from_utf8_lossy(&out.stdout).into_owned()
                            + &String::from_utf8_lossy(&out.stderr),
                        out.status.code().unwrap_or(-1),
                    );
                }
            }
        }
    };
    for (remove, sock) in [
        (None, "etc.sock"),
        (Some("etc/supervisord.conf"), "top.sock"),
        (Some("supervisord.conf"), "cwd.sock"),
    ] {
        if let Some(path) = remove {
            std::fs::remove_file(root.join(path)).unwrap();
        }
        for ctl in &ctls {
            assert_eq!(
                status(ctl),
                (
                    format!("unix://{}/{sock} no such file\n", root.display()),
                    4
                ),
                "{}",
                ctl.display()
            );
        }
    }
}
