//! Tests of the configuration loader: unit tests of every option and rule,
//! and the differential fixtures recorded from Python supervisord 4.2.5
//! (`testdata/config/record.py`).

use super::*;
use std::fmt::Write as _;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/supervisord/testdata/config"
);

/// The environment `record.py` runs Python with.
fn fixed_env() -> HashMap<String, String> {
    [
        ("HOME", "/home/tester"),
        ("FOO", "bar"),
        ("GREETING", "hello world"),
        ("TMPDIR", "/tmp"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn ctx(cwd: &str) -> Context {
    Context {
        env: fixed_env(),
        cwd: cwd.to_string(),
        host_node_name: "testhost".into(),
        tempdir: "/tmp".into(),
    }
}

/// Loads `text` as the file `fpname` in directory `dir` (also the cwd).
fn load_in(dir: &str, fpname: &str, text: &str) -> Result<Config, ConfigError> {
    let here = dt::abspath(dt::dirname(fpname), dir);
    Loader::new(ctx(dir), fpname.to_string(), here.clone(), here).run(text)
}

/// [`load_in`], then the daemon's user resolved as `ServerOptions.realize`
/// does with no `-u` (the fixtures are recorded after `realize`).
fn realize_in(dir: &str, fpname: &str, text: &str) -> Result<Config, String> {
    let mut cfg = load_in(dir, fpname, text).map_err(|e| e.to_string())?;
    super::resolve_daemon_user(&mut cfg.supervisord)?;
    Ok(cfg)
}

/// Loads a config snippet with a fixed context in a scratch directory.
fn load_text(text: &str) -> Result<Config, ConfigError> {
    load_in("/tmp", "/tmp/test.conf", text)
}

fn ok(text: &str) -> Config {
    match load_text(text) {
        Ok(c) => c,
        Err(e) => panic!("config should load: {e}"),
    }
}

fn err(text: &str) -> String {
    match load_text(text) {
        Ok(_) => panic!("config should be rejected:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn program(text: &str) -> ProcessConfig {
    let c = ok(&format!("[supervisord]\n[program:foo]\n{text}\n"));
    c.groups[0].processes[0].clone()
}

// ----- rendering in record.py's format -----

fn esc(s: &str, here: &str) -> String {
    s.replace(here, "%HERE%")
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

fn opt_str(v: &Option<String>, here: &str) -> String {
    v.as_ref().map_or("None".into(), |s| esc(s, here))
}

fn opt_num<T: fmt::Display>(v: Option<T>) -> String {
    v.map_or("None".into(), |n| n.to_string())
}

fn render(c: &Config, here: &str) -> String {
    let mut out = String::new();
    let mut add = |k: &str, v: &dyn fmt::Display| {
        let _ = writeln!(out, "{k}={v}");
    };
    let s = &c.supervisord;
    let p = |p: &Path| esc(&p.to_string_lossy(), here);
    match &s.logfile {
        MainLogFile::Path(f) => add("supervisord.logfile", &p(f)),
        MainLogFile::Syslog => add("supervisord.logfile", &"syslog"),
    }
    add("supervisord.logfile_maxbytes", &s.logfile_maxbytes);
    add("supervisord.logfile_backups", &s.logfile_backups);
    add("supervisord.loglevel", &(s.loglevel as i32));
    add("supervisord.pidfile", &p(&s.pidfile));
    add("supervisord.umask", &format!("{:o}", s.umask));
    add("supervisord.nodaemon", &b(s.nodaemon));
    add("supervisord.silent", &b(s.silent));
    add("supervisord.minfds", &s.minfds);
    add("supervisord.minprocs", &s.minprocs);
    add("supervisord.nocleanup", &b(s.nocleanup));
    add("supervisord.childlogdir", &p(&s.childlogdir));
    add("supervisord.user", &opt_str(&s.user, here));
    add("supervisord.uid", &opt_num(s.uid));
    add(
        "supervisord.directory",
        &s.directory.as_deref().map_or("None".into(), p),
    );
    add("supervisord.strip_ansi", &b(s.strip_ansi));
    for (k, v) in &s.environment {
        add(
            &format!("supervisord.environment.{}", esc(k, here)),
            &esc(v, here),
        );
    }
    add("supervisord.identifier", &esc(&s.identifier, here));
    for g in &c.groups {
        let gk = format!("group:{}", g.name);
        add(&format!("{gk}.priority"), &g.priority);
        if let Some(pool) = &g.pool {
            add(&format!("{gk}.pool.buffer_size"), &pool.buffer_size);
            let mut events = pool.events.clone();
            events.sort();
            add(&format!("{gk}.pool.events"), &events.join(","));
        }
        for pc in &g.processes {
            let k = format!("{gk}.process:{}", pc.name);
            add(&format!("{k}.command"), &esc(&pc.command, here));
            add(&format!("{k}.directory"), &opt_str(&pc.directory, here));
            add(
                &format!("{k}.umask"),
                &pc.umask.map_or("None".into(), |u| format!("{u:o}")),
            );
            add(&format!("{k}.priority"), &pc.priority);
            add(&format!("{k}.autostart"), &b(pc.autostart));
            let ar = match pc.autorestart {
                AutoRestart::Always => "true",
                AutoRestart::Never => "false",
                AutoRestart::Unexpected => "unexpected",
            };
            add(&format!("{k}.autorestart"), &ar);
            add(&format!("{k}.startsecs"), &pc.startsecs);
            add(&format!("{k}.startretries"), &pc.startretries);
            add(&format!("{k}.uid"), &opt_num(pc.uid));
            for (ch, st) in [("stdout", &pc.stdout), ("stderr", &pc.stderr)] {
                let lf = match &st.logfile {
                    LogFile::Auto => "AUTO".to_string(),
                    LogFile::None => "NONE".to_string(),
                    LogFile::Path(f) => p(f),
                };
                add(&format!("{k}.{ch}_logfile"), &lf);
                add(&format!("{k}.{ch}_logfile_maxbytes"), &st.logfile_maxbytes);
                add(&format!("{k}.{ch}_logfile_backups"), &st.logfile_backups);
                add(&format!("{k}.{ch}_capture_maxbytes"), &st.capture_maxbytes);
                add(&format!("{k}.{ch}_events_enabled"), &b(st.events_enabled));
                add(&format!("{k}.{ch}_syslog"), &b(st.syslog));
            }
            add(&format!("{k}.stopsignal"), &pc.stopsignal);
            add(&format!("{k}.stopwaitsecs"), &pc.stopwaitsecs);
            add(&format!("{k}.stopasgroup"), &b(pc.stopasgroup));
            add(&format!("{k}.killasgroup"), &b(pc.killasgroup));
            let codes: Vec<String> = pc.exitcodes.iter().map(i32::to_string).collect();
            add(&format!("{k}.exitcodes"), &codes.join(","));
            add(&format!("{k}.redirect_stderr"), &b(pc.redirect_stderr));
            for (ek, ev) in &pc.environment {
                add(
                    &format!("{k}.environment.{}", esc(ek, here)),
                    &esc(ev, here),
                );
            }
            add(
                &format!("{k}.serverurl"),
                &pc.serverurl
                    .as_ref()
                    .map_or("AUTO".into(), |u| esc(u, here)),
            );
        }
    }
    for i in &c.inet_http_servers {
        let k = format!("inet:{}", i.section);
        add(&format!("{k}.host"), &esc(&i.host, here));
        add(&format!("{k}.port"), &i.port);
        add(&format!("{k}.username"), &opt_str(&i.username, here));
        add(&format!("{k}.password"), &opt_str(&i.password, here));
    }
    for u in &c.unix_http_servers {
        let k = format!("unix:{}", u.section);
        add(&format!("{k}.file"), &p(&u.file));
        add(&format!("{k}.chmod"), &format!("{:o}", u.chmod));
        let chown = match u.chown {
            None => "None".to_string(),
            Some((uid, gid)) => format!("{uid}:{}", gid.map_or(-1, i64::from)),
        };
        add(&format!("{k}.chown"), &chown);
        add(&format!("{k}.username"), &opt_str(&u.username, here));
        add(&format!("{k}.password"), &opt_str(&u.password, here));
    }
    for r in &c.rpcinterfaces {
        let k = format!("rpcinterface:{}", r.name);
        add(&format!("{k}.factory"), &r.factory);
        let mut extras = r.extras.clone();
        extras.sort();
        for (ek, ev) in extras {
            add(&format!("{k}.{ek}"), &esc(&ev, here));
        }
    }
    add("serverurl", &opt_str(&c.serverurl, here));
    for w in &c.warnings {
        add("warning", &esc(w, here));
    }
    for i in &c.infos {
        add("info", &esc(i, here));
    }
    out
}

/// Undoes `record.py`'s `esc` (`\\` and `\n`).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Python's message without supervisord's `in section ... (file: ...)` tail.
fn python_core(msg: &str) -> &str {
    match msg.find(" in section '") {
        Some(i) if msg.ends_with(')') => &msg[..i],
        _ => msg,
    }
}

#[test]
fn fixtures_match_python() {
    // SV_FIXTURES points the test at another directory of recorded configs
    // (handy for ad-hoc differential runs; see testdata/config/record.py).
    let dir_owned = std::env::var("SV_FIXTURES").unwrap_or_else(|_| FIXTURES.to_string());
    let dir = dir_owned.as_str();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in {dir}");
    let mut failures = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("read fixture");
        let expected_path = format!("{dir}/{}.expected", name.trim_end_matches(".conf"));
        let expected = std::fs::read_to_string(&expected_path).expect("read expected");
        let result = realize_in(dir, name, &text);
        match (expected.strip_prefix("error="), result) {
            (None, Ok(config)) => {
                let got = render(&config, dir);
                if got != expected {
                    let diff: Vec<String> = expected
                        .lines()
                        .zip(got.lines())
                        .filter(|(a, b)| a != b)
                        .take(5)
                        .map(|(a, b)| format!("  python: {a}\n  rust:   {b}"))
                        .collect();
                    failures.push(format!(
                        "{name}: differs ({} vs {} lines)\n{}",
                        expected.lines().count(),
                        got.lines().count(),
                        diff.join("\n")
                    ));
                }
            }
            (Some(py), Err(e)) => {
                let py = unescape(py.trim_end()).replace("%HERE%", dir);
                let core = python_core(&py);
                let ours = e;
                if !ours.contains(core) {
                    failures.push(format!(
                        "{name}: error differs\n  python: {py}\n  rust:   {ours}"
                    ));
                }
            }
            (None, Err(e)) => failures.push(format!("{name}: python accepts, rust rejects: {e}")),
            (Some(py), Ok(_)) => {
                failures.push(format!("{name}: python rejects ({py}), rust accepts"))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ----- defaults -----

#[test]
fn supervisord_defaults() {
    let c = ok("[supervisord]\n");
    let s = &c.supervisord;
    assert_eq!(s.logfile, MainLogFile::Path("/tmp/supervisord.log".into()));
    assert_eq!(s.logfile_maxbytes, 50 * 1024 * 1024);
    assert_eq!(s.logfile_backups, 10);
    assert_eq!(s.loglevel, LogLevel::Info);
    assert_eq!(s.pidfile, PathBuf::from("/tmp/supervisord.pid"));
    assert_eq!(s.umask, 0o22);
    assert!(!s.nodaemon && !s.silent && !s.nocleanup && !s.strip_ansi);
    assert_eq!((s.minfds, s.minprocs), (1024, 200));
    assert_eq!(s.childlogdir, PathBuf::from("/tmp"));
    assert_eq!(
        (s.user.clone(), s.uid, s.gid, s.directory.clone()),
        (None, None, None, None)
    );
    assert!(s.environment.is_empty());
    assert_eq!(s.identifier, "supervisor");
    assert!(c.groups.is_empty() && c.rpcinterfaces.is_empty());
    assert!(c.inet_http_servers.is_empty() && c.unix_http_servers.is_empty());
    assert_eq!(c.serverurl, None);
}

#[test]
fn program_defaults() {
    let p = program("command=/bin/cat");
    assert_eq!(p.name, "foo");
    assert_eq!(p.section, "program:foo");
    assert_eq!(p.command, "/bin/cat");
    assert_eq!(p.directory, None);
    assert_eq!(p.umask, None);
    assert_eq!(p.priority, 999);
    assert!(p.autostart);
    assert_eq!(p.autorestart, AutoRestart::Unexpected);
    assert_eq!(p.startsecs, 1);
    assert_eq!(p.startretries, 3);
    assert_eq!((p.user.clone(), p.uid), (None, None));
    for st in [&p.stdout, &p.stderr] {
        assert_eq!(st.logfile, LogFile::Auto);
        assert_eq!(st.logfile_maxbytes, 50 * 1024 * 1024);
        assert_eq!(st.logfile_backups, 10);
        assert_eq!(st.capture_maxbytes, 0);
        assert!(!st.events_enabled);
        assert!(!st.syslog);
    }
    assert_eq!(p.stopsignal, 15);
    assert_eq!(p.stopwaitsecs, 10);
    assert!(!p.stopasgroup && !p.killasgroup);
    assert_eq!(p.exitcodes, vec![0]);
    assert!(!p.redirect_stderr);
    assert!(p.environment.is_empty());
    assert_eq!(p.serverurl, None);
}

#[test]
fn group_and_listener_defaults() {
    let c = ok("[supervisord]\n[program:a]\ncommand=a\n[group:g]\nprograms=a\n[eventlistener:l]\ncommand=l\nevents=TICK_5\n");
    let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["l", "g"]);
    assert_eq!(c.groups[0].priority, -1);
    let pool = c.groups[0].pool.as_ref().expect("pool");
    assert_eq!(pool.buffer_size, 10);
    assert_eq!(pool.events, vec!["TICK_5"]);
    assert_eq!(
        pool.result_handler,
        "supervisor.dispatchers:default_handler"
    );
    assert_eq!(c.groups[0].processes[0].priority, 999);
    assert_eq!(c.groups[1].priority, 999);
    assert!(c.groups[1].pool.is_none());
}

#[test]
fn server_defaults_and_serverurl() {
    let c = ok("[supervisord]\n[unix_http_server]\nfile=sock\n[inet_http_server]\nport=9001\n");
    let u = &c.unix_http_servers[0];
    assert_eq!(u.file, PathBuf::from("/tmp/sock"));
    assert_eq!(u.chmod, 0o700);
    assert_eq!(u.chown, None);
    assert_eq!((u.username.clone(), u.password.clone()), (None, None));
    let i = &c.inet_http_servers[0];
    assert_eq!((i.host.as_str(), i.port), ("", 9001));
    assert_eq!(c.serverurl.as_deref(), Some("unix:///tmp/sock"));
    let c = ok("[supervisord]\n[inet_http_server]\nport=:9001\nusername=u\npassword=p\n");
    assert_eq!(c.serverurl.as_deref(), Some("http://localhost:9001"));
    assert_eq!(c.inet_http_servers[0].username.as_deref(), Some("u"));
    let c = ok("[supervisord]\n[inet_http_server]\nport=Example.COM:80\n");
    assert_eq!(c.serverurl.as_deref(), Some("http://example.com:80"));
}

// ----- option values -----

#[test]
fn option_values() {
    let p = program(
        "command=x\nautorestart=TRUE\nstopsignal=sigint\nexitcodes=1, 2,3\nstdout_logfile_maxbytes=1GB\n\
         stderr_logfile_maxbytes=1kb\nstdout_logfile=NONE\nstderr_logfile=off\numask=0o27\nuser=root\n\
         stopasgroup=yes\nstartsecs=0\nserverurl=http://x:1\n",
    );
    assert_eq!(p.autorestart, AutoRestart::Always);
    assert_eq!(p.stopsignal, 2);
    assert_eq!(p.exitcodes, vec![1, 2, 3]);
    assert_eq!(p.stdout.logfile_maxbytes, 1 << 30);
    assert_eq!(p.stderr.logfile_maxbytes, 1024);
    assert_eq!(
        (p.stdout.logfile.clone(), p.stderr.logfile.clone()),
        (LogFile::None, LogFile::None)
    );
    assert_eq!(p.umask, Some(0o27));
    assert_eq!((p.user.as_deref(), p.uid), (Some("root"), Some(0)));
    assert!(
        p.stopasgroup && p.killasgroup,
        "killasgroup defaults to stopasgroup"
    );
    assert_eq!(p.startsecs, 0);
    assert_eq!(p.serverurl.as_deref(), Some("http://x:1"));
    let p = program("command=x\nautorestart=false\nserverurl=auto\nstdout_logfile=/tmp/out.log\nredirect_stderr=true\nstderr_logfile=/tmp/err.log");
    assert_eq!(p.autorestart, AutoRestart::Never);
    assert_eq!(p.serverurl, None);
    assert_eq!(p.stdout.logfile, LogFile::Path("/tmp/out.log".into()));
    assert_eq!(p.stderr.logfile, LogFile::None);
}

#[test]
fn deprecated_syslog_logfile() {
    let c = ok("[supervisord]\n[program:foo]\ncommand=x\nstdout_logfile=SYSLOG\n");
    let p = &c.groups[0].processes[0];
    assert_eq!(p.stdout.logfile, LogFile::None);
    assert!(p.stdout.syslog);
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("stdout_logfile=syslog but this is deprecated"));
}

#[test]
fn environment_parsing() {
    let c = ok("[supervisord]\nenvironment=A=1,B=\"x,y\"\n[program:foo]\ncommand=x\nenvironment=B='z',C=%(ENV_A)s\n");
    assert_eq!(
        c.supervisord.environment,
        vec![("A".into(), "1".into()), ("B".into(), "x,y".into())]
    );
    let p = &c.groups[0].processes[0];
    assert_eq!(
        p.environment,
        vec![
            ("A".into(), "1".into()),
            ("B".into(), "z".into()),
            ("C".into(), "1".into())
        ]
    );
}

// ----- interpolation -----

#[test]
fn interpolation_variables() {
    let c = load_in(
        "/srv",
        "/etc/sv/main.conf",
        "[supervisord]\n[program:app]\ncommand=%(here)s|%(program_name)s|%(group_name)s|%(host_node_name)s|%(ENV_FOO)s|%(numprocs)d|%(process_num)03d\n\
         process_name=%(program_name)s-%(process_num)s\nnumprocs=2\nnumprocs_start=9\ndirectory=%(ENV_HOME)s/%(process_num)d\n",
    )
    .expect("loads");
    let ps = &c.groups[0].processes;
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].name, "app-10");
    assert_eq!(ps[1].name, "app-9");
    assert_eq!(ps[1].command, "/etc/sv|app|app|testhost|bar|2|009");
    assert_eq!(ps[1].directory.as_deref(), Some("/home/tester/9"));
}

#[test]
fn interpolation_scopes_match_supervisord() {
    // process_num is not available to options read before the per-process loop
    let e = err("[supervisord]\n[program:a]\ncommand=x\nstartsecs=%(process_num)d\n");
    assert!(
        e.contains("contains names ('process_num') which cannot be expanded"),
        "{e}"
    );
    // the program's own environment is visible to its later options
    let p = program("command=echo %(ENV_MINE)s\nenvironment=MINE=yes");
    assert_eq!(p.command, "echo yes");
    // ...and [supervisord] environment to every program, but not to itself
    let c = ok("[supervisord]\nenvironment=G=1\n[program:a]\ncommand=%(ENV_G)s\n");
    assert_eq!(c.groups[0].processes[0].command, "1");
    let e = err("[supervisord]\nenvironment=G=1\nidentifier=%(ENV_G)s\n");
    assert!(e.contains("'supervisord.identifier'"), "{e}");
    // %% is a literal percent; logfiles are expanded twice like supervisord
    let p = program("command=printf 100%%");
    assert_eq!(p.command, "printf 100%");
    let e = err("[supervisord]\n[program:a]\ncommand=x\nstdout_logfile=/tmp/100%%\n");
    assert!(e.contains("badly formatted: incomplete format"), "{e}");
    // group_name is the [group:x] name for grouped programs
    let c = ok("[supervisord]\n[group:g]\nprograms=a\n[program:a]\ncommand=%(group_name)s\n");
    assert_eq!(c.groups[0].processes[0].command, "g");
}

#[test]
fn default_section_applies_everywhere() {
    let c =
        ok("[DEFAULT]\nstartsecs=4\n[supervisord]\nidentifier=%(here)s\n[program:a]\ncommand=a\n");
    assert_eq!(c.supervisord.identifier, "/tmp");
    assert_eq!(c.groups[0].processes[0].startsecs, 4);
}

// ----- numprocs and groups -----

#[test]
fn numprocs_expansion_and_sorting() {
    let c =
        ok("[supervisord]\n[program:w]\ncommand=w\nnumprocs=11\nprocess_name=w%(process_num)d\n");
    let names: Vec<&str> = c.groups[0]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names[..4], ["w0", "w1", "w10", "w2"]);
    assert_eq!(names.len(), 11);
    let c = ok("[supervisord]\n[program:w]\ncommand=w\nnumprocs=0\n");
    assert!(c.groups[0].processes.is_empty());
    let e = err("[supervisord]\n[program:w]\ncommand=w\nnumprocs=2\n");
    assert!(e.starts_with("%(process_num) must be present within process_name when numprocs > 1 in section 'program:w'"), "{e}");
}

#[test]
fn groups_take_programs_out_of_homogeneous_groups() {
    let c = ok("[supervisord]\n[program:b]\ncommand=b\npriority=2\n[program:a]\ncommand=a\npriority=1\n[program:c]\ncommand=c\n[group:g]\nprograms=b,a\npriority=5\n");
    let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["g", "c"]);
    let procs: Vec<&str> = c.groups[0]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(procs, vec!["b", "a"], "listed order, not sorted");
    // a group without programs is an empty group (supervisord does not check)
    let c = ok("[supervisord]\n[group:empty]\n");
    assert!(c.groups[0].processes.is_empty());
    let e = err("[supervisord]\n[group:g]\nprograms=missing\n");
    assert_eq!(e, "[group:g] names unknown program or fcgi-program missing");
}

#[test]
fn group_sort_by_priority_then_name() {
    let c = ok("[supervisord]\n[program:z]\ncommand=z\npriority=1\n[program:b]\ncommand=b\n[program:a]\ncommand=a\n");
    let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, vec!["z", "a", "b"]);
}

#[test]
fn unsupported_and_invalid_sections() {
    let e = err("[supervisord]\n[fcgi-program:f]\ncommand=f\nsocket=tcp://localhost:1\n");
    assert!(e.contains("fcgi-program sections are not supported"), "{e}");
    assert!(e.contains("'fcgi-program:f'"), "{e}");
    let e =
        err("[supervisord]\n[rpcinterface:x]\nsupervisor.rpcinterface_factory=my.module:factory\n");
    assert_eq!(
        e,
        "my.module:factory cannot be resolved within [rpcinterface:x]"
    );
    let e = err("[supervisord]\n[rpcinterface:x]\n");
    assert_eq!(
        e,
        "section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory"
    );
    let e = err("[supervisord]\n[eventlistener:l]\ncommand=l\nevents=TICK_5\nbuffer_size=0\n");
    assert_eq!(e, "[eventlistener:l] section sets invalid buffer_size (0)");
    let e =
        err("[supervisord]\n[eventlistener:l]\ncommand=l\nevents=TICK_5\nredirect_stderr=true\n");
    assert!(
        e.contains("redirect_stderr=true but this is not allowed"),
        "{e}"
    );
    let e = err("[supervisord]\n[eventlistener:l]\ncommand=l\nevents=TICK_5\nresult_handler=x:y\n");
    assert_eq!(e, "x:y cannot be resolved within [eventlistener:l]");
    let e = err("[supervisord]\n[unix_http_server]\nchmod=777\n");
    assert_eq!(e, "section [unix_http_server] has no file value");
    let e = err("[supervisord]\n[inet_http_server]\n");
    assert_eq!(e, "section [inet_http_server] has no port value");
    let e = err("[include]\n[supervisord]\n");
    assert_eq!(e, ".ini file has [include] section, but no files setting");
}

// ----- errors name file, section, option -----

#[test]
fn bad_values_name_file_section_option() {
    let e = err("[supervisord]\n[program:foo]\ncommand=x\nstartsecs=abc\n");
    assert_eq!(
        e,
        "invalid value for 'startsecs' in section 'program:foo' (file: '/tmp/test.conf', line: 4): invalid literal for int() with base 10: 'abc'"
    );
    let cases = [
        (
            "autostart=maybe",
            "autostart",
            "not a valid boolean value: 'maybe'",
        ),
        (
            "stopsignal=NOPE",
            "stopsignal",
            "value 'NOPE' is not a valid signal name",
        ),
        (
            "stopsignal=99",
            "stopsignal",
            "value '99' is not a valid signal number",
        ),
        (
            "exitcodes=a",
            "exitcodes",
            "not a valid list of exit codes: 'a'",
        ),
        (
            "autorestart=x",
            "autorestart",
            "invalid 'autorestart' value 'x'",
        ),
        (
            "umask=999",
            "umask",
            "999 can not be converted to an octal type",
        ),
        (
            "stdout_logfile_maxbytes=5XB",
            "stdout_logfile_maxbytes",
            "invalid literal for int() with base 10: '5xb'",
        ),
        (
            "user=no-such-user-xyz",
            "user",
            "Invalid user name no-such-user-xyz",
        ),
        (
            "environment=A",
            "environment",
            "Unexpected end of key/value pairs in value 'A'",
        ),
        (
            "stderr_logfile=/no/such/dir/x",
            "stderr_logfile",
            "The directory named as part of the path /no/such/dir/x does not exist",
        ),
    ];
    for (line, option, reason) in cases {
        let e = err(&format!(
            "[supervisord]\n[program:foo]\ncommand=x\n{line}\n"
        ));
        assert_eq!(
            e,
            format!("invalid value for '{option}' in section 'program:foo' (file: '/tmp/test.conf', line: 4): {reason}")
        );
    }
    let supervisord_cases = [
        ("loglevel=loud", "loglevel", "bad logging level name 'loud'"),
        (
            "logfile_maxbytes=lots",
            "logfile_maxbytes",
            "invalid literal for int() with base 10: 'lots'",
        ),
        (
            "directory=/no/such/dir",
            "directory",
            "/no/such/dir is not an existing directory",
        ),
        (
            "childlogdir=/no/such/dir",
            "childlogdir",
            "/no/such/dir is not an existing directory",
        ),
        (
            "nodaemon=sure",
            "nodaemon",
            "not a valid boolean value: 'sure'",
        ),
    ];
    // The daemon's own `user=` is resolved only when it starts, after the
    // command line (`-u` replaces it): loading alone does not look it up.
    let c = ok("[supervisord]\nuser=no-such-user-xyz\n");
    assert_eq!(c.supervisord.user.as_deref(), Some("no-such-user-xyz"));
    assert_eq!(c.supervisord.uid, None);
    for (line, option, reason) in supervisord_cases {
        let e = err(&format!("[supervisord]\n{line}\n"));
        assert_eq!(
            e,
            format!("invalid value for '{option}' in section 'supervisord' (file: '/tmp/test.conf', line: 2): {reason}")
        );
    }
    let e = err("[supervisord]\n[inet_http_server]\nport=host:0\n");
    assert!(e.ends_with("0 is below lower bound (1)"), "{e}");
    let e = err("[supervisord]\n[unix_http_server]\nfile=/tmp/s\nchown=no-such-user-xyz\n");
    assert!(
        e.ends_with("Invalid sockchown value no-such-user-xyz"),
        "{e}"
    );
}

#[test]
fn structural_errors_match_supervisord() {
    assert_eq!(
        err("[program:foo]\ncommand=x\n"),
        ".ini file does not include supervisord section"
    );
    assert_eq!(
        err("[supervisord]\n[program:foo]\n"),
        "program section program:foo does not specify a command in section 'program:foo' (file: '/tmp/test.conf')"
    );
    assert_eq!(
        err("[supervisord]\n[program:foo]\ncommand=x\nstopasgroup=true\nkillasgroup=false\n"),
        "Cannot set stopasgroup=true and killasgroup=false in section 'program:foo' (file: '/tmp/test.conf')"
    );
    assert_eq!(
        err("[supervisord]\n[program:a b]\ncommand=x\n"),
        "Invalid name: 'a b' because of character: ' ' in section 'program:a b' (file: '/tmp/test.conf')"
    );
    assert_eq!(
        err("[supervisord]\n[inet_http_server]\nport=1\npassword=p\n"),
        "Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"
    );
    assert_eq!(
        err("[supervisord]\nx\n"),
        "Source contains parsing errors: '/tmp/test.conf'\n\t[line  2]: 'x\\n'"
    );
}

// ----- includes -----

#[test]
fn include_globs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join("conf.d")).expect("mkdir");
    std::fs::create_dir(d.join("conf.d/sub")).expect("mkdir");
    std::fs::write(
        d.join("main.conf"),
        "[supervisord]\n[include]\nfiles=conf.d/*.conf conf.d/none-*.ini\n",
    )
    .expect("write");
    std::fs::write(d.join("conf.d/b.conf"), "[program:b]\ncommand=b %(here)s\n").expect("write");
    std::fs::write(
        d.join("conf.d/a.conf"),
        "[program:a]\ncommand=a\n[include]\nfiles=sub/*.conf\n",
    )
    .expect("write");
    std::fs::write(d.join("conf.d/.h.conf"), "[program:h]\ncommand=h\n").expect("write");
    std::fs::write(d.join("conf.d/sub/x.conf"), "[program:x]\ncommand=x\n").expect("write");
    let c = load(&d.join("main.conf"), &fixed_env()).expect("loads");
    let names: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["a", "b"],
        "hidden files skipped, nested includes not followed"
    );
    let dd = d.to_string_lossy();
    assert_eq!(c.groups[1].processes[0].command, format!("b {dd}/conf.d"));
    assert_eq!(
        c.infos,
        vec![
            format!("Included extra file \"{dd}/conf.d/a.conf\" during parsing"),
            format!("Included extra file \"{dd}/conf.d/b.conf\" during parsing"),
        ]
    );
    assert_eq!(
        c.warnings,
        vec![format!(
            "No file matches via include \"{dd}/conf.d/none-*.ini\""
        )]
    );
}

#[test]
fn include_errors_name_the_included_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("main.conf"),
        "[supervisord]\n[include]\nfiles=*.ini\n",
    )
    .expect("write");
    std::fs::write(d.join("bad.ini"), "[program:p]\ncommand=p\nstartsecs=x\n").expect("write");
    let e = load(&d.join("main.conf"), &fixed_env())
        .unwrap_err()
        .to_string();
    let f = d.join("bad.ini");
    assert_eq!(
        e,
        format!(
            "invalid value for 'startsecs' in section 'program:p' (file: '{}', line: 3): invalid literal for int() with base 10: 'x'",
            f.display()
        )
    );
    std::fs::write(d.join("bad.ini"), "[program:p]\n").expect("write");
    let e = load(&d.join("main.conf"), &fixed_env())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "program section program:p does not specify a command in section 'program:p' (file: '{}')",
            f.display()
        )
    );
    std::fs::write(d.join("bad.ini"), "oops\n").expect("write");
    let e = load(&d.join("main.conf"), &fixed_env())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("File contains no section headers."), "{e}");
}

#[test]
fn load_missing_file_and_load_str() {
    let e = load(Path::new("/no/such/supervisord.conf"), &fixed_env()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "could not find config file /no/such/supervisord.conf"
    );
    let c = load_str(
        "[supervisord]\nidentifier=%(here)s\n",
        Path::new("/etc"),
        &fixed_env(),
    )
    .expect("loads");
    assert_eq!(c.supervisord.identifier, "/etc");
}

#[test]
fn ctl_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("sv.conf");
    std::fs::write(
        &f,
        "[supervisorctl]\nserverurl=unix://%(here)s/../x/./sock\nusername=u\npassword=p\nprompt=mine\nhistory_file=~/.hist\n",
    )
    .expect("write");
    let c = load_ctl(&f, &fixed_env()).expect("loads");
    let parent = dir
        .path()
        .parent()
        .expect("parent")
        .to_string_lossy()
        .into_owned();
    assert_eq!(c.serverurl, format!("unix://{parent}/x/sock"));
    assert_eq!(
        (c.username.as_deref(), c.password.as_deref()),
        (Some("u"), Some("p"))
    );
    assert_eq!(c.prompt, "mine");
    assert_eq!(c.history_file, Some(PathBuf::from("/home/tester/.hist")));
    std::fs::write(&f, "[supervisorctl]\n").expect("write");
    let c = load_ctl(&f, &fixed_env()).expect("loads");
    assert_eq!(c.serverurl, "http://localhost:9001");
    assert_eq!(c.prompt, "supervisor");
    assert_eq!((c.username, c.password, c.history_file), (None, None, None));
    std::fs::write(&f, "[supervisord]\n").expect("write");
    let e = load_ctl(&f, &fixed_env()).unwrap_err();
    assert_eq!(
        e.to_string(),
        ".ini file does not include supervisorctl section"
    );
}

#[test]
fn never_panics_on_garbage() {
    // a small deterministic fuzz: random mixes of config-ish fragments
    let fragments = [
        "[supervisord]\n",
        "[program:p]\n",
        "[group:g]\n",
        "[eventlistener:e]\n",
        "[include]\n",
        "command=x\n",
        "numprocs=3\n",
        "process_name=%(process_num)d\n",
        "programs=p,q\n",
        "events=TICK_5\n",
        "files=*\n",
        "%(\n",
        "=\n",
        ":\n",
        "  cont\n",
        "; c\n",
        "x=%(here\n",
        "environment=A=\"\n",
        "priority=-99999999999999999999\n",
        "umask=-1\n",
        "[\n",
        "]\n",
        "\u{0}\n",
        "\r",
        "stopsignal=0x\n",
        "exitcodes=,\n",
        "numprocs_start=9223372036854775807\n",
        "numprocs=9223372036854775807\n",
        "process_name=%(process_num)999999999d\n",
        "[DEFAULT]\n",
        "buffer_size=-1\n",
        "user=\n",
        "stdout_logfile=%%\n",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..12 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(fragments[(seed % fragments.len() as u64) as usize]);
        }
        let _ = load_text(&text);
    }
}
