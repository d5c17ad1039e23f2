//! supervisord's web UI (`supervisor/web.py` with `ui/status.html` and `ui/tail.html`):
//! the status page at `/` and `/index.html` (every process with its state, description
//! and actions; the Refresh / Restart All / Stop All buttons), the actions
//! `index.html?processname=NAME&action=start|stop|restart|clearlog` and
//! `index.html?action=refresh|stopall|restartall` (each runs to completion, then
//! redirects with 301 to `/?message=...`, which shows supervisord's message), the tail
//! page `tail.html?processname=NAME&limit=N`, `ok.html`, and the stylesheet and images.
//! The HTTP server (`http.rs`) routes here after the same basic auth as `/RPC2`.
//!
//! Pages are written as supervisord 4.2.5's meld templates render them (same markup and
//! whitespace), with every process name, description, message and log text
//! HTML-escaped. The actions go through the XML-RPC dispatcher (`rpc::call`), as
//! supervisord's web UI goes through its RPC interface, so they have the same effects,
//! faults and messages.
//!
//! The markup below, the stylesheet and the images are those of Supervisor 4.2.5
//! (`supervisor/ui/`), Copyright (c) 2006-2015 Agendaless Consulting and Contributors,
//! redistributed under Supervisor's BSD-derived license
//! (<http://www.repoze.org/LICENSE.txt>; the notice and license text are at the
//! static files below). Changed on 2026-11-23: the markup is emitted by this module
//! instead of meld3 templates, and escapes `>`, `"` and `'` in text too; the stylesheet
//! and images are unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use hyper::{Response, StatusCode};

use crate::config::make_namespec;
use crate::daemon::Daemon;
use crate::http::{error_page, full, RespBody};
use crate::rpc::{self, faults, Fault};
use crate::xmlrpc::{StructBuilder, Value};

/// The pages of `web.py`'s `VIEWS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Status,
    Tail,
    Ok,
}

/// The view for a request path (leading slashes stripped; empty is `index.html`).
pub fn view_of(path: &str) -> Option<View> {
    match path.trim_start_matches('/') {
        "" | "index.html" => Some(View::Status),
        "tail.html" => Some(View::Tail),
        "ok.html" => Some(View::Ok),
        _ => None,
    }
}

/// A static file of `supervisor/ui` (the stylesheet and images), as supervisord's
/// default handler serves it; `None` for any other path.
pub fn asset(path: &str) -> Option<Response<RespBody>> {
    let path = path.trim_start_matches('/');
    if path == "stylesheets/supervisor.css" {
        let css = Bytes::from_static(SUPERVISOR_CSS.as_bytes());
        return Some(full(StatusCode::OK, "text/css", css));
    }
    let i = IMAGES.iter().position(|(p, _, _)| *p == path)?;
    Some(full(StatusCode::OK, IMAGES[i].1, image(i)))
}

/// The images: path, content type, base64 data.
const IMAGES: [(&str, &str, &str); 7] = [
    ("images/supervisor.gif", "image/gif", SUPERVISOR_GIF),
    ("images/icon.png", "image/png", ICON_PNG),
    ("images/rule.gif", "image/gif", RULE_GIF),
    ("images/state0.gif", "image/gif", STATE0_GIF),
    ("images/state1.gif", "image/gif", STATE1_GIF),
    ("images/state2.gif", "image/gif", STATE2_GIF),
    ("images/state3.gif", "image/gif", STATE3_GIF),
];

/// The bytes of `IMAGES[i]`, decoded on first use.
fn image(i: usize) -> Bytes {
    static DECODED: std::sync::OnceLock<Vec<Bytes>> = std::sync::OnceLock::new();
    DECODED.get_or_init(|| IMAGES.iter().map(|(_, _, data)| b64(data)).collect())[i].clone()
}

fn b64(s: &str) -> Bytes {
    Bytes::from(crate::xmlrpc::base64_decode(s).unwrap_or_default())
}

/// The request's form: the query string (the first of repeated keys wins), then an
/// `application/x-www-form-urlencoded` body (the last wins), as `web.py` merges them.
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn new(query: &str, body: &[u8]) -> Form {
        let mut map = HashMap::new();
        for (k, v) in parse_qsl(query) {
            map.entry(k).or_insert(v);
        }
        for (k, v) in parse_qsl(&String::from_utf8_lossy(body)) {
            map.insert(k, v);
        }
        Form(map)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Python's `urllib.parse.parse_qsl(qs)`: `&`-separated `key=value` pairs, `+` as space,
/// percent escapes decoded as UTF-8 (invalid sequences replaced); pairs without `=` and
/// blank values are dropped.
fn parse_qsl(qs: &str) -> Vec<(String, String)> {
    qs.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            if v.is_empty() {
                return None;
            }
            let dec = |s: &str| crate::http::percent_decode(&s.replace('+', " "));
            Some((dec(k), dec(v)))
        })
        .collect()
}

/// Python's `urllib.parse.quote(s)` (safe `/`): UTF-8 bytes other than ASCII letters,
/// digits and `_.-~/` become `%XX`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Python's `time.ctime()` (local time), as in "Page refreshed at ...".
fn ctime() -> String {
    chrono::Local::now()
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// `http_request.get_server_url()`: `http://` + the `Host` header (without a `:80`),
/// else `localhost`.
fn server_url(host: Option<&str>) -> String {
    let host = host
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    let host = host.strip_suffix(":80").unwrap_or(host);
    let url = format!("http://{host}");
    url.strip_suffix('/').map(str::to_owned).unwrap_or(url)
}

/// The headers `MeldView` sets on every page.
fn page(body: String) -> Response<RespBody> {
    let mut r = full(StatusCode::OK, "text/html;charset=utf-8", body);
    no_cache(&mut r);
    r
}

fn no_cache(r: &mut Response<RespBody>) {
    let h = r.headers_mut();
    h.insert("Pragma", "no-cache".parse().expect("valid header"));
    h.insert("Cache-Control", "no-cache".parse().expect("valid header"));
    h.insert(
        "Expires",
        "Thu, 01 Jan 1970 00:00:00 GMT"
            .parse()
            .expect("valid header"),
    );
}

/// Serves a view. `host` is the request's `Host` header (for the redirect after an action).
pub async fn serve(
    d: &Arc<Daemon>,
    view: View,
    form: Form,
    host: Option<&str>,
) -> Response<RespBody> {
    let r = match view {
        View::Ok => Ok(full(StatusCode::OK, "text/plain", "OK")),
        View::Tail => Ok(tail(d, &form).await),
        View::Status => status(d, &form, host).await,
    };
    r.unwrap_or_else(|e| {
        d.log.error(&format!("Web interface error: {e}"));
        error_page(StatusCode::INTERNAL_SERVER_ERROR)
    })
}

// ------------------------------------------------------------------------------------------
// Status page and actions
// ------------------------------------------------------------------------------------------

async fn status(
    d: &Arc<Daemon>,
    form: &Form,
    host: Option<&str>,
) -> Result<Response<RespBody>, String> {
    if let Some(action) = form.get("action") {
        // The action runs in its own task: a client that goes away does not cancel a
        // stop or start half-way, and a panic is an HTTP 500, as in supervisord.
        let (d2, action, name) = (
            d.clone(),
            action.to_owned(),
            form.get("processname").map(str::to_owned),
        );
        let message = tokio::spawn(async move { act(&d2, name.as_deref(), &action).await })
            .await
            .map_err(|e| format!("action task failed: {e}"))??;
        let location = format!("{}/?message={}", server_url(host), quote(&message));
        let mut r = error_page(StatusCode::MOVED_PERMANENTLY);
        r.headers_mut().insert(
            "Location",
            location
                .parse()
                .map_err(|e| format!("bad Location header: {e}"))?,
        );
        no_cache(&mut r);
        return Ok(r);
    }
    let infos = rpc::call(d, "supervisor.getAllProcessInfo", Vec::new())
        .await
        .map_err(|f| format!("getAllProcessInfo: {}", f.message))?;
    let infos = infos.as_array().unwrap_or_default();
    Ok(page(render_status(infos, form.get("message"))))
}

/// `StatusView.make_callback`: performs `action` and returns supervisord's message, or
/// an error for an unknown action (HTTP 500, as supervisord's `ValueError`).
async fn act(d: &Arc<Daemon>, namespec: Option<&str>, action: &str) -> Result<String, String> {
    let call = |method: &'static str, params: Vec<Value>| rpc::call(d, method, params);
    match action {
        "refresh" => return Ok(format!("Page refreshed at {}", ctime())),
        "stopall" => {
            let _ = call("supervisor.stopAllProcesses", Vec::new()).await;
            return Ok(format!("All stopped at {}", ctime()));
        }
        "restartall" => {
            let calls = vec![
                StructBuilder::new()
                    .field("methodName", "supervisor.stopAllProcesses")
                    .build(),
                StructBuilder::new()
                    .field("methodName", "supervisor.startAllProcesses")
                    .build(),
            ];
            let _ = call("system.multicall", vec![Value::Array(calls)]).await;
            return Ok(format!("All restarted at {}", ctime()));
        }
        _ => {}
    }
    let Some(ns) = namespec else {
        return Err(format!("unknown action {action:?}"));
    };
    if !matches!(action, "start" | "stop" | "restart" | "clearlog") {
        return Err(format!("unknown action {action:?}"));
    }
    // `g:*` and `g:` name a group, not a process: "No such process".
    if rpc::lookup_proc(d, ns).is_none() {
        return Ok(format!("No such process named {ns}"));
    }
    let name = || vec![Value::from(ns)];
    let unexpected = |f: &Fault| format!("unexpected rpc fault [{}] {}", f.code, f.message);
    Ok(match action {
        "start" => match call("supervisor.startProcess", name()).await {
            Ok(_) => format!("Process {ns} started"),
            Err(f) => {
                let msg = match f.code {
                    faults::NO_FILE => "no such file".to_owned(),
                    faults::NOT_EXECUTABLE => "file not executable".to_owned(),
                    faults::ALREADY_STARTED => "already started".to_owned(),
                    faults::SPAWN_ERROR => "spawn error".to_owned(),
                    faults::ABNORMAL_TERMINATION => "abnormal termination".to_owned(),
                    _ => unexpected(&f),
                };
                format!("ERROR: Process {ns}: {msg}")
            }
        },
        "stop" => match call("supervisor.stopProcess", name()).await {
            Ok(_) => format!("Process {ns} stopped"),
            Err(f) => unexpected(&f),
        },
        "restart" => {
            let calls = ["supervisor.stopProcess", "supervisor.startProcess"]
                .into_iter()
                .map(|m| {
                    StructBuilder::new()
                        .field("methodName", m)
                        .field("params", Value::Array(name()))
                        .build()
                })
                .collect();
            let _ = call("system.multicall", vec![Value::Array(calls)]).await;
            format!("Process {ns} restarted")
        }
        _ => match call("supervisor.clearProcessLogs", name()).await {
            Ok(_) => format!("Log for {ns} cleared"),
            Err(f) => unexpected(&f),
        },
    })
}

/// `StatusView.css_class_for_state`.
fn css_class(state: i64) -> &'static str {
    match state {
        20 => "statusrunning",
        30 | 200 => "statuserror",
        _ => "statusnominal",
    }
}

/// `StatusView.actions_for_process`: `(label, href, target)` or a hidden slot.
fn actions(state: i64, q: &str) -> [Option<(&'static str, String, bool)>; 5] {
    let act = |label, a| {
        Some((
            label,
            format!("index.html?processname={q}&amp;action={a}"),
            false,
        ))
    };
    let clear = act("Clear Log", "clearlog");
    let out = Some(("Tail -f Stdout", format!("logtail/{q}"), true));
    let err = Some(("Tail -f Stderr", format!("logtail/{q}/stderr"), true));
    match state {
        20 => [
            act("Restart", "restart"),
            act("Stop", "stop"),
            clear,
            out,
            err,
        ],
        0 | 100 | 200 => [act("Start", "start"), None, clear, out, err],
        _ => [None, None, clear, out, err],
    }
}

fn render_status(infos: &[Value], message: Option<&str>) -> String {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut rows: Vec<(String, String, i64, String, String)> = infos
        .iter()
        .map(|v| {
            let state = v.get("state").and_then(Value::as_i64).unwrap_or(1000);
            (
                s(v, "group"),
                s(v, "name"),
                state,
                s(v, "statename"),
                s(v, "description"),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));

    let mut o = String::with_capacity(2048 + rows.len() * 1600);
    o.push_str(STATUS_HEAD);
    match message {
        Some(m) => {
            o.push_str("<div class=\"status_msg\">");
            o.push_str(&esc(m));
            o.push_str("</div>");
        }
        None => o.push_str("<div class=\"hidden\">#</div>"),
    }
    o.push_str(STATUS_FORM);
    if rows.is_empty() {
        o.push_str("No programs to manage");
    } else {
        o.push_str(TABLE_HEAD);
        for (i, (group, name, state, statename, desc)) in rows.iter().enumerate() {
            let namespec = make_namespec(group, name);
            let q = quote(&namespec);
            let shade = if i % 2 == 1 { "shade" } else { "" };
            o.push_str(&format!(
                "<tr class=\"{shade}\">\n            <td class=\"status\"><span class=\"{}\">{}</span></td>\n            <td><span>{}</span></td>\n            <td><a href=\"tail.html?processname={q}\" target=\"_blank\">{}</a></td>\n            <td class=\"action\">\n              <ul>\n                ",
                css_class(*state),
                esc(&statename.to_lowercase()),
                esc(desc),
                esc(&namespec),
            ));
            for a in actions(*state, &q) {
                o.push_str("<li>\n                  ");
                match a {
                    None => o.push_str("<a class=\"hidden\" href=\"#\" name=\"#\">Action</a>"),
                    Some((label, href, blank)) => {
                        let target = if blank { " target=\"_blank\"" } else { "" };
                        o.push_str(&format!(
                            "<a href=\"{href}\" name=\"{label}\"{target}>{label}</a>"
                        ));
                    }
                }
                o.push_str("\n                </li>\n              ");
            }
            o.push_str("</ul>\n            </td>\n          </tr>\n        ");
        }
        o.push_str("</tbody>\n      </table>\n    ");
    }
    o.push_str(STATUS_FOOT_1);
    o.push_str(rpc::SUPERVISOR_VERSION);
    o.push_str(STATUS_FOOT_2);
    o.push_str(&chrono::Local::now().format("%Y").to_string());
    o.push_str(STATUS_FOOT_3);
    o
}

const STATUS_HEAD: &str = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
  <title>Supervisor Status</title>
  <link href="stylesheets/supervisor.css" rel="stylesheet" type="text/css" />
  <link href="images/icon.png" rel="icon" type="image/png" />
</head>
<body>
<div id="wrapper">

  <div id="header">
    <img alt="Supervisor status" src="images/supervisor.gif" />
  </div>

  <div>
    "#;

const STATUS_FORM: &str = r#"

    <form action="index.html" method="post">
      <ul class="clr" id="buttons">
        <li class="action-button"><a href="index.html?action=refresh">Refresh</a></li>
        <li class="action-button"><a href="index.html?action=restartall">Restart All</a></li>
        <li class="action-button"><a href="index.html?action=stopall">Stop All</a></li>
      </ul>

      "#;

const TABLE_HEAD: &str = r#"<table cellspacing="0">
        <thead>
        <tr>
          <th class="state">State</th>
          <th class="desc">Description</th>
          <th class="name">Name</th>
          <th class="action">Action</th>
        </tr>
        </thead>

        <tbody>
          "#;

const STATUS_FOOT_1: &str = r#"</form>

  </div>

  <div class="push">
  </div>
</div>

<div class="clr" id="footer">
  <div class="left">
    <a href="http://supervisord.org">Supervisor</a> <span>"#;

const STATUS_FOOT_2: &str = r#"</span>
  </div>
  <div class="right">
    &copy; 2006-<span>"#;

const STATUS_FOOT_3: &str = r#"</span> <strong><a href="http://agendaless.com/">Agendaless Consulting and Contributors</a></strong>
  </div>
</div>
</body>
</html>"#;

// ------------------------------------------------------------------------------------------
// Tail page
// ------------------------------------------------------------------------------------------

/// `TailView`: the last `limit` (at least 1024) bytes of the process's stdout log.
async fn tail(d: &Arc<Daemon>, form: &Form) -> Response<RespBody> {
    let (title, text, refresh) = match form.get("processname") {
        None => ("None".to_owned(), "No process name found".to_owned(), None),
        Some(name) => {
            // min(-1024, -int(limit)) when limit is all digits, else -1024.
            let limit = form.get("limit").unwrap_or("1024");
            let n = if !limit.is_empty() && limit.bytes().all(|b| b.is_ascii_digit()) {
                limit.parse::<i64>().unwrap_or(i64::MAX)
            } else {
                1024
            };
            let offset = -(n.max(1024));
            let params = vec![Value::from(name), Value::Int(offset), Value::Int(0)];
            let text = match rpc::call(d, "supervisor.readProcessStdoutLog", params).await {
                Ok(v) => v.as_str().unwrap_or("").to_owned(),
                Err(f) if f.code == faults::NO_FILE => format!("No file for {name}"),
                Err(f) => format!("ERROR: unexpected rpc fault [{}] {}", f.code, f.message),
            };
            let href = format!("tail.html?processname={}&limit={}", quote(name), -offset);
            (name.to_owned(), text, Some(href))
        }
    };
    let mut o = String::with_capacity(1024 + text.len() * 5 / 4);
    o.push_str(TAIL_1);
    o.push_str(&esc(&title));
    o.push_str(TAIL_2);
    o.push_str(&esc(&text));
    o.push_str(TAIL_3);
    if let Some(href) = refresh {
        o.push_str(&format!(
            "<a href=\"{}\">\n    <input name=\"refresh\" type=\"button\" value=\" Refresh \" />\n  </a>\n",
            esc(&href)
        ));
    }
    o.push_str(TAIL_4);
    page(o)
}

const TAIL_1: &str = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
  <title>Supervisor tail of process "#;

const TAIL_2: &str = r#"</title>
</head>
<body>

<div>

<pre>"#;

const TAIL_3: &str = r#"</pre>

<form action="index.html" method="POST">

<div style="margin-top: 10px;">
  "#;

const TAIL_4: &str = r#"</div>

</form>

</div>

</body>
</html>"#;

// ------------------------------------------------------------------------------------------
// Static files of supervisor/ui (unchanged)
// ------------------------------------------------------------------------------------------
//
// Supervisor is Copyright (c) 2006-2015 Agendaless Consulting and Contributors.
// (http://www.agendaless.com), All Rights Reserved
//
// Supervisor is licensed under the following license:
//
//   A copyright notice accompanies this license document that identifies
//   the copyright holders.
//
//   Redistribution and use in source and binary forms, with or without
//   modification, are permitted provided that the following conditions are
//   met:
//
//   1.  Redistributions in source code must retain the accompanying
//       copyright notice, this list of conditions, and the following
//       disclaimer.
//
//   2.  Redistributions in binary form must reproduce the accompanying
//       copyright notice, this list of conditions, and the following
//       disclaimer in the documentation and/or other materials provided
//       with the distribution.
//
//   3.  Names of the copyright holders must not be used to endorse or
//       promote products derived from this software without prior
//       written permission from the copyright holders.
//
//   4.  If any files are modified, you must cause the modified files to
//       carry prominent notices stating that you changed the files and
//       the date of any change.
//
//   Disclaimer
//
//     THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS ``AS IS'' AND
//     ANY EXPRESSED OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED
//     TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A
//     PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
//     HOLDERS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
//     EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED
//     TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
//     DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
//     ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
//     TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF
//     THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
//     SUCH DAMAGE.
//
// Changed on 2026-11-23 for this project: status.html and tail.html are emitted by
// the code above (same markup) instead of meld3 templates; supervisor.css and the
// images are embedded unchanged (the images base64-encoded).

/// `ui/stylesheets/supervisor.css`.
const SUPERVISOR_CSS: &str = r#"/* =ORDER
 1. display
 2. float and position
 3. width and height
 4. Specific element properties
 5. margin
 6. border
 7. padding
 8. background
 9. color
10. font related properties
----------------------------------------------- */

/* =MAIN
----------------------------------------------- */
body, td, input, select, textarea, a {
  font: 12px/1.5em arial, helvetica, verdana, sans-serif;
  color: #333;
}
html, body, form, fieldset, h1, h2, h3, h4, h5, h6,
p, pre, blockquote, ul, ol, dl, address {
  margin: 0;
  padding: 0;
}
form label {
  cursor: pointer;
}
fieldset {
  border: none;
}
img, table {
  border-width: 0;
}

/* =COLORS
----------------------------------------------- */
body {
  background-color: #FFFFF3;
  color: #333;
}
a:link,
a:visited {
  color: #333;
}
a:hover {
  color: #000;
}

/* =FLOATS
----------------------------------------------- */
.left {
  float: left;
}
.right {
	text-align: right;
	float: right;
}
/* clear float */
.clr:after {
  content: ".";
  display: block;
  height: 0;
  clear: both;
  visibility: hidden;
}
.clr {display: inline-block;}
/* Hides from IE-mac \*/
* html .clr {height: 1%;}
.clr {display: block;}
/* End hide from IE-mac */

/* =LAYOUT
----------------------------------------------- */
html, body {
  height: 100%;
}
#wrapper {
  min-height: 100%;
  height: auto !important;
  height: 100%;
  width: 850px;
  margin: 0 auto -31px;
}
#footer,
.push {
  height: 30px;
}

.hidden {
  display: none;
}

/* =STATUS
----------------------------------------------- */
#header {
  margin-bottom: 13px;
  padding: 10px 0 13px 0;
  background: url("../images/rule.gif") left bottom repeat-x;
}
.status_msg {
  padding: 5px 10px;
  border: 1px solid #919191;
  background-color: #FBFBFB;
  color: #000000;
}

#buttons {
  margin: 13px 0;
}
#buttons li {
  float: left;
  display: block;
  margin: 0 7px 0 0;
}
#buttons a {
  float: left;
  display: block;
  padding: 1px 0 0 0;
}
#buttons a, #buttons a:link {
  text-decoration: none;
}

.action-button {
  border: 1px solid #919191;
  text-transform: uppercase;
  padding: 0 5px;
  border-radius: 4px;
  color: #50504d;
  font-size: 12px;
  background: #fbfbfb;
  font-weight: 600;
}

.action-button:hover {
  border: 1px solid #88b0f2;
  background: #ffffff;
}

table {
  width: 100%;
  border: 1px solid #919191;
}
th {
  background-color: #919191;
  color: #fff;
  text-align: left;
}
th.state {
  text-align: center;
  width: 44px;
}
th.desc {
  width: 200px;
}
th.name {
  width: 200px;
}
th.action {
}
td, th {
  padding: 4px 8px;
  border-bottom: 1px solid #fff;
}
tr td {
  background-color: #FBFBFB;
}
tr.shade td {
  background-color: #F0F0F0;
}
.action ul {
  list-style: none;
  display: inline;
}
.action li {
  margin-right: 10px;
  display: inline;
}

/* status message */
.status span {
  display: block;
  width: 60px;
  height: 16px;
  border: 1px solid #fff;
  text-align: center;
  font-size: 95%;
  line-height: 1.4em;
}
.statusnominal {
  background-image: url("../images/state0.gif");
}
.statusrunning {
  background-image: url("../images/state2.gif");
}
.statuserror {
  background-image: url("../images/state3.gif");
}

#footer {
  width: 760px;
  margin: 0 auto;
  padding: 0 10px;
  line-height: 30px;
  border: 1px solid #C8C8C2;
  border-bottom-width: 0;
  background-color: #FBFBFB;
  overflow: hidden;
  opacity: 0.7;
  color: #000;
  font-size: 95%;
}
#footer a {
  font-size: inherit;
}
"#;

/// `ui/images/supervisor.gif`, base64.
const SUPERVISOR_GIF: &str = concat!(
    "R0lGODlh8gAtANUAAJqakuaSjFpaVvjw6dhvbPXb1v//+Ou3svLi2//+9frq5LMDAroEBN+Miq0BAfPUzuiopf//",
    "/bsrK+7FxO3EvdhZVcdIR992c8kJCfHKw8YICMgkI8M3NdZKSLUWFr8GBs1aWNU6OMcZGS8vLeqxrfzy8Nx/e9li",
    "X70MDNNBP7QODf76+e27tv788dALC9EnJv349eWemtZSUMxQTv347dEYF8MICMMHB7IHB84xMLohIMcODsTEu9TU",
    "yv//9P//8yH5BAAAAAAALAAAAADyAC0AAAb/wJ9wSCwaj8ikcslsOp/QqHRKrVqv2Kx2y+16v+CwWEozdToXxXjN",
    "brvfSlrFRXeF1PC8tzVQDFp6gVwsdXUxPoKJVCwEIS81LykVAQWKllEHhXQBCZeeSg8ymoU1F4CfqEYKL6QFBoip",
    "qRmso4UynbG5Pg8dNXYsK6+5nwi0tXUkwsOpPhEFDzAREcrLiieFGHYXDRcpLjUl1NWXPgbS0uLjegg12RjZJ9Hn",
    "EzHTsOrkPuXp+HAxLu/e1VCAzpy5aUQOBFi4kESRDAwXxqBRhAbECzJCaExxokGGJw8CVNh4IsCDJQpYBCAgI4XG",
    "ECkKkIgYYKIRiBE//hhAk9IR/woXOmjsQAACAiUKYhBwGWLSyTgPYpg4IfRlAE8EAr7LEeyVPgNg7/2QoRVDCrEX",
    "ytYYMKRMjh1ly3ZwqKTAiR0Ay7oggKcIhQrt3Gl9QeNE3KdEOpRlgehBXBJiC1SIK/ACxSItArygvKNCJVUmcuR9",
    "LFbQ5IAaXoQTq6/I6YAdqJko+2IArAxaNWDQoDs3BlNIZvXm/W54js9EyBL3TcDAgeK6NRwiMmDDbt6qf+yCu/vd",
    "gXsIckDvHjDEqbaTlxcP+IKCERbr44pQwC/PCd74NUAwwKRCfg2x3WPCf6rx90MG/2mwwwYi7JAgAUc8IEJ+GIjQ",
    "YH43hMBWcgnih//BfiVsQOEJ1FBAIQH2POCghwcI04IMHea3n1j3/bdifhsgJ8QBMeqWgj2WDIifDRqIQJcSFRCJ",
    "XwcRCIiBDUTaUJuBCPJmww02QFBCCQXMFiVvMVSUQn4ixKBACaHccIOVJoglA5RKvhADCxBcgECTNfJ2Qw4w3NPA",
    "fwcgpOKVGqzZIiIsrFkolDJAoJAjJTQ5RAwYitDAAyykAOeaHYjFowZK2nDBASQ0AEEEuChCgZpXqqnmCYgdUYGr",
    "WAY4hAm02rBBOEJkACWWWGZwTgQNuHrlBn39QAKrRAZ6Dgw5tKrBBhsKIQOrWMowrD0ktHrlDg/cc62ruwqjIq0a",
    "HPr/wwXG2hDCCs8WAOQPNLxA6w2nSlPdvYwNkSizGsh7Tn15tKDpDR/ci0IFsRJRQcIJ38CkgGpGXG6vrkY8wTRg",
    "QQuxmtNZ+7G2HINVbMT4GjjWBzZErC1YYfmggAgtVwwBLgpsgPIJQKoYccLqdgBxwiiWLM09ByAcMVclF4swwjKo",
    "nLTSWD5QMsFw+JCBCB907TXLH+zQgKxff2CrECaUTS2VZX8wgTDlXFB21EIgwHXXNtSjjA8UfG1Dc0PIMHfMrfnw",
    "8NfNIVp2MgY+gELZQZfNpFf6tCbECWWjSHkGZc8HywFl2/AA5aUlYgALd7fd9QmXDXG41xZIirbaJeDC/3nZb98D",
    "gdo0KP71xmIh0LLXKSgj+NczgGXE7l9zsAIiaXs9n+yOQy7MBQyU3cB5mIVQdj33zJy91xTgAnrZo5duSTkPWDD+",
    "B9nH/wEBYoEgPwNn/2CC/B+s3Sv8AHRbibo2PhQUABExCCAKEKAMBUQFBeNjAAf6JIQZeC17ySudAjygwAP+wH0E",
    "fBksHHc/dVEggvFLAQlaNwQF6OB+ybhHdQCYvRgY6AD8+0D6dGGAFUCAA/BjgBCHyACdCKECRGRA7ASURP8dKIkM",
    "yN0QHgDFDPBnf0NEAQkg0IAKcGADUGTArmBhQSImT2VD8EEHkrgf8Q1Rb1OEIBHV9YMThP9RggcoQgHkOEQWUKMF",
    "HEiiCYSBQyLqEGuK2IcPXwjFE9zDfkP8gAVk08QBGOiESZSiEEhIxLet646gZEAOePWDGSQxg0eIQRLpV0ghLpAa",
    "nByiunxQGFACRwgFgKIf7wFIQRISijscxj6cIYEhLkCIHEgALCB5TCXKTn9J1EEJbgNFTf6Aipl8hQmamcRjLgAF",
    "G+AACEwQAwrcCRemNKPyjLBHInLAAFgU4gzmdU0IcpOO5fhhNxmwgAsMIZdCbCYLntnLgDLABJJqJT8ZEMxl7IME",
    "C22mDmwjBPt5U4myuegCnHhCjVqzowvFgSt80ICIMsADFpgBOVlQgEhtSxn/M9AoKo3gAwtcdIHu8yYcp4gDjeKz",
    "YyRIgUkXsACdIEAFJo1hW4rpzQUEgJAaZSgiP+EDBHiAqFjVgQJwAQKsEnWSKtumV6UJCwp4lajWhMBZpfkKEpwV",
    "BNsa2NXIeNYlIiEAZ42BBLCqAnml6po44CdW6aidckiDAGddgAk6QQOmYhV8LdTBWUmQ0LNKVX25KIAKzioBUnbV",
    "q5MUkFcZMFEqJdaaF6grQgrQU6xKAF4wg1nlLFfBs86Una0l6gk2S1QO0BOwZyWsEPYxAMl6FQTCiKlXEzdFwRK1",
    "r1A9a0NRAoAmAIAHV+DeEBqQWAsEo6J1NUCqTOCAsdZOCGY9/6smG1terDYAIYA864wqtwTlYtWuR/ABB3Krg9y+",
    "VxwPyC1RhZvGBOzVq6jEq1ffeY8YtLe3wUDEAc6Kg+kOAQAjGIEAhDAAAWh4wz/ogYdH0IMLf7i6PwAAilVsYg0f",
    "hQgEOAEFNsQT3rbXAU81kFgXUN6+ipbHRC0teoEMZE1yl8gqYCAsYkBkB+jAiERoQcNK2eTbFoGkRH1weSv8zE22",
    "trwOoGMGWJiBzd6YuVa98QIgIwT2Evm/OyIyUS0cYhLTAMU8EIAAWJzi6gIAxHcegYqx+4M9C+HPQzA0AEo8hAF4",
    "wAFO5gAHdABpMEPaAwS5IaSB7AAOkKAABWCBBf82DWkh/4ACpIb0BJRJgwb0tNIOQKjsBiABMPNYBQQgQQYyQAEI",
    "EEACmC7CDFKN3wjhwNaVdl46AoxsdW2QAw04AAViQGkeg5myiPABASrNYw/E4AEUsKmlJyq7A1h6zvxAgKCLgGgj",
    "8GAERBgBoYVg6BSD+AeCrtYQSABra8O60nqDBXv/7QAVqIDgTrYkegkuARDMoNb/7uy8+HZsguOg4gAXy7BhHdok",
    "ABLhF/gtYP+trgAg/N8TbCCl/31wggd8RwSn8w/eLQBG27sIPfgzvIcgbyLUu90h9vC8K3ryf8taZT5gAcaLXmkP",
    "KPzUTI+4vNYpBAPEoOVR5wD3Nl7/6WLTlLwE3xgavUzyV9CAA1H3gNX2loFHR/3oQzD3v2W+EwxvCOgzl/e74z30",
    "n9/70D0fAtdP7m10iMU5K486DuJxyahXGgR3ovpwDTABiDNdAgq4x6g5jsgMEFwHMODHAwgewzQXnQPCojr70E74",
    "99JT7rCmcw+wq25C/3kAuC90dffO8+q+mM96vjC9USyEFpAABDpwO6RVAO07ibwcCmjApJeOAw80nBLoWPi/k6+C",
    "6usABAM1PE0NUAIIWCDxDvA+CCBAkHv8WgLwl0Bz/mqEFlgg/vBHKD8KgH/4U0AYCBAAFuABLVd9FgAB8iAO5QAD",
    "MTCAlaYC8icwkkcB//0nASNlBD3wYfembhmGXRimc8SHYRomBBmoZ8FHbxo2Ai9WdeYAAwiQASzAAhPgfOJnBAlw",
    "DgPwABMQgxPwAAoALwNTVmE3AKCGAEDIMZhlWBGQgxQggw9Ag/TUDC+FWZMXV5JHBAcxLHAjDWgyAT04AAPDD+UA",
    "LwoAgxRQAEeYDkqohZjFAzbHYTywgj1QYnFIBLNHBArAA/pGgkM3XGtohVgzTHEVhl6hfbC2MS9ViEkgiIMoW2kE",
    "FuggcuM3DQWBWZB4EGGhHTADiATDiFoohpdYEML0FbFFOUxAiqVYDvQ1BKj2b28jW4p4ivsQW6pYOrO1ikpwi7hI",
    "U7rIGmmoGDOyOIvAmF+9qA6zRQXHmASteIhTFYy0NQ676ATR2A+fsIyVZk3UmI3ayAbWqGrNuI3gGI5T0I0OgI3i",
    "eI7oKAXk+H9UmI7u+I5E0D4WMI/zSHfweI/u+Ic1iI/8eI+xVTL9GJBdEAQAOw==",
);

/// `ui/images/icon.png`, base64.
const ICON_PNG: &str = concat!(
    "iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAABmJLR0QA/wD/AP+gvaeTAAAACXBIWXMAAAsTAAAL",
    "EwEAmpwYAAAAB3RJTUUH3QMZDiEac6YGBwAABjNJREFUWMPlV21sFNcVPffN7OyXWS/rtRe78VeMI4ztHzhqAgWR",
    "ug1CDTQgGRqCBbZxK7Crkj9UpE0kpDZGilTX4Q/gRKigulUVJxFVqraCSCVKiGScxKVrY5fgFNvx167t3TVmd3Y+",
    "3u2PNSiqFImldaWqoxnN6Om9ueed8+557wL/7xdlO4CZH4vFY80TExMbjLSBVb5VrrJHy86/H/6wZ3vd0/aKAmDm",
    "TX19fe92dXXl6rquAAARUVVVldFxsuO6IPHEigFgZm1wcHD+2LFjOZpD+/JItm2bykrLxrtO/bLbqblOZgNAZNH3",
    "1fPnz7s0TQMTAL6PjIRQeHxivGRoaPhEtgw8MIBIJFIVDofF/bgAmJc5JBAR4Vpfn5qwlrZlA0B90I6JREK1bZsg",
    "M+EZgCACS4AhwRCQthSqohgrwkBlZeWUw+FIZYIxAIbke99gQKKsvAweuD5aEQC61H/V3t7uYWZk7owEmYeJhJB1",
    "dXWXiMhcEQBuxf2XioqKuaKiokWhEBMYRBkm3C53+vENG+KhUOjMii1CZv7O0OBQMD8/f06QEBkKCABxIBDgvd/b",
    "q90YufHKfxwAM+9k5kMAWl0e982Okx2POhyOjA5gSGlTdU2NWln5WI4QwsvMR2y2X2Xmg/9WFtyOjIk8b17/hQsX",
    "6i5e/L25e/cua9OmTWo0Ep1h5jWSCcwMAvHAwMDS6dNnops3fyPU3Nxy5ouJCezavQumbW5zKI4DD+WEd1N3f9Tx",
    "85On+q71UUtzM5gZY2Pjkx9/3F+Y0nVBGRvOZIMENKfGlmmSlBIggm1Z3NjYKFtaWtSHksCS1p6R4eG01+0x6uvr",
    "k9u3b1+6fv16USqli3suKGUmOIFgpg3SNI2Li4sXvlVfL91uN8bGbuMPn/xJfSgJHKr265LS0q3DwzfQ2tqqAQBL",
    "gMSyCwKge5ZMGTfQdZ0ikains7OT4vGEDggnQGJucf7poC/vvawYmInP/PnJJ5+Ysm0bzAzJDKbMG5Lvt0mW4C+1",
    "6XrKdfBgE1VUVKjptI5nNmzrH781/tusJEizLkKrCq719r5VJITCUvK9aWdWP4FZApCAz5cLKeWyKpkllUwm4fV6",
    "eGTk79i3b//6XL/vg6wk0OBsOPGzn65JLCYgSJAQAlJKAIzCwiLMz89J0zQVBhAIBOYWE4nVUkoFAPv9ubS4eAeX",
    "L78Xf+edt29H5qN/LcjLP5EVAyOfjTzf399PYOZ169aZwWCQmRmWZVNzU9Nsbq5fYc7MWQiR7OzqHDtw4EAkGAym",
    "XC6XwSyxsLBQAOCPoWDBYSKayQqAbUkHEbFhmtTW1jZZVFSUlCyRF8hLb966ObK/8fmZdNqAlBJlpaUlNdU1325s",
    "3P9+TU3NzampaY0l8NRTW+8AwOTClDPrNKyuWt+9ZcsWKEJB99mzBQMDA17LtLBnT4Maj8VDJY+UkJQSxASny5X5",
    "kSKqwuFwLRGxN8djHz582Ozt7T1RuHrNxawBjMcnLx8//uOoqqpGStcBAOXl5fzcvueUF4//xKc61BxVVQECpqen",
    "F1Op1NVDLa1fi0QiCjNTcXHJotvtPhQIBOjTTwa+nuZ0QdZO+Pns7dqrlz784Ny5c7mKouL17jPm3MKCo7ysLN3U",
    "1KRIZmlblkZEUnM6KZVMkdPpnLdMK0+y5O7us0ZPz2+0HTt2RNc/Xl3jFe7oAzMwOT15QUnTqZnZGZeUEpJtGKZJ",
    "b3S/wf6A/1bXa68NVFasTUkJ2LYULBkNDQ3ofevN+e8+uxOGYVBTU7MzHP4bVVVX6V8V/CvTcGp6eufLL74USJsm",
    "19bWpKRkR+v3f6CGCgpSLNnh9DhjR1846mtra4OUjI0bN1J7e9sPiei0Le3XfT7fM8lkMnGk7cjsyOTIjqw3o4Wl",
    "WK2ZNC7p6bQjPy/4iiHN4D8++/wlv98fD4VCRsOevashpWIYhmAGcnK8Vs/veq76vL5vRu7OiXxP3ioAZMK8o5Fm",
    "Z70XBHJWhwEU/kvzywAwOjrKtmWZa9eupaGhG7AsE36Hn7B8FCvwBiWAxIrVcrFYbPro0ReWmHkwFostXbly5Yto",
    "dO4mMyv/lWJSN/Rf3BodTUqWjyyfmPJn7ajjf7Y6/ict7i6/0gb+hAAAAABJRU5ErkJggg==",
);

/// `ui/images/rule.gif`, base64.
const RULE_GIF: &str = "R0lGODlhQQACAIAAAN7e3ry8vCH5BAAAAAAALAAAAABBAAIAAAINjI+py+0Oopy02otzLgA7";

/// `ui/images/state0.gif`, base64.
const STATE0_GIF: &str = concat!(
    "R0lGODlhPQASAOYAAOTmffT2kvT2k+zuiO7wivP1kevthubof/L0kOPlfOnrhPHzjujqg/Hzj/T1kuvth+bogO/x",
    "jOjqguTmfOzuh/L0j/DyjfP2ku/xi+TlfPHyjvP1ku/wi+fpgeLle+Pke+fqgeXof+XmfefogOLke/P0kfDxje7v",
    "iufpgOnrg+bnf+/yjejrg/P1kOjqgfDxjObpgPP0kPL1kfLzkPL1kPHyje7wi/H0j+XmfuvshejpgfHzjeHkevDz",
    "jvDyjOLleurrhPDyjvLzj+jpgu3uienshO7xi/L0kfX2k+Tnfe/xjefqgu3viOTnfu3wiurthePmfOfpgubpgePk",
    "evT1kenqguTmfu3uiO7wjO/wjOzth+7xjOPlevP2ke/yjPL0junqg/T1k+Xnf+zthurshOPkfOjrgurshunsg/X2",
    "kurrg+vthebogeXnfezvieLlfOfogevsh+PlfeztiO3viuTnfPDzjezuienrgu7vi+Xnfu3viershePle////+Lk",
    "eiwAAAAAPQASAAAH/4ACAQKEAQFIhoKEhEiFiwFhg2mKiYWRApODlYOMnQKNAhcOGxsOYQ4BDhcXARelhq2pDoKo",
    "hqyisrSwt6gCDqqoG7ysoQXGXcZUDgUbysalBb/LG8zG1gUXBcjU1NfY2takVKTGrstUBUclCCUyBTFH8THsLQju",
    "LS0xMe0lLTI0NNb108fPH0CB+BAcifGvBY10+gDKuIGgIgIhMypWmDGjAgKPICtUaPAxY0aNIEluRHDyo8eMIj1+",
    "vCGEokUhDRos0Lnzy40FO3UKARpUaNAvQHXeyLlgaE6kOxcsbTCVp9QGQ4Fq2FFDg4YgQWqE3aHBgoUdC3bY2WFB",
    "Qw8LPf+81nj7VcMCt3Dl0g1it0eNv3YtgEXblm0EE4gjWFjho7ESEz68rPDS2ILiwy8Wv0C8QsmLFZZNZF6x2UTn",
    "zy8ipI6gxIeSFaBNRPDywggHDEYiYIigm3cW3EawRMiiOwuH2xhuc8DCYUty48iVM3fePLkRGxiY24hgZDdvAnkI",
    "OHFC4ASB8ydsnD9P57wN8+vJqyfw/gT88/Ld218Pnzz8+0TsIeAebhAoIBMDHrjHFQkq2CCDCSL44B5EMMFggBje",
    "IWCAA1BAwQAdguihhx2SKOKHH4oI4opaoLhiiiyuGOIcMmohogE45mjAGDk+EIcBDwD5wJA4Bhlkj0AieWT9kUkS",
    "eaSRPD4wRpB8VGllDjmcYSUfT/CRg5Vn5NBllV2u4eWVY3LJh5lfbummm20qIGcRcqoBRAopAAGEAikoQEYKapAB",
    "RBFF9CmnoQqgMWehcvLZqKKNNrpnn4YOCoQEDIAhAaYMMCABCxLgYQYDLHTqaaamgkrqp51WAUaqmIJaKgNVeFrq",
    "pphWIUGto0oAQhRLuNBBFB0s0YELOvgahbAuDAHCEjqAIIGwz+owRAcgdDBEtNNiC+212Q7hAgjIdqBttNdGQS4I",
    "KIwAgRQowAEBBB24iwIb86IwLwxSjNCuuyPAoC8MEBDs7wgAC1zwwgXDKwUE+rJx8L6BAAA7",
);

/// `ui/images/state1.gif`, base64.
const STATE1_GIF: &str = concat!(
    "R0lGODlhPQASAOYAAIOw64Gu6Ye07nuo5X+s6H6s54+684Wy7H2r5o+784az7Yu38ZC79Im174y48oCt6YCt6ISx",
    "7Hyq5oi07oez7X2q5oSx64y48Yi173qp5Yq38Hyq5X2r536r54m274Wy7Yy38Ym28H+s54q28I+69Hyp5X+t6I65",
    "84u38Iu48Y248oGu6o2584668oKw6oGv6Xyr5nuq5oq274Ow6o658om18ISw64i17ou28Iay7ICu6Yaz7nyp5n6r",
    "5o248Yay7YOx64669ISw6n2q536s6JC89IOv6oSy63up5oWx7Iez7oCu6H+t54q18Iu28Yq28Ym17n2q5YKu6Yy3",
    "8I2684q38Yy58o268n+r54+89Iq174Gt6YCs6Iu48Huq5X6q54Gv6oWx646784iz7oSy7Ii074y58Y2484Wz7IOx",
    "6oWy64m07oaz7Hyr5Y679IWz7Xqp5I258o6684Kv6o+79Hqo5Xup5Xup5Huo5Hqo5P///wAAAAAAAAAAAAAAAAAA",
    "ACwAAAAAPQASAAAH/4B0DHSEDIaDhFmHiIeEdIqNhYNFdEWUlIOIhZCERZkMCXQGCaEkdCSkoQkGdAkkr6eprayu",
    "rwyjtKaEsq2khKaorIRyQQYkuHKjcqsGuMUGyQnLzc7QcslizdfHYm7QxcTJ19u0cidyNOfmLFfXJy1yLfDu7O7w",
    "8uNUJ1Qt7+YtNNK5GwePysB2NOIoXKiQBUOHChM2fLgwIUQVCVWoWAgxzkaINFSc+bjwwgUHDlSgNIkypZWVDk6y",
    "RKniZcyYF3ysNGklpwofPi6YERpTpQOgN08uuLBgQYqmIJyCSBF1KogpUKVSXWAVa9SmXVKg4Op0wRQQUVN0kZq1",
    "7IUqGv/ijkCBwgmOBXFRzMXxRANdu3j97u1LNy7fuXGfOIHrRMOIuBqqjMA7AsdjDThCeNgcokkIGSFGePjsocaI",
    "EDVCfA49Wkbp06k9jNDSebOMGjJmN5Etw3UDzR52l65Bu0EDKBgwQCnTILlx48kxNGfu/Hn05tKfN7jhPPuN48q5",
    "Y7+xZvuNGxPSpxcgYAx7Aerfw2//Pn79+ewn5FeiP//8/uutx54CBCpAAQUFKqAEggca2GCBCzroIIIERkjgDgrs",
    "QOGBB2KYIQU7aEjhBwccQOKJJZr4wQ85HPADiSam+MGKLb6YYok5fNDiAWwc0CKKLqKx4wFvzNjiERFYoGTIBExa",
    "EMaSSpJhQQRJNPnklFFOWWUSFhwxJZJMJtklk2osGWYEXjKZBABs2mBDGjOwCcQMQrAJgBA2sBknAHPWySaedgIQ",
    "JxB17sknEDYY2qaegdowxxxGPCrppHO4UCmllFpq6aORTrrpppxK2ummRriwaQCopvrCCysE8AKqrbYqhausugpr",
    "ALIGAIatUtSaaqup6uqqFCsAC2wAEECggw4PMJvsA9BuwewDEFBLbbXRTlttstgmu4QOz3K7BARLWAvts+VWGwgA",
    "Ow==",
);

/// `ui/images/state2.gif`, base64.
const STATE2_GIF: &str = concat!(
    "R0lGODlhPQASAOYAAHzTcoXce4bce4jdfoPaeI3ihILXd4nfgHnSb4rgf4zigYrff4DXdYPZeI7ig5HlhpTniZLm",
    "iJLmh3/WdHvTcJPniHrSb3jRbnnRbYfdfI/jhJDkhYTaeYnefo3hgpHlh3rScIHYd4zhgpPmiIvggZDkhnzUcoje",
    "fofcfIbbe3/VdH3Vc3vTcXnRb4/jhYfdfXrRboHYdovhgYLZeH7Vc3vScHzUcX3VcoLYd4vggH3UcpHmh4nff43i",
    "g4TaeoDWdXvSb4/khI/khXzTcX7Vco7jg4zggYDXdo3igoXaen3UcZDlhYTbeoXbe4XaeZDlhn7WdHzTcHrRb4LY",
    "dn3Uc5LniIbbeojefYfcfYvhgH7UcozhgX7VdInefZLlh5LmiXrSbozggIzigpTniI/lhZHmiH/Vc37Uc4TbeYHX",
    "doHXdYndfo3hgZHliH/Wc5LniYXbeYHXd47khIzhgHzScHrRcH3TcpPmiYXbenjQbnjQbXnQbZPniXnQbnnRbv//",
    "/ywAAAAAPQASAAAH/4B8EHx8FYQQhhCDhIQVFYiHgpCFY5GDioaUloycipKOjBWVg2Oeg5mGmZKFi5iMno+Hi4WR",
    "tINVVSMRb3cjvr5VERG+FVWOIxURfMPCX8NfybrLuhHOI9DMvm8RFb7cxlUSEjviEhHk5sJeEeJlwuht4l47EWXl",
    "5hLxEvP19+w76yJ4wYdOwoMPH54gfHBw4YcdHw4ybDgxosSJGC9axLijYUSFEiOW2FDiyRIyT0huWFliSYmWS1ay",
    "XOlyJpmVT0ZuqKny5oaUOF/mrPlSgwsNQY4idSFEqQsXQYwm1UBVg5CqRoUIkSMkqlWsTLd21VAk6tGjXqE6cFDE",
    "QQ+2bv/Xrn27ti3cunN7FOhhV67dHnr5yvXroEBftgVEiBEhwoMIJB48IFEMObLlxowbSxbDZrJlx5qRcPZsecvj",
    "yQoyi9iyxUOWLGFg58ghg4TtMDK2kKgdhoQR2zmyGDGSw8gcGbVrzxZO3Djy3SRyRI+OXMZv27oXaN++PQH37t15",
    "fF/AQ7x48uPLo1/P/QD3BCc6dDnR5cqJE2u6dJC/Zn8H/PGdcMUA/13RwRprxPdfBwMWeGCC+yk434D3RehfBi9k",
    "kAEKGmr4QoYocPgCFlhkuCGHInKIBYYhbujiCyqyyCGLG2ZoYokZWNGEFQI00WMAAaQggJBCAinAkQIEMOTHkAE0",
    "UaQAVqRAJJNOJgmllFAOWaWSTVoRAAdJcMCBD2MykYQTYorJhJlOhMmBEz7AkeabSaDBxJhjyplmm3bi+aYPdYrp",
    "Ax4+OLEmAQ0kqmiiMzQwwwyIPupoo4pCqigBBFBaKaKJYqrpop0ySmkIOOAQQww4hBCDAVOEYEAapIYgK6kGqNpq",
    "CHEYwGqrpp56a667knpqqqqimgaqsqbKwLIM/PDDss8y2+wPRzCgBgNpRAtttQwcwa20zXLrLbjSquEstcsGAgA7",
);

/// `ui/images/state3.gif`, base64.
const STATE3_GIF: &str = concat!(
    "R0lGODlhPQASAOYAAOR7gOR9guR8geWSluSBhuWTl+WQleSFiuWIjeSOkuSHi+WKjuWTmOWPk+R7f+R/hOR/g+WL",
    "kOSDh+WOkuSAhOSEieWMkeWNkeR9geWHi+R+g+SAheWRleWRlOWSl+SEiOWBhuSKjuSIjeWLj+R8gOWTluSGiuN6",
    "f+SCh+WEieSPk+WCh+R6gOWPlOWFiuR8guWVmOR+guR7geSMkeWRluWGiuWAheWOk+R9g+WEiOR/heWUmeWUl+WS",
    "leSJjuWQlOWJjuSLj+SSluWDh+SGi+R+hOWJjeSHjOSIjOWIjOWMkOWQk+SLkOSPlOSBheWBheSChuWDiOSMkOV7",
    "gOV9g+SMj+SRluWNkuSSl+WKj+WNkOSOk+SCiOV9guSQleV+g+V8geWGi+SNkeV8gOWJj+SJjeSKj+WDieWHjOSN",
    "kOWAhOSJjOSRleSTl+WCiOSDiOWNk+SCheSFieSTluSQlOV9geSUl+SSleV/hOV8guSNkuWGjOWUmOWVmf///+R6",
    "fywAAAAAPQASAAAH/4B9goOEhYaHiImKi4yNjo+DfJI7lHwwO5IwMJKWm5yfmJ2foJKCmJt9fKGaqjCCkgwMPJIF",
    "DAU8tgV8tbwMsLWzvbW/spKzscV8xTx2trixBQUeBXMlJdIeAwMF1tfZ0wPWHlgDHt7lBeEl4+Uebdbc6eXlbdLX",
    "BVgFHDQ9HD3aNITwE2hlQI+CAg0OoMFhgBB/CGkoZOiwIQchA+70s7JPWw+M2hYO+MGBg4GSHdgYUGnAi4GXBn50",
    "8NLBQIeaN2HKpGkTZ80fL4HSedmh5EsONU/WbKCiiYoWUJssUdGA6Y8GTapOfdqghYqrWLWq4OoVbNglS6BWrTq2",
    "a9cmLf+WTJiwJUGCG1cm2L2R4EqCLRNuzE2gN7Deu4YLExa8F45dvXomXPE7ty5fu4QvzLBgYYaYCxfEdNYc+gLn",
    "GUpAz7igJY0UC6Y7pybd+jVozp03w97dGbZpLRFGSIlAvErwCEyCB1ESgfmIEcaFBxkRhLhz6MGlTK+enMl05Eyc",
    "O49QJUiQ5CF8LDADZEEIICEWyI8fIv4C+OrlZwFCxod9/PItsF9/9r3ngw9ZmFHgge3Rl4QIRiCAhAgIVIgEAkkY",
    "ESECFIqARBJrVChCGRyW6CGIIpLY4YkIaFhhhhYaQSGHGWSggI1H2EhEjTfukQEaRyhwo443CnkEkELySETWkQoE",
    "uWMGSxJxRBgZhCGkAlZmcMSSBxzgggsH1PDlAXKYYEKYJohZwwFntlmDmWG6sGabbL55Zpdfrrmml116aQKYfebw",
    "waAppEBoBR9UEEUKFTCaQwWIJppDDilE8YGjkA5awaSVXnrppoYmuimkkBZawRlnSLACFxJIgMIKEgzxRqtcoBDr",
    "CigMEYWtKLyq6hBD4Korr76uMESrbqzghq2q0uqrqrOi4AQBBIAABQggUJstAVA4gS0U1E6r7RPaWhsutdWSm665",
    "2lZLQBxPZEuuuAQEAgA7",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_escaping() {
        assert_eq!(quote("grp:p0"), "grp%3Ap0");
        assert_eq!(quote("a b/c*~é"), "a%20b/c%2A~%C3%A9");
        assert_eq!(esc("<b>&\"q'"), "&lt;b&gt;&amp;&quot;q&#39;");
    }

    #[test]
    fn form_like_python() {
        let f = Form::new(
            "processname=a%3Ab&action=start&action=stop&x&empty=&m=a+b",
            b"",
        );
        assert_eq!(f.get("processname"), Some("a:b"));
        assert_eq!(f.get("action"), Some("start"));
        assert_eq!(f.get("x"), None);
        assert_eq!(f.get("empty"), None);
        assert_eq!(f.get("m"), Some("a b"));
        let f = Form::new("action=start", b"action=stop&action=restart");
        assert_eq!(f.get("action"), Some("restart"));
    }

    #[test]
    fn views_and_assets() {
        assert_eq!(view_of("/"), Some(View::Status));
        assert_eq!(view_of("//index.html"), Some(View::Status));
        assert_eq!(view_of("/tail.html"), Some(View::Tail));
        assert_eq!(view_of("/nope.html"), None);
        for p in [
            "/stylesheets/supervisor.css",
            "/images/supervisor.gif",
            "/images/icon.png",
        ] {
            assert!(asset(p).is_some(), "{p}");
        }
        assert!(
            b64(SUPERVISOR_GIF).starts_with(b"GIF89a")
                || b64(SUPERVISOR_GIF).starts_with(b"GIF87a")
        );
        assert!(b64(ICON_PNG).starts_with(b"\x89PNG"));
        assert_eq!(server_url(Some("127.0.0.1:9001")), "http://127.0.0.1:9001");
        assert_eq!(server_url(Some("example.com:80")), "http://example.com");
        assert_eq!(server_url(None), "http://localhost");
    }

    #[test]
    fn status_markup() {
        let info = |g: &str, n: &str, state: i64, sn: &str, desc: &str| {
            StructBuilder::new()
                .field("group", g)
                .field("name", n)
                .field("state", state)
                .field("statename", sn)
                .field("description", desc)
                .build()
        };
        let page = render_status(
            &[
                info("web", "web", 20, "RUNNING", "pid 1, uptime 0:00:01"),
                info("<b>", "x&y", 200, "FATAL", "<oops>"),
            ],
            Some("Process <i> started"),
        );
        assert!(page.contains("<div class=\"status_msg\">Process &lt;i&gt; started</div>"));
        // Sorted by group: "<b>" < "web"; the second row is shaded.
        let a = page.find("&lt;b&gt;:x&amp;y</a>").expect("hostile row");
        let b = page.find(">web</a>").expect("web row");
        assert!(a < b);
        assert!(page.contains("<tr class=\"shade\">"));
        assert!(page.contains("<span class=\"statuserror\">fatal</span>"));
        assert!(page.contains("href=\"index.html?processname=%3Cb%3E%3Ax%26y&amp;action=start\""));
        assert!(!page.contains("<oops>"));
        assert!(render_status(&[], None).contains("No programs to manage</form>"));
    }
}
