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
