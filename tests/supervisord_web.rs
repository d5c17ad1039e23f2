//! The web UI of the example daemon (`examples/supervisord/web.rs`), as supervisord
//! 4.2.5's `web.py` serves it: the status page with states and actions, the actions
//! and their messages (301 to `/?message=...`), the tail page, HTML escaping of hostile
//! names and messages, the static files, and basic auth.

mod supervisord_support;
use supervisord_support as support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{wait_until, Daemon, WAIT};

const SEC: Duration = Duration::from_secs(1);

/// An HTTP response, read to the end.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn parse(raw: &str) -> Resp {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Resp {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `message` a 301 after an action points to, decoded.
    fn message(&self) -> String {
        assert_eq!(self.status, 301, "an action redirects: {}", self.body);
        let loc = self.header("location").expect("Location");
        let q = loc
            .strip_prefix("http://localhost/?message=")
            .unwrap_or_else(|| panic!("unexpected Location {loc}"));
        percent_decode(q)
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

/// `GET target` on the daemon's unix socket.
fn get(d: &Daemon, target: &str) -> Resp {
    Resp::parse(&d.raw(
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    ))
}

/// `GET target` on a TCP port, with an optional `Authorization` header value.
fn tcp_get(port: u16, target: &str, auth: Option<&str>) -> Resp {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return Resp::parse("");
    };
    let _ = s.set_read_timeout(Some(10 * SEC));
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return Resp::parse("");
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    Resp::parse(&String::from_utf8_lossy(&out))
}

/// The `<tr>` of the status page whose name link shows `name` (already escaped).
fn row<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page
        .find(&format!("target=\"_blank\">{name}</a></td>"))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{page}"));
    let start = page[..at].rfind("<tr class=").expect("row start");
    let end = at + page[at..].find("</tr>").expect("row end");
    &page[start..end]
}

#[test]
fn status_page_lists_processes_and_actions_work() {
    let d = Daemon::start(
        "[program:hello]\ncommand=sh -c 'echo hi; exec sleep 1000'\nstartsecs=0\n\n\
         [program:idle]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n\n\
         [program:bad]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\n\n\
         [program:p]\ncommand=sleep 1000\nprocess_name=p%(process_num)d\nnumprocs=2\nstartsecs=0\n\n\
         [group:grp]\nprograms=p\n",
    );
    d.wait_state("hello", "RUNNING", WAIT);
    d.wait_state("grp:p0", "RUNNING", WAIT);
    d.wait_state("grp:p1", "RUNNING", WAIT);
    d.wait_state("bad", "FATAL", WAIT);

    for target in ["/", "/index.html"] {
        let r = get(&d, target);
        assert_eq!(r.status, 200, "{target}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("text/html;charset=utf-8"));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        let page = &r.body;
        assert!(page.contains("<title>Supervisor Status</title>"));
        assert!(page.contains("<div class=\"hidden\">#</div>"));
        for (action, label) in [
            ("refresh", "Refresh"),
            ("restartall", "Restart All"),
            ("stopall", "Stop All"),
        ] {
            assert!(page.contains(&format!(
                "<li class=\"action-button\"><a href=\"index.html?action={action}\">{label}</a></li>"
            )));
        }
        // Rows in supervisord's order (group, then name), alternately shaded.
        let names = ["bad", "grp:p0", "grp:p1", "hello", "idle"];
        let pos: Vec<usize> = names
            .iter()
            .map(|n| page.find(&format!(">{n}</a></td>")).expect(n))
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "order of {names:?}");
        assert!(row(page, "bad").starts_with("<tr class=\"\">"));
        assert!(row(page, "grp:p0").starts_with("<tr class=\"shade\">"));

        let bad = row(page, "bad");
        assert!(
            bad.contains("<span class=\"statuserror\">fatal</span>"),
            "{bad}"
        );
        assert!(
            bad.contains("<td><span>Exited too quickly (process log may have details)</span></td>")
        );
        assert!(bad.contains(
            "<a href=\"index.html?processname=bad&amp;action=start\" name=\"Start\">Start</a>"
        ));
        assert!(bad.contains("<a class=\"hidden\" href=\"#\" name=\"#\">Action</a>"));

        let p0 = row(page, "grp:p0");
        assert!(
            p0.contains("<span class=\"statusrunning\">running</span>"),
            "{p0}"
        );
        assert!(p0.contains("<td><span>pid "));
        assert!(p0.contains(
            "<td><a href=\"tail.html?processname=grp%3Ap0\" target=\"_blank\">grp:p0</a></td>"
        ));
        for (action, label) in [
            ("restart", "Restart"),
            ("stop", "Stop"),
            ("clearlog", "Clear Log"),
        ] {
            assert!(p0.contains(&format!(
                "<a href=\"index.html?processname=grp%3Ap0&amp;action={action}\" name=\"{label}\">{label}</a>"
            )));
        }
        assert!(p0.contains(
            "<a href=\"logtail/grp%3Ap0\" name=\"Tail -f Stdout\" target=\"_blank\">Tail -f Stdout</a>"
        ));
        assert!(p0.contains(
            "<a href=\"logtail/grp%3Ap0/stderr\" name=\"Tail -f Stderr\" target=\"_blank\">Tail -f Stderr</a>"
        ));

        let idle = row(page, "idle");
        assert!(idle.contains("<span class=\"statusnominal\">stopped</span>"));
        assert!(idle.contains("<td><span>Not started</span></td>"));
        assert!(
            page.contains("<a href=\"http://supervisord.org\">Supervisor</a> <span>4.2.5</span>")
        );
    }

    // start: waits for RUNNING (startProcess with wait), then redirects with the message.
    let r = get(&d, "/index.html?processname=idle&action=start");
    assert_eq!(r.message(), "Process idle started");
    assert_eq!(
        r.header("location"),
        Some("http://localhost/?message=Process%20idle%20started")
    );
    assert_eq!(d.state("idle"), "RUNNING");
    let shown = get(&d, "/?message=Process%20idle%20started");
    assert!(shown
        .body
        .contains("<div class=\"status_msg\">Process idle started</div>"));
    assert!(row(&shown.body, "idle").contains("<span class=\"statusrunning\">running</span>"));

    assert_eq!(
        get(&d, "/index.html?processname=idle&action=start").message(),
        "ERROR: Process idle: already started"
    );
    assert_eq!(
        get(&d, "/index.html?processname=idle&action=stop").message(),
        "Process idle stopped"
    );
    assert_eq!(d.state("idle"), "STOPPED");
    assert_eq!(
        get(&d, "/index.html?processname=idle&action=stop").message(),
        "unexpected rpc fault [70] NOT_RUNNING: idle"
    );
    assert_eq!(
        get(&d, "/index.html?processname=nosuch&action=start").message(),
        "No such process named nosuch"
    );
    assert_eq!(
        get(&d, "/index.html?processname=grp:*&action=stop").message(),
        "No such process named grp:*"
    );
    assert_eq!(d.state("grp:p0"), "RUNNING");
    assert_eq!(
        get(&d, "/index.html?processname=bad&action=start").message(),
        "ERROR: Process bad: spawn error"
    );

    // restart: a new pid.
    let pid = d.info_int("grp:p1", "pid");
    assert_eq!(
        get(&d, "/index.html?processname=grp%3Ap1&action=restart").message(),
        "Process grp:p1 restarted"
    );
    d.wait_state("grp:p1", "RUNNING", WAIT);
    assert_ne!(d.info_int("grp:p1", "pid"), pid);

    // clearlog empties the stdout log.
    let log = d
        .info_str("hello", "stdout_logfile")
        .expect("stdout_logfile");
    wait_until(WAIT, "hello's output is in its log", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains("hi"))
    });
    assert_eq!(
        get(&d, "/index.html?processname=hello&action=clearlog").message(),
        "Log for hello cleared"
    );
    assert_eq!(std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0), 0);

    let m = get(&d, "/index.html?action=refresh").message();
    assert!(m.starts_with("Page refreshed at "), "{m}");

    // Unknown actions are a server error, as supervisord's ValueError.
    assert_eq!(get(&d, "/index.html?action=bogus").status, 500);
    assert_eq!(get(&d, "/index.html?action=start").status, 500);
    assert_eq!(
        get(&d, "/index.html?processname=hello&action=bogus").status,
        500
    );

    let m = get(&d, "/index.html?action=stopall").message();
    assert!(m.starts_with("All stopped at "), "{m}");
    for n in ["hello", "grp:p0", "grp:p1"] {
        assert_eq!(d.state(n), "STOPPED", "{n} after stopall");
    }
    let m = get(&d, "/index.html?action=restartall").message();
    assert!(m.starts_with("All restarted at "), "{m}");
    for n in ["hello", "grp:p0", "grp:p1", "idle"] {
        d.wait_state(n, "RUNNING", WAIT);
    }

    // POSTed forms work too (the page's form posts to index.html).
    let body = "processname=idle&action=stop";
    let raw = d.raw(
        format!(
            "POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(Resp::parse(&raw).message(), "Process idle stopped");

    assert_eq!(get(&d, "/ok.html").body, "OK");
    assert_eq!(get(&d, "/nosuch.html").status, 404);
}

#[test]
fn tail_page_shows_the_stdout_log() {
    // 40 lines of 100 bytes (4000 bytes), then a marker.
    let d = Daemon::start(
        "[program:talk]\ncommand=sh -c 'i=0; while [ $i -lt 40 ]; do printf \"%%099d\\n\" $i; i=$((i+1)); done; echo END-OF-TALK; exec sleep 1000'\nstartsecs=0\n\n\
         [program:quiet]\ncommand=sleep 1000\nstdout_logfile=NONE\nstartsecs=0\n",
    );
    d.wait_state("talk", "RUNNING", WAIT);
    let mut page = String::new();
    wait_until(WAIT, "the tail page shows talk's output", || {
        page = get(&d, "/tail.html?processname=talk").body;
        page.contains("END-OF-TALK")
    });
    assert!(page.contains("<title>Supervisor tail of process talk</title>"));
    assert!(page.contains(
        "<a href=\"tail.html?processname=talk&amp;limit=1024\">\n    <input name=\"refresh\" type=\"button\" value=\" Refresh \" />\n  </a>"
    ));
    let pre = |p: &str| -> String {
        let a = p.find("<pre>").expect("<pre>") + 5;
        let b = p.find("</pre>").expect("</pre>");
        p[a..b].to_owned()
    };
    // The last 1024 bytes (also for a smaller limit, as supervisord's min(-1024, -limit)).
    assert_eq!(pre(&page).len(), 1024);
    let small = get(&d, "/tail.html?processname=talk&limit=10").body;
    assert_eq!(pre(&small).len(), 1024);
    assert!(small.contains("tail.html?processname=talk&amp;limit=1024"));
    let big = get(&d, "/tail.html?processname=talk&limit=2500").body;
    assert_eq!(pre(&big).len(), 2500);
    assert!(big.contains("tail.html?processname=talk&amp;limit=2500"));
    assert!(pre(&big).ends_with("END-OF-TALK\n"));

    let none = get(&d, "/tail.html").body;
    assert!(none.contains("<title>Supervisor tail of process None</title>"));
    assert!(none.contains("<pre>No process name found</pre>"));
    assert!(!none.contains("Refresh"));
    let bad = get(&d, "/tail.html?processname=nosuch").body;
    assert!(bad.contains("<pre>ERROR: unexpected rpc fault [10] BAD_NAME: nosuch</pre>"));
    let quiet = get(&d, "/tail.html?processname=quiet").body;
    assert!(quiet.contains("<pre>No file for quiet</pre>"), "{quiet}");
}

#[test]
fn hostile_names_and_messages_are_escaped() {
    // supervisord only refuses ' ', ':' and '/' in names.
    let d = Daemon::start(
        "[program:<b>&\"q'x<i>]\ncommand=sh -c 'echo \"<script>alert(1)</script>&amp;\"; exec sleep 1000'\nstartsecs=0\n",
    );
    let name = "<b>&\"q'x<i>";
    let quoted = "%3Cb%3E%26%22q%27x%3Ci%3E";
    // The name inside an XML-RPC <string>.
    let xml_name = "&lt;b&gt;&amp;\"q'x&lt;i&gt;";
    d.wait_state(xml_name, "RUNNING", WAIT);
    let page = get(&d, "/").body;
    let escaped = "&lt;b&gt;&amp;&quot;q&#39;x&lt;i&gt;";
    assert!(page.contains(&format!(
        "<td><a href=\"tail.html?processname={quoted}\" target=\"_blank\">{escaped}</a></td>"
    )));
    assert!(page.contains(&format!(
        "<a href=\"index.html?processname={quoted}&amp;action=stop\" name=\"Stop\">Stop</a>"
    )));
    assert!(!page.contains(name) && !page.contains("<b>") && !page.contains("<i>"));

    let r = get(&d, &format!("/index.html?processname={quoted}&action=stop"));
    assert_eq!(r.message(), format!("Process {name} stopped"));
    assert_eq!(
        r.header("location"),
        Some(format!("http://localhost/?message=Process%20{quoted}%20stopped").as_str())
    );
    let shown = get(
        &d,
        r.header("location")
            .unwrap()
            .trim_start_matches("http://localhost"),
    )
    .body;
    assert!(shown.contains(&format!(
        "<div class=\"status_msg\">Process {escaped} stopped</div>"
    )));

    let msg = get(&d, "/?message=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E").body;
    assert!(msg.contains(
        "<div class=\"status_msg\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</div>"
    ));
    assert!(!msg.contains("<script>"));

    let mut tail = String::new();
    wait_until(WAIT, "the tail page shows the output", || {
        tail = get(&d, &format!("/tail.html?processname={quoted}")).body;
        tail.contains("alert(1)")
    });
    assert!(tail.contains(&format!(
        "<title>Supervisor tail of process {escaped}</title>"
    )));
    assert!(tail.contains("<pre>&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;\n</pre>"));
    assert!(tail.contains(&format!("tail.html?processname={quoted}&amp;limit=1024")));
    assert!(!tail.contains("<script>"));
}

#[test]
fn empty_config_and_static_files() {
    let d = Daemon::start("");
    let page = get(&d, "/").body;
    assert!(
        page.contains("      No programs to manage</form>"),
        "{page}"
    );
    let css = get(&d, "/stylesheets/supervisor.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css"));
    assert!(css.body.contains(".statusrunning"));
    for (path, ctype) in [
        ("/images/supervisor.gif", "image/gif"),
        ("/images/icon.png", "image/png"),
        ("/images/state2.gif", "image/gif"),
    ] {
        let r = get(&d, path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ctype), "{path}");
    }
    assert_eq!(get(&d, "/images/nosuch.gif").status, 404);
}

#[test]
fn web_ui_needs_the_servers_basic_auth() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n\
         [program:idle]\ncommand=sleep 1000\nautostart=false\n"
    ));
    // "user:123" and "user:124"
    let (good, bad) = ("Basic dXNlcjoxMjM=", "Basic dXNlcjoxMjQ=");
    wait_until(WAIT, "the TCP server answers", || {
        tcp_get(port, "/", None).status != 0
    });
    for target in [
        "/",
        "/index.html",
        "/index.html?processname=idle&action=start",
        "/tail.html?processname=idle",
        "/stylesheets/supervisor.css",
    ] {
        for auth in [None, Some(bad)] {
            let r = tcp_get(port, target, auth);
            assert_eq!(r.status, 401, "{target} with {auth:?}");
            assert_eq!(
                r.header("www-authenticate"),
                Some("Basic realm=\"default\"")
            );
        }
    }
    // The refused action did nothing.
    assert_eq!(d.state("idle"), "STOPPED");
    let r = tcp_get(port, "/", Some(good));
    assert_eq!(r.status, 200);
    assert!(row(&r.body, "idle").contains("statusnominal"));
    let r = tcp_get(
        port,
        "/index.html?processname=idle&action=start",
        Some(good),
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some(format!("http://127.0.0.1:{port}/?message=Process%20idle%20started").as_str())
    );
    d.wait_state("idle", "RUNNING", WAIT);
}
