//! Our `supervisorctl`: the commands, output strings and exit codes of Python
//! supervisorctl 4.2.5, as a native one-shot client (blocking std I/O, no
//! runtime; one keep-alive HTTP/1.1 connection for the calls, plus one per
//! channel that `fg` streams) over the same XML-RPC codec as the daemon. Also a
//! minimal interactive shell when no command is given.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use crate::config::{self, make_namespec, split_namespec};
use crate::xmlrpc::faults::{
    self, ABNORMAL_TERMINATION, ALREADY_ADDED, ALREADY_STARTED, BAD_NAME, BAD_SIGNAL, CANT_REREAD,
    FAILED, NOT_EXECUTABLE, NO_FILE, SHUTDOWN_STATE, SPAWN_ERROR, STILL_RUNNING, UNKNOWN_METHOD,
};
use crate::xmlrpc::{self, Value, API_VERSION};

// LSB exit codes (supervisor.supervisorctl LSBInitExitStatuses / LSBStatusExitStatuses).
const SUCCESS: i32 = 0;
const GENERIC: i32 = 1;
const INVALID_ARGS: i32 = 2;
const UNIMPLEMENTED_FEATURE: i32 = 3;
const INSUFFICIENT_PRIVILEGES: i32 = 4;
const NOT_INSTALLED: i32 = 5;
const NOT_RUNNING: i32 = 7;
const STATUS_NOT_RUNNING: i32 = 3;
const STATUS_UNKNOWN: i32 = 4;

/// Why a call failed.
enum CallError {
    Fault(xmlrpc::Fault),
    Refused,
    NoFile,
    Unauthorized,
    /// A streamed request answered with this HTTP status.
    Status(u16),
    Other(String),
}

type CallResult = Result<Value, CallError>;

enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Unix(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

impl Conn {
    /// Another handle on the same socket, to shut it down from another thread.
    fn try_clone(&self) -> io::Result<Conn> {
        Ok(match self {
            Conn::Unix(s) => Conn::Unix(s.try_clone()?),
            Conn::Tcp(s) => Conn::Tcp(s.try_clone()?),
        })
    }

    fn shutdown(&self) {
        let _ = match self {
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// An XML-RPC client over HTTP/1.1 (unix or TCP), keeping its connection.
struct Client {
    url: String,
    auth: Option<String>,
    conn: Option<BufReader<Conn>>,
}

impl Client {
    fn new(url: &str, user: Option<&str>, pass: Option<&str>) -> Self {
        let auth = user.map(|u| {
            format!(
                "Basic {}",
                xmlrpc::base64_encode(format!("{u}:{}", pass.unwrap_or("")).as_bytes())
            )
        });
        Client {
            url: url.to_owned(),
            auth,
            conn: None,
        }
    }

    /// A client of the same server with its own connection.
    fn fresh(&self, url: &str) -> Client {
        Client {
            url: url.to_owned(),
            auth: self.auth.clone(),
            conn: None,
        }
    }

    fn connect(&self) -> Result<Conn, CallError> {
        let map = |e: io::Error| match e.kind() {
            io::ErrorKind::ConnectionRefused => CallError::Refused,
            io::ErrorKind::NotFound => CallError::NoFile,
            _ => CallError::Other(e.to_string()),
        };
        if let Some(path) = self.url.strip_prefix("unix://") {
            UnixStream::connect(path).map(Conn::Unix).map_err(map)
        } else {
            let rest = self.url.strip_prefix("http://").unwrap_or(&self.url);
            let hostport = rest.split('/').next().unwrap_or(rest);
            let hostport = if hostport.contains(':') {
                hostport.to_owned()
            } else {
                format!("{hostport}:80")
            };
            let s = TcpStream::connect(hostport).map_err(map)?;
            let _ = s.set_nodelay(true);
            Ok(Conn::Tcp(s))
        }
    }

    /// Sends a request and reads the response head: its status and headers
    /// (lower-cased names). The body is left on the connection, for
    /// [`Client::read_body`] or [`Client::stream`].
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(u16, HashMap<String, String>), CallError> {
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.conn = Some(BufReader::new(self.connect()?));
            }
            let conn = self.conn.as_mut().expect("connected");
            let mut req = format!(
                "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\n"
            );
            if let Some(a) = &self.auth {
                req.push_str(&format!("Authorization: {a}\r\n"));
            }
            if method == "POST" {
                req.push_str(&format!(
                    "Content-Type: text/xml\r\nContent-Length: {}\r\n",
                    body.len()
                ));
            }
            req.push_str("\r\n");
            let sent = conn
                .get_mut()
                .write_all(req.as_bytes())
                .and_then(|_| conn.get_mut().write_all(body));
            let mut status_line = String::new();
            let read = sent.and_then(|_| conn.read_line(&mut status_line));
            match read {
                Ok(n) if n > 0 => {
                    let status = status_line
                        .split_whitespace()
                        .nth(1)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let mut headers = HashMap::new();
                    loop {
                        let mut line = String::new();
                        if conn
                            .read_line(&mut line)
                            .map_err(|e| CallError::Other(e.to_string()))?
                            == 0
                        {
                            break;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            headers.insert(k.trim().to_lowercase(), v.trim().to_owned());
                        }
                    }
                    return Ok((status, headers));
                }
                // A kept-alive connection the server closed: reconnect once.
                _ if attempt == 0 => self.conn = None,
                Ok(_) => return Err(CallError::Other("connection closed".into())),
                Err(e) => return Err(CallError::Other(e.to_string())),
            }
        }
        Err(CallError::Other("connection closed".into()))
    }

    fn read_body(&mut self, headers: &HashMap<String, String>) -> Result<Vec<u8>, CallError> {
        let conn = self
            .conn
            .as_mut()
            .ok_or(CallError::Other("no connection".into()))?;
        let mut body = Vec::new();
        let err = |e: io::Error| CallError::Other(e.to_string());
        if let Some(len) = headers
            .get("content-length")
            .and_then(|l| l.parse::<usize>().ok())
        {
            body.resize(len, 0);
            conn.read_exact(&mut body).map_err(err)?;
        } else if headers
            .get("transfer-encoding")
            .is_some_and(|t| t.contains("chunked"))
        {
            while read_chunk(conn, &mut body).map_err(err)? {}
            let mut end = String::new();
            let _ = conn.read_line(&mut end);
        } else {
            conn.read_to_end(&mut body).map_err(err)?;
            self.conn = None;
        }
        if headers
            .get("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            self.conn = None;
        }
        Ok(body)
    }

    fn call(&mut self, method: &str, params: &[Value]) -> CallResult {
        let body = xmlrpc::write_call(method, params);
        let (status, headers) = self.request("POST", "/RPC2", &body)?;
        let body = self.read_body(&headers)?;
        match status {
            200 => {}
            401 => return Err(CallError::Unauthorized),
            s => {
                return Err(CallError::Other(format!(
                    "{s} {}",
                    String::from_utf8_lossy(&body)
                )))
            }
        }
        match xmlrpc::parse_response(&body) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(f)) => Err(CallError::Fault(f)),
            Err(e) => Err(CallError::Other(e.to_string())),
        }
    }

    /// Streams a `/logtail` or `/mainlogtail` body to `out` until it ends.
    fn stream(&mut self, path: &str, out: &mut dyn Write) -> Result<(), CallError> {
        let (status, headers) = self.request("GET", path, b"")?;
        if status == 401 {
            return Err(CallError::Unauthorized);
        }
        if status != 200 {
            let _ = self.read_body(&headers);
            return Err(CallError::Status(status));
        }
        let conn = self
            .conn
            .as_mut()
            .ok_or(CallError::Other("no connection".into()))?;
        let chunked = headers
            .get("transfer-encoding")
            .is_some_and(|t| t.contains("chunked"));
        let mut buf = vec![0u8; 8192];
        loop {
            if chunked {
                // The last chunk, the end of the stream or an error ends it.
                buf.clear();
                if !read_chunk(conn, &mut buf).unwrap_or(false) {
                    return Ok(());
                }
                let _ = out.write_all(&buf);
            } else {
                let n = conn.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    return Ok(());
                }
                let _ = out.write_all(&buf[..n]);
            }
            let _ = out.flush();
        }
    }
}

/// A command that acts on processes by name, for [`Ctl::act`].
struct Act {
    cmd: &'static str,
    /// The exit status when no name is given, or a group is unknown.
    error_exit: i32,
    /// Whether a signal name comes first (`signal SIG name...`).
    takes_signal: bool,
    /// The methods for "all", for a whole group (`None`: the process method
    /// is called with `g:*`), and for one process.
    all: &'static str,
    group: Option<&'static str>,
    one: &'static str,
    /// What is printed after `name: ` when one process succeeds.
    done: &'static str,
    /// The line for one result struct.
    fmt: fn(&Value) -> String,
    /// The fault that leaves the exit status alone.
    ignored: Option<i32>,
}

const START: Act = Act {
    cmd: "start",
    error_exit: INVALID_ARGS,
    takes_signal: false,
    all: "supervisor.startAllProcesses",
    group: Some("supervisor.startProcessGroup"),
    one: "supervisor.startProcess",
    done: "started",
    fmt: Ctl::start_result,
    ignored: Some(ALREADY_STARTED),
};

const STOP: Act = Act {
    cmd: "stop",
    error_exit: GENERIC,
    takes_signal: false,
    all: "supervisor.stopAllProcesses",
    group: Some("supervisor.stopProcessGroup"),
    one: "supervisor.stopProcess",
    done: "stopped",
    fmt: Ctl::stop_result,
    ignored: Some(faults::NOT_RUNNING),
};

const SIGNAL: Act = Act {
    cmd: "signal",
    error_exit: GENERIC,
    takes_signal: true,
    all: "supervisor.signalAllProcesses",
    group: Some("supervisor.signalProcessGroup"),
    one: "supervisor.signalProcess",
    done: "signalled",
    fmt: Ctl::signalled_result,
    ignored: None,
};

const CLEAR: Act = Act {
    cmd: "clear",
    error_exit: GENERIC,
    takes_signal: false,
    all: "supervisor.clearAllProcessLogs",
    group: None,
    one: "supervisor.clearProcessLogs",
    done: "cleared",
    fmt: Ctl::clear_result,
    ignored: None,
};

/// Reads one chunk of a chunked body and appends its data to `buf`; `false`
/// (with nothing read past the size line) at the last, empty chunk or at EOF.
fn read_chunk(conn: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16).unwrap_or(0);
    if size == 0 {
        return Ok(false);
    }
    let start = buf.len();
    buf.resize(start + size, 0);
    conn.read_exact(&mut buf[start..])?;
    let mut crlf = [0u8; 2];
    conn.read_exact(&mut crlf)?;
    Ok(true)
}

/// What a tail modifier asks for.
enum TailWhat {
    /// `-f`: follow.
    Follow,
    /// `-N`: the last N bytes.
    Bytes(i64),
}

/// The controller: options, client, exit status.
struct Ctl {
    client: Client,
    serverurl: String,
    exit: i32,
    out: String,
    /// In the shell (no command, or `-i`): shutdown and reload ask first.
    interactive: bool,
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Bool(b)) => (if *b { "True" } else { "False" }).to_owned(),
        _ => String::new(),
    }
}

/// supervisorctl's `make_namespec(group, name)` where the name may be Python's
/// None (a whole group, from `split_namespec("g:*")`): then always `g:None`.
fn py_namespec(group: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => make_namespec(group, name),
        None => format!("{group}:None"),
    }
}

/// The namespec of a result struct (`group`, and `name` unless it is None).
fn result_namespec(r: &Value) -> String {
    let name = match r.get("name") {
        Some(Value::String(n)) => Some(n.as_str()),
        _ => None,
    };
    py_namespec(&s(r, "group"), name)
}

/// Python's `repr()` (and `str()`) of an `xmlrpc.client.Fault`: `<Fault 10: 'text'>`,
/// the text quoted as Python quotes a string.
fn py_fault_repr(f: &xmlrpc::Fault) -> String {
    format!("<Fault {}: {}>", f.code, crate::ini::py_repr(&f.message))
}

/// What supervisorctl prints for a fault a command does not handle (its
/// `onecmd` catches the exception: `error: <type>, <value>: file: ... line: ...`).
fn uncaught_fault(f: &xmlrpc::Fault) -> String {
    format!(
        "error: <class 'xmlrpc.client.Fault'>, {}: file: supervisorctl line: 1",
        py_fault_repr(f)
    )
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(|x| x.as_i64()).unwrap_or(0)
}

fn is_stopped_state(state: i64) -> bool {
    matches!(state, 0 | 100 | 200 | 1000)
}

const HELP: &str = "\ndefault commands (type help <topic>):\n=====================================\nadd    exit      open  reload  restart   start   tail   \navail  fg        pid   remove  shutdown  status  update \nclear  maintail  quit  reread  signal    stop    version\n";

fn help_for(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "add" => "add <name> [...]\tActivates any updates in config for process/group",
        "avail" => "avail\t\t\tDisplay all configured processes",
        "clear" => "clear <name>\t\tClear a process' log files.\nclear <name> <name>\tClear multiple process' log files\nclear all\t\tClear all process' log files",
        "exit" => "exit\tExit the supervisor shell.",
        "quit" => "quit\tExit the supervisor shell.",
        "maintail" => "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\nmaintail\tlast 1600 *bytes* of supervisor main log file\n",
        "pid" => "pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line.",
        "reload" => "reload \t\tRestart the remote supervisord.",
        "remove" => "remove <name> [...]\tRemoves process/group from active config",
        "reread" => "reread \t\t\tReload the daemon's configuration files without add/remove",
        "restart" => "restart <name>\t\tRestart a process\nrestart <gname>:*\tRestart all processes in a group\nrestart <name> <name>\tRestart multiple processes or groups\nrestart all\t\tRestart all processes\nNote: restart does not reread config files. For that, see reread and update.",
        "shutdown" => "shutdown \tShut the remote supervisord down.",
        "signal" => "signal <signal name> <name>\t\tSignal a process\nsignal <signal name> <gname>:*\t\tSignal all processes in a group\nsignal <signal name> <name> <name>\tSignal multiple processes or groups\nsignal <signal name> all\t\tSignal all processes",
        "start" => "start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\nstart <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes",
        "status" => "status <name>\t\tGet status for a single process\nstatus <gname>:*\tGet status for all processes in a group\nstatus <name> <name>\tGet status for multiple named processes\nstatus\t\t\tGet all process status info",
        "stop" => "stop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes",
        "tail" => "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\ntail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr",
        "update" => "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate all\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate <gname> [...]\tUpdate specific groups",
        "version" => "version\t\t\tShow the version of the remote supervisord process",
        "fg" => "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
        "open" => "open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)",
        "help" => "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>",
        _ => return None,
    })
}

impl Ctl {
    fn output(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn flush(&mut self) {
        let mut o = io::stdout().lock();
        let _ = o.write_all(self.out.as_bytes());
        let _ = o.flush();
        self.out.clear();
    }

    fn set_exit_from_fault(&mut self, code: i32, ignored: Option<i32>) {
        if Some(code) == ignored || code == faults::SUCCESS {
        } else if matches!(
            code,
            SPAWN_ERROR | ABNORMAL_TERMINATION | faults::NOT_RUNNING
        ) {
            self.exit = NOT_RUNNING;
        } else {
            self.exit = GENERIC;
        }
    }

    /// A transport-level failure, as supervisorctl reports an uncaught exception.
    fn fail(&mut self, e: CallError) {
        self.exit = GENERIC;
        match e {
            CallError::Unauthorized => {
                // supervisorctl prints this, then retries the command once and
                // reports the second ProtocolError as an uncaught exception.
                self.output("Server requires authentication");
                let host = self
                    .serverurl
                    .strip_prefix("http://")
                    .map(|r| r.split('/').next().unwrap_or(r).to_owned())
                    .unwrap_or_else(|| "localhost".to_owned());
                let m = format!("error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for {host}/RPC2: 401 Unauthorized>: file: supervisor/xmlrpc.py line: 539");
                self.output(&m);
            }
            CallError::Refused => {
                let m = format!("error: <class 'ConnectionRefusedError'>, [Errno 111] Connection refused: file: {} line: 1", self.serverurl);
                self.output(&m)
            }
            CallError::NoFile => {
                let m = format!("error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: {} line: 1", self.serverurl);
                self.output(&m)
            }
            CallError::Fault(f) => {
                let m = uncaught_fault(&f);
                self.output(&m)
            }
            CallError::Status(status) => {
                let m = format!("error: {status}");
                self.output(&m)
            }
            CallError::Other(m) => {
                let m = format!("error: {m}");
                self.output(&m)
            }
        }
    }

    fn call(&mut self, method: &str, params: &[Value]) -> CallResult {
        self.client.call(method, params)
    }

    fn upcheck(&mut self) -> bool {
        match self.call("supervisor.getVersion", &[]) {
            Ok(v) if v.as_str() == Some(API_VERSION) => true,
            Ok(v) => {
                let m = format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API version {}, but the remote version is {}.",
                    API_VERSION,
                    v.as_str().unwrap_or("?")
                );
                self.output(&m);
                self.exit = NOT_INSTALLED;
                false
            }
            Err(CallError::Fault(f)) if f.code == UNKNOWN_METHOD => {
                self.output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).");
                self.exit = UNIMPLEMENTED_FEATURE;
                false
            }
            Err(CallError::Refused) => {
                let m = format!("{} refused connection", self.serverurl);
                self.output(&m);
                self.exit = INSUFFICIENT_PRIVILEGES;
                false
            }
            Err(CallError::NoFile) => {
                let m = format!("{} no such file", self.serverurl);
                self.output(&m);
                self.exit = NOT_RUNNING;
                false
            }
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    fn onecmd(&mut self, line: &str) {
        let line = line.trim();
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        let args: Vec<&str> = arg.split_whitespace().collect();
        match cmd {
            "" => {}
            "status" => self.status(&args),
            "start" => self.start(&args),
            "stop" => self.stop(&args),
            "restart" => {
                if !self.upcheck() {
                    return;
                }
                if args.is_empty() {
                    self.usage_error("restart", "a process name", GENERIC);
                    return;
                }
                self.stop(&args);
                self.start(&args);
            }
            "signal" => self.signal(&args),
            "pid" => self.pid(&args),
            "tail" => self.tail(&args),
            "maintail" => self.maintail(&args),
            "clear" => self.clear(&args),
            "avail" => self.avail(&args),
            "reread" => self.reread(&args),
            "update" => self.update(&args),
            "add" => self.add(&args),
            "remove" => self.remove(&args),
            "reload" => self.simple(
                &args,
                "reload",
                "supervisor.restart",
                "Restarted supervisord",
            ),
            "shutdown" => self.simple(&args, "shutdown", "supervisor.shutdown", "Shut down"),
            "version" => {
                if !self.no_args(&args, "version") || !self.upcheck() {
                    return;
                }
                match self.call("supervisor.getSupervisorVersion", &[]) {
                    Ok(v) => {
                        let v = v.as_str().unwrap_or_default().to_owned();
                        self.output(&v)
                    }
                    Err(e) => self.fail(e),
                }
            }
            "help" => match args.first() {
                None => self.output(HELP),
                Some(c) => match help_for(c) {
                    Some(h) => self.output(h),
                    None => {
                        let m = format!("*** No help on {c}");
                        self.output(&m)
                    }
                },
            },
            // do_quit / do_EOF print an empty line (the shell also stops).
            "quit" | "exit" | "EOF" => self.output(""),
            "fg" => self.fg(&args),
            "open" => self.open(arg),
            _ => {
                let m = format!("*** Unknown syntax: {line}");
                self.output(&m);
                self.exit = GENERIC;
            }
        }
    }

    fn status(&mut self, names: &[&str]) {
        if !self.upcheck() {
            // A handled upcheck failure is "unknown"; an error it raised stays generic.
            if self.exit != GENERIC {
                self.exit = STATUS_UNKNOWN;
            }
            return;
        }
        let infos = match self.call("supervisor.getAllProcessInfo", &[]) {
            Ok(Value::Array(a)) => a,
            Ok(_) => Vec::new(),
            Err(e) => return self.fail(e),
        };
        let mut matching: Vec<&Value> = Vec::new();
        if names.is_empty() || names.contains(&"all") {
            matching = infos.iter().collect();
        } else {
            for name in names {
                let (g, p) = split_namespec(name);
                let mut bad = true;
                for info in &infos {
                    let mut m = s(info, "group") == g;
                    if let Some(p) = &p {
                        m = m && s(info, "name") == *p;
                    }
                    if m {
                        bad = false;
                        matching.push(info);
                    }
                }
                if bad {
                    let msg = if p.is_none() {
                        format!("{g}: ERROR (no such group)")
                    } else {
                        format!("{name}: ERROR (no such process)")
                    };
                    self.output(&msg);
                    self.exit = STATUS_UNKNOWN;
                }
            }
        }
        let specs: Vec<String> = matching
            .iter()
            .map(|i| make_namespec(&s(i, "group"), &s(i, "name")))
            .collect();
        let w = specs.iter().map(String::len).max().unwrap_or(0).max(30) + 3;
        for (spec, info) in specs.iter().zip(&matching) {
            let line = format!(
                "{spec:<w$}{:<10}{}",
                s(info, "statename"),
                s(info, "description")
            );
            self.output(&line);
        }
        if matching
            .iter()
            .any(|info| is_stopped_state(i(info, "state")))
        {
            self.exit = STATUS_NOT_RUNNING;
        }
    }

    fn start_result(r: &Value) -> String {
        let name = result_namespec(r);
        let what = match i(r, "status") as i32 {
            BAD_NAME => "no such process",
            NO_FILE => "no such file",
            NOT_EXECUTABLE => "file is not executable",
            ALREADY_STARTED => "already started",
            SPAWN_ERROR => "spawn error",
            ABNORMAL_TERMINATION => "abnormal termination",
            faults::SUCCESS => return format!("{name}: started"),
            _ => return format!("{name}: ERROR ({})", s(r, "description")),
        };
        format!("{name}: ERROR ({what})")
    }

    fn signal_result(r: &Value, success: &str) -> String {
        let name = result_namespec(r);
        let what = match i(r, "status") as i32 {
            BAD_NAME => "no such process",
            BAD_SIGNAL => "bad signal name",
            faults::NOT_RUNNING => "not running",
            faults::SUCCESS => return format!("{name}: {success}"),
            FAILED => return s(r, "description"),
            _ => return format!("{name}: ERROR ({})", s(r, "description")),
        };
        format!("{name}: ERROR ({what})")
    }

    fn stop_result(r: &Value) -> String {
        Self::signal_result(r, "stopped")
    }

    fn signalled_result(r: &Value) -> String {
        Self::signal_result(r, "signalled")
    }

    fn clear_result(r: &Value) -> String {
        let name = result_namespec(r);
        match i(r, "status") as i32 {
            BAD_NAME => format!("{name}: ERROR (no such process)"),
            FAILED => format!("{name}: ERROR (failed)"),
            _ => format!("{name}: cleared"),
        }
    }

    /// The result struct supervisorctl makes of a fault for one name; `name`
    /// `None` (a whole group, `g:*`) leaves the member out, as Python's None.
    fn fault_struct(f: &xmlrpc::Fault, group: &str, name: Option<&str>) -> Value {
        let mut b = xmlrpc::StructBuilder::new().field("status", f.code);
        if let Some(name) = name {
            b = b.field("name", name);
        }
        b.field("group", group)
            .field("description", f.message.as_str())
            .build()
    }

    /// Runs a group or "all" call and prints each result.
    fn many(&mut self, act: &Act, method: &str, params: &[Value], group: Option<&str>) {
        match self.call(method, params) {
            Ok(Value::Array(results)) => {
                for r in &results {
                    let line = (act.fmt)(r);
                    self.output(&line);
                    self.set_exit_from_fault(i(r, "status") as i32, act.ignored);
                }
            }
            Ok(_) => {}
            Err(CallError::Fault(f)) if f.code == BAD_NAME && group.is_some() => {
                let m = format!("{}: ERROR (no such group)", group.unwrap_or_default());
                self.output(&m);
                self.exit = act.error_exit;
            }
            Err(e) => self.fail(e),
        }
    }

    /// `msg`, the help of `cmd`, and exit status `code`.
    fn error_with_help(&mut self, msg: &str, cmd: &str, code: i32) {
        self.output(msg);
        self.exit = code;
        self.output(help_for(cmd).unwrap_or_default());
    }

    /// `Error: CMD requires WHAT`, the command's help, and exit status `code`.
    fn usage_error(&mut self, cmd: &str, what: &str, code: i32) {
        self.error_with_help(&format!("Error: {cmd} requires {what}"), cmd, code);
    }

    fn start(&mut self, names: &[&str]) {
        self.act(&START, names)
    }

    fn stop(&mut self, names: &[&str]) {
        self.act(&STOP, names)
    }

    fn signal(&mut self, args: &[&str]) {
        self.act(&SIGNAL, args)
    }

    fn clear(&mut self, names: &[&str]) {
        self.act(&CLEAR, names)
    }

    /// Runs a command that acts on processes by name (`start`, `stop`,
    /// `signal`, `clear`): "all", whole groups (`g:*`) and single processes,
    /// each result printed as supervisorctl prints it.
    fn act(&mut self, act: &Act, args: &[&str]) {
        if !self.upcheck() {
            return;
        }
        let (needs, min) = if act.takes_signal {
            ("a signal name and a process name", 2)
        } else {
            ("a process name", 1)
        };
        if args.len() < min {
            self.usage_error(act.cmd, needs, act.error_exit);
            return;
        }
        // The signal goes after the name (or alone, for "all").
        let (extra, names): (Vec<Value>, &[&str]) = if act.takes_signal {
            (vec![args[0].into()], &args[1..])
        } else {
            (Vec::new(), args)
        };
        let params = |first: &str| -> Vec<Value> {
            std::iter::once(first.into())
                .chain(extra.iter().cloned())
                .collect()
        };
        if names.contains(&"all") {
            return self.many(act, act.all, &extra, None);
        }
        for name in names {
            let (g, p) = split_namespec(name);
            match (p, act.group) {
                (None, Some(method)) => self.many(act, method, &params(&g), Some(&g)),
                (p, _) => match self.call(act.one, &params(name)) {
                    Ok(_) => {
                        let m = format!("{}: {}", py_namespec(&g, p.as_deref()), act.done);
                        self.output(&m)
                    }
                    Err(CallError::Fault(f)) => {
                        let line = (act.fmt)(&Self::fault_struct(&f, &g, p.as_deref()));
                        self.output(&line);
                        self.set_exit_from_fault(f.code, act.ignored);
                    }
                    Err(e) => self.fail(e),
                },
            }
        }
    }

    fn pid(&mut self, names: &[&str]) {
        if !self.upcheck() {
            return;
        }
        if names.is_empty() {
            match self.call("supervisor.getPID", &[]) {
                Ok(v) => {
                    let m = v.as_i64().unwrap_or(0).to_string();
                    self.output(&m)
                }
                Err(e) => self.fail(e),
            }
        } else if names.contains(&"all") {
            match self.call("supervisor.getAllProcessInfo", &[]) {
                Ok(Value::Array(a)) => {
                    for info in &a {
                        let m = i(info, "pid").to_string();
                        self.output(&m);
                    }
                }
                Ok(_) => {}
                Err(e) => self.fail(e),
            }
        } else {
            for name in names {
                match self.call("supervisor.getProcessInfo", &[(*name).into()]) {
                    Ok(info) => {
                        let pid = i(&info, "pid");
                        self.output(&pid.to_string());
                        if pid == 0 {
                            self.exit = NOT_RUNNING;
                        }
                    }
                    Err(CallError::Fault(f)) if f.code == BAD_NAME => {
                        self.exit = GENERIC;
                        let m = format!("No such process {name}");
                        self.output(&m);
                    }
                    Err(e) => self.fail(e),
                }
            }
        }
    }

    /// supervisorctl's `open`: talk to another server from now on, and show its status.
    fn open(&mut self, url: &str) {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("unix" | "http")) {
            self.output("ERROR: url must be http:// or unix://");
            self.exit = GENERIC;
            return;
        }
        self.client = self.client.fresh(url);
        self.serverurl = url.to_owned();
        let old = self.exit;
        self.status(&[]);
        self.exit = old;
    }

    /// supervisorctl's `fg`: the process's stdout and stderr streamed (as
    /// `/logtail/NAME/stdout` and `/logtail/NAME/stderr`) while the lines read
    /// from stdin go to its stdin, until EOF, Ctrl-C, or the process ends.
    fn fg(&mut self, names: &[&str]) {
        if !self.upcheck() {
            return;
        }
        let name = match names {
            [] => {
                self.error_with_help("ERROR: no process name supplied", "fg", GENERIC);
                return;
            }
            [name] => *name,
            _ => {
                self.output("ERROR: too many process names supplied");
                self.exit = GENERIC;
                return;
            }
        };
        let py_fault = |f: &xmlrpc::Fault| format!("ERROR: {}", py_fault_repr(f));
        match self.call("supervisor.getProcessInfo", &[name.into()]) {
            Ok(info) if i(&info, "state") == 20 => {}
            Ok(_) => {
                self.output("ERROR: process not running");
                self.exit = GENERIC;
                return;
            }
            Err(CallError::Fault(f)) if f.code == BAD_NAME => {
                self.output("ERROR: bad process name supplied");
                self.exit = GENERIC;
                return;
            }
            Err(CallError::Fault(f)) => {
                let m = py_fault(&f);
                self.output(&m);
                return;
            }
            Err(e) => return self.fail(e),
        }
        // Before anything is shown, so that a Ctrl-C from then on detaches.
        let interrupted = fg_sigint::install();
        self.output("==> Press Ctrl-C to exit <==");
        self.flush();
        // One streaming connection per channel, each in its own thread; shut
        // down (which ends the thread) when fg ends.
        let mut streams = Vec::new();
        for channel in ["stdout", "stderr"] {
            let mut c = self.client.fresh(&self.serverurl);
            let Ok(conn) = c.connect() else { continue };
            let Ok(handle) = conn.try_clone() else {
                continue;
            };
            c.conn = Some(BufReader::new(conn));
            let path = format!("/logtail/{name}/{channel}");
            std::thread::spawn(move || {
                let _ = c.stream(&path, &mut io::stdout());
            });
            streams.push(handle);
        }
        let mut stdin = io::stdin().lock();
        loop {
            let line = match read_line_interruptible(&mut stdin, interrupted) {
                Some(l) => l,
                None => {
                    // EOF or Ctrl-C (Python's EOFError / KeyboardInterrupt).
                    self.output("Exiting foreground");
                    break;
                }
            };
            let mut text = line.trim_end_matches('\n').to_owned();
            text.push('\n');
            match self.call("supervisor.sendProcessStdin", &[name.into(), text.into()]) {
                Ok(_) => {}
                Err(e) => {
                    match e {
                        CallError::Fault(f) if f.code == faults::NOT_RUNNING => {
                            self.output("Process got killed")
                        }
                        CallError::Fault(f) => {
                            let m = py_fault(&f);
                            self.output(&m)
                        }
                        e => {
                            self.fail(e);
                            break;
                        }
                    }
                    self.output("Exiting foreground");
                    break;
                }
            }
            match self.call("supervisor.getProcessInfo", &[name.into()]) {
                Ok(info) if i(&info, "state") == 20 => {}
                Ok(_) => {
                    self.output("Process got killed");
                    self.output("Exiting foreground");
                    break;
                }
                Err(e) => {
                    self.fail(e);
                    break;
                }
            }
        }
        fg_sigint::restore();
        for s in &streams {
            s.shutdown();
        }
    }

    fn tailf(&mut self, path: &str) {
        self.output("==> Press Ctrl-C to exit <==");
        self.flush();
        let mut stdout = io::stdout();
        if let Err(e) = self.client.stream(path, &mut stdout) {
            match e {
                CallError::Status(404) => {
                    self.output("Error: log file not found");
                    self.exit = GENERIC;
                }
                e => self.fail(e),
            }
        }
    }

    /// A tail modifier: `-f`, or `-N` (the last N bytes). Anything else is
    /// reported (`None`).
    fn tail_modifier(&mut self, arg: &str) -> Option<TailWhat> {
        let what = match arg.strip_prefix('-') {
            Some("f") => Some(TailWhat::Follow),
            Some(n) => n.parse().ok().map(TailWhat::Bytes),
            None => None,
        };
        if what.is_none() {
            let m = format!("Error: bad argument {arg}");
            self.output(&m);
            self.exit = GENERIC;
        }
        what
    }

    /// Prints what a log read returned, or its fault as `who: ERROR (...)`
    /// (`BAD_NAME` too when `bad_name` says how to word it).
    fn show_log(&mut self, r: CallResult, who: &str, bad_name: Option<&str>) {
        match r {
            Ok(v) => {
                let text = v.as_str().unwrap_or_default().to_owned();
                self.output(&text)
            }
            Err(CallError::Fault(f)) => {
                let what = match (f.code, bad_name) {
                    (NO_FILE, _) => "no log file",
                    (FAILED, _) => "unknown error reading log",
                    (BAD_NAME, Some(text)) => text,
                    _ => return self.fail(CallError::Fault(f)),
                };
                self.exit = GENERIC;
                let m = format!("{who}: ERROR ({what})");
                self.output(&m);
            }
            Err(e) => self.fail(e),
        }
    }

    fn tail(&mut self, args: &[&str]) {
        if !self.upcheck() {
            return;
        }
        if args.is_empty() || args.len() > 3 {
            let m = if args.is_empty() {
                "Error: too few arguments"
            } else {
                "Error: too many arguments"
            };
            self.error_with_help(m, "tail", GENERIC);
            return;
        }
        let mut args: Vec<&str> = args.to_vec();
        let modifier = if args[0].starts_with('-') {
            Some(args.remove(0))
        } else {
            None
        };
        let (name, channel) = match args.len() {
            1 => (args[0].to_owned(), "stdout".to_owned()),
            0 => {
                self.output("Error: tail requires process name");
                self.exit = GENERIC;
                return;
            }
            _ => {
                let ch = args[args.len() - 1].to_lowercase();
                if ch != "stdout" && ch != "stderr" {
                    let m = format!("Error: bad channel '{ch}'");
                    self.output(&m);
                    self.exit = GENERIC;
                    return;
                }
                (args[0].to_owned(), ch)
            }
        };
        let mut bytes = 1600i64;
        if let Some(m) = modifier {
            match self.tail_modifier(m) {
                Some(TailWhat::Follow) => return self.tailf(&format!("/logtail/{name}/{channel}")),
                Some(TailWhat::Bytes(n)) => bytes = n,
                None => return,
            }
        }
        let method = if channel == "stdout" {
            "supervisor.readProcessStdoutLog"
        } else {
            "supervisor.readProcessStderrLog"
        };
        let r = self.call(
            method,
            &[name.as_str().into(), Value::Int(-bytes), Value::Int(0)],
        );
        self.show_log(r, &name, Some("no such process name"));
    }

    fn maintail(&mut self, args: &[&str]) {
        if !self.upcheck() {
            return;
        }
        let mut bytes = 1600i64;
        if args.len() > 1 {
            self.error_with_help("Error: too many arguments", "maintail", GENERIC);
            return;
        } else if let Some(a) = args.first() {
            match self.tail_modifier(a) {
                Some(TailWhat::Follow) => return self.tailf("/mainlogtail"),
                Some(TailWhat::Bytes(n)) => bytes = n,
                None => return,
            }
        }
        let r = self.call("supervisor.readLog", &[Value::Int(-bytes), Value::Int(0)]);
        self.show_log(r, "supervisord", None);
    }

    fn no_args(&mut self, args: &[&str], cmd: &str) -> bool {
        if args.is_empty() {
            return true;
        }
        self.error_with_help(&format!("Error: {cmd} accepts no arguments"), cmd, GENERIC);
        false
    }

    fn simple(&mut self, args: &[&str], cmd: &str, method: &str, ok: &str) {
        if !self.no_args(args, cmd) {
            return;
        }
        if self.interactive {
            let q = if cmd == "shutdown" {
                "Really shut the remote supervisord process down y/N? "
            } else {
                "Really restart the remote supervisord process y/N? "
            };
            self.flush();
            print!("{q}");
            let _ = io::stdout().flush();
            let mut answer = String::new();
            let _ = io::stdin().lock().read_line(&mut answer);
            if !answer.trim_start().to_lowercase().starts_with('y') {
                return;
            }
        }
        match self.call(method, &[]) {
            Ok(_) => self.output(ok),
            Err(CallError::Fault(f)) if f.code == SHUTDOWN_STATE => {
                // supervisorctl sets the exit status for reload, not for shutdown.
                if cmd == "reload" {
                    self.exit = GENERIC;
                }
                self.output("ERROR: already shutting down");
            }
            Err(CallError::Refused) if cmd == "shutdown" => {
                self.exit = GENERIC;
                let m = format!(
                    "ERROR: {} refused connection (already shut down?)",
                    self.serverurl
                );
                self.output(&m);
            }
            Err(CallError::NoFile) if cmd == "shutdown" => {
                self.exit = GENERIC;
                let m = format!(
                    "ERROR: {} no such file (already shut down?)",
                    self.serverurl
                );
                self.output(&m);
            }
            Err(e) => self.fail(e),
        }
    }

    fn avail(&mut self, args: &[&str]) {
        if !self.no_args(args, "avail") {
            return;
        }
        match self.call("supervisor.getAllConfigInfo", &[]) {
            Ok(Value::Array(a)) => {
                for c in &a {
                    let line = format!(
                        "{:<32} {:<9} {:<9} {}:{}",
                        make_namespec(&s(c, "group"), &s(c, "name")),
                        if c.get("inuse").and_then(Value::as_bool).unwrap_or(false) {
                            "in use"
                        } else {
                            "avail"
                        },
                        if c.get("autostart").is_some_and(Value::truthy) {
                            "auto"
                        } else {
                            "manual"
                        },
                        i(c, "group_prio"),
                        i(c, "process_prio")
                    );
                    self.output(&line);
                }
            }
            Ok(_) => {}
            Err(CallError::Fault(f)) if f.code == SHUTDOWN_STATE => {
                self.exit = GENERIC;
                self.output("ERROR: supervisor shutting down");
            }
            Err(e) => self.fail(e),
        }
    }

    fn reload_config(&mut self) -> Option<[Vec<String>; 3]> {
        match self.call("supervisor.reloadConfig", &[]) {
            Ok(v) => {
                let inner = v
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(Value::as_array)
                    .unwrap_or(&[]);
                let list = |k: usize| -> Vec<String> {
                    inner
                        .get(k)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                Some([list(0), list(1), list(2)])
            }
            Err(CallError::Fault(f)) if f.code == SHUTDOWN_STATE => {
                self.exit = GENERIC;
                self.output("ERROR: supervisor shutting down");
                None
            }
            Err(CallError::Fault(f)) if f.code == CANT_REREAD => {
                self.exit = GENERIC;
                let m = format!("ERROR: {}", f.message);
                self.output(&m);
                None
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    fn reread(&mut self, args: &[&str]) {
        if !self.no_args(args, "reread") {
            return;
        }
        let Some([added, changed, removed]) = self.reload_config() else {
            return;
        };
        let mut m = BTreeMap::new();
        for (names, what) in [
            (added, "available"),
            (changed, "changed"),
            (removed, "disappeared"),
        ] {
            for n in names {
                m.insert(n, what);
            }
        }
        if m.is_empty() {
            self.output("No config updates to processes");
        }
        for (n, what) in m {
            let line = format!("{n}: {what}");
            self.output(&line);
        }
    }

    fn add(&mut self, names: &[&str]) {
        for name in names {
            match self.call("supervisor.addProcessGroup", &[(*name).into()]) {
                Ok(_) => {
                    let m = format!("{name}: added process group");
                    self.output(&m)
                }
                Err(CallError::Fault(f)) if f.code == SHUTDOWN_STATE => {
                    self.output("ERROR: shutting down");
                    self.exit = GENERIC;
                }
                Err(CallError::Fault(f)) if f.code == ALREADY_ADDED => {
                    self.output("ERROR: process group already active")
                }
                Err(CallError::Fault(f)) if f.code == BAD_NAME => {
                    let m = format!("ERROR: no such process/group: {name}");
                    self.output(&m);
                    self.exit = GENERIC;
                }
                Err(e) => return self.fail(e),
            }
        }
    }

    fn remove(&mut self, names: &[&str]) {
        for name in names {
            match self.call("supervisor.removeProcessGroup", &[(*name).into()]) {
                Ok(_) => {
                    let m = format!("{name}: removed process group");
                    self.output(&m)
                }
                Err(CallError::Fault(f)) if f.code == STILL_RUNNING => {
                    self.exit = GENERIC;
                    let m = format!("ERROR: process/group still running: {name}");
                    self.output(&m);
                }
                Err(CallError::Fault(f)) if f.code == BAD_NAME => {
                    self.exit = GENERIC;
                    let m = format!("ERROR: no such process/group: {name}");
                    self.output(&m);
                }
                Err(e) => return self.fail(e),
            }
        }
    }

    fn update(&mut self, args: &[&str]) {
        let Some([added, changed, removed]) = self.reload_config() else {
            return;
        };
        let mut valid: Vec<&str> = args.to_vec();
        if valid.contains(&"all") {
            valid.clear();
        }
        if !valid.is_empty() {
            let mut groups: Vec<String> = match self.call("supervisor.getAllProcessInfo", &[]) {
                Ok(Value::Array(a)) => a.iter().map(|x| s(x, "group")).collect(),
                _ => Vec::new(),
            };
            groups.extend(added.iter().cloned());
            for g in &valid {
                if !groups.iter().any(|x| x == g) {
                    let m = format!("ERROR: no such group: {g}");
                    self.output(&m);
                    self.exit = GENERIC;
                }
            }
        }
        let wanted = |g: &str| valid.is_empty() || valid.contains(&g);
        for g in removed.iter().filter(|g| wanted(g)) {
            let results = self.call("supervisor.stopProcessGroup", &[g.as_str().into()]);
            let m = format!("{g}: stopped");
            self.output(&m);
            let fails = matches!(&results, Ok(Value::Array(a)) if a.iter().any(|r| i(r, "status") == i64::from(FAILED)));
            if fails {
                let m = format!("{g}: has problems; not removing");
                self.output(&m);
                self.exit = GENERIC;
                continue;
            }
            if let Err(e) = self.call("supervisor.removeProcessGroup", &[g.as_str().into()]) {
                return self.fail(e);
            }
            let m = format!("{g}: removed process group");
            self.output(&m);
        }
        for g in changed.iter().filter(|g| wanted(g)) {
            let _ = self.call("supervisor.stopProcessGroup", &[g.as_str().into()]);
            let m = format!("{g}: stopped");
            self.output(&m);
            if let Err(e) = self.call("supervisor.removeProcessGroup", &[g.as_str().into()]) {
                return self.fail(e);
            }
            if let Err(e) = self.call("supervisor.addProcessGroup", &[g.as_str().into()]) {
                return self.fail(e);
            }
            let m = format!("{g}: updated process group");
            self.output(&m);
        }
        for g in added.iter().filter(|g| wanted(g)) {
            if let Err(e) = self.call("supervisor.addProcessGroup", &[g.as_str().into()]) {
                return self.fail(e);
            }
            let m = format!("{g}: added process group");
            self.output(&m);
        }
    }
}

/// Reads one line from stdin (with its `\n`, if any); `None` at EOF (with
/// nothing read) or once `interrupted` is set. Reads are not restarted after
/// a signal, so Ctrl-C ends a blocked read.
fn read_line_interruptible(
    stdin: &mut io::StdinLock<'_>,
    interrupted: &std::sync::atomic::AtomicBool,
) -> Option<String> {
    use std::sync::atomic::Ordering;
    let mut line = Vec::new();
    loop {
        if interrupted.load(Ordering::SeqCst) {
            return None;
        }
        let buf = match stdin.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => &[],
        };
        if buf.is_empty() {
            // Python's input() returns a last line without a newline, then EOF.
            return (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(n) => {
                line.extend_from_slice(&buf[..=n]);
                stdin.consume(n + 1);
                return Some(String::from_utf8_lossy(&line).into_owned());
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                stdin.consume(n);
            }
        }
    }
}

/// Ctrl-C during `fg`: a flag instead of the default (death), installed
/// without SA_RESTART so that a blocked stdin read returns.
mod fg_sigint {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    use std::sync::atomic::{AtomicBool, Ordering};

    static INTERRUPTED: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_sigint(_: nix::libc::c_int) {
        INTERRUPTED.store(true, Ordering::SeqCst);
    }

    pub fn install() -> &'static AtomicBool {
        INTERRUPTED.store(false, Ordering::SeqCst);
        let act = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to an atomic.
        let _ = unsafe { sigaction(Signal::SIGINT, &act) };
        &INTERRUPTED
    }

    pub fn restore() {
        let act = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: restores the default disposition.
        let _ = unsafe { sigaction(Signal::SIGINT, &act) };
    }
}

fn usage() -> &'static str {
    "supervisorctl -- control applications run by supervisord from the cmd line.\n\nUsage: supervisorctl [options] [action [arguments]]\n\nOptions:\n-c/--configuration FILENAME -- configuration file path (searches if not given)\n-h/--help -- print usage message and exit\n-i/--interactive -- start an interactive shell after executing commands\n-s/--serverurl URL -- URL on which supervisord server is listening\n     (default \"http://localhost:9001\").\n-u/--username USERNAME -- username to use for authentication with server\n-p/--password PASSWORD -- password to use for authentication with server\n-r/--history-file -- keep a readline history (if readline is available)\n\naction [arguments] -- see below\n\nActions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\nspecified on the command line, a \"shell\" interpreting actions typed\ninteractively is started.  Use the action \"help\" to find out about available\nactions.\n"
}

/// Runs `supervisorctl` with `args` (without the program name); the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (mut conf, mut url, mut user, mut pass, mut interactive) = (None, None, None, None, false);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let val = |i: &mut usize| -> Option<String> {
            *i += 1;
            args.get(*i).cloned()
        };
        match a {
            "-c" | "--configuration" => conf = val(&mut i).map(PathBuf::from),
            "-s" | "--serverurl" => url = val(&mut i),
            "-u" | "--username" => user = val(&mut i),
            "-p" | "--password" => pass = val(&mut i),
            "-r" | "--history-file" => {
                val(&mut i);
            }
            "-i" | "--interactive" => interactive = true,
            "-h" | "--help" => {
                print!("{}", usage());
                return 0;
            }
            _ if a.starts_with("--configuration=") => conf = Some(PathBuf::from(&a[16..])),
            _ if a.starts_with("--serverurl=") => url = Some(a[12..].to_owned()),
            _ if a.starts_with('-') && a.len() > 1 => {
                eprintln!("Error: option {a} not recognized\nFor help, use supervisorctl -h");
                return 2;
            }
            _ => break,
        }
        i += 1;
    }
    let rest = &args[i.min(args.len())..];
    let env: HashMap<String, String> = std::env::vars().collect();
    let path = conf.or_else(|| {
        config::config_search_paths()
            .into_iter()
            .find(|p| p.exists())
    });
    let mut serverurl = "http://localhost:9001".to_owned();
    let (mut cu, mut cp) = (None, None);
    let mut prompt = "supervisor".to_owned();
    if let Some(p) = &path {
        match config::load_ctl(p, &env) {
            Ok(c) => {
                serverurl = c.serverurl;
                cu = c.username;
                cp = c.password;
                prompt = c.prompt;
                let _ = c.history_file;
            }
            Err(e) => {
                eprintln!("Error: {e}\nFor help, use supervisorctl -h");
                return 2;
            }
        }
    }
    let serverurl = url.unwrap_or(serverurl);
    let user = user.or(cu);
    let pass = pass.or(cp);
    let mut ctl = Ctl {
        client: Client::new(&serverurl, user.as_deref(), pass.as_deref()),
        serverurl,
        exit: SUCCESS,
        out: String::new(),
        interactive: interactive || rest.is_empty(),
    };
    // With a command, supervisorctl 4.2 runs it and exits, even with -i
    // (which then only makes shutdown and reload ask first).
    if !rest.is_empty() {
        let line = rest.join(" ");
        ctl.onecmd(&line);
        ctl.flush();
        return ctl.exit;
    }
    // A minimal interactive shell (no readline, no completion).
    ctl.onecmd("status");
    ctl.flush();
    let stdin = io::stdin();
    loop {
        print!("{prompt}> ");
        let _ = io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            println!();
            break;
        }
        let l = line.trim();
        if l == "quit" || l == "exit" || l == "EOF" {
            println!();
            break;
        }
        ctl.onecmd(l);
        ctl.flush();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmlrpc::base64_encode as base64;

    #[test]
    fn base64_like_python() {
        assert_eq!(base64(b"user:123"), "dXNlcjoxMjM=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn faults_print_as_python_prints_them() {
        // Expected values from Python 3.11: '%s' % xmlrpc.client.Fault(10, text),
        // which supervisorctl's onecmd prints for a fault nothing handles.
        let cases = [
            ("BAD_NAME: it's", r#"<Fault 10: "BAD_NAME: it's">"#),
            ("FAILED: a\nb", r"<Fault 10: 'FAILED: a\nb'>"),
            ("plain", "<Fault 10: 'plain'>"),
            ("q'\"", r#"<Fault 10: 'q\'"'>"#),
            ("é\u{1}", r"<Fault 10: 'é\x01'>"),
        ];
        for (text, want) in cases {
            let f = xmlrpc::Fault {
                code: 10,
                message: text.to_owned(),
            };
            assert_eq!(
                uncaught_fault(&f),
                format!(
                    "error: <class 'xmlrpc.client.Fault'>, {want}: file: supervisorctl line: 1"
                )
            );
        }
    }

    #[test]
    fn namespecs() {
        assert_eq!(split_namespec("g:*"), ("g".to_owned(), None));
        assert_eq!(
            split_namespec("g:p"),
            ("g".to_owned(), Some("p".to_owned()))
        );
        assert_eq!(split_namespec("p"), ("p".to_owned(), Some("p".to_owned())));
        assert_eq!(make_namespec("p", "p"), "p");
    }
}
