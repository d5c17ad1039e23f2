//! supervisord's XML-RPC interface (`supervisor.*` and `system.*`, API 3.0) on top of
//! the daemon: name resolution, fault codes and strings, `wait` continuations that
//! await a process's status changes (never blocking the tree's owner), and the
//! log-reading offset rules of `supervisor.options.readFile`/`tailFile`.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use supervisor_core::NodeInfo;
use supervisor_exec::{ProcessState, Stream, UnixSignal};

use crate::daemon::{
    self, Action, Daemon, Group, Proc, View, MOOD_RESTARTING, MOOD_RUNNING, MOOD_SHUTDOWN,
};
use crate::process::{self, ProcState};
use crate::xmlrpc::{self, StructBuilder, Value};

pub const SUPERVISOR_VERSION: &str = "4.2.5";

use crate::xmlrpc::{fault_name, API_VERSION};
pub use crate::xmlrpc::{faults, Fault};

/// A fault with supervisord's text for its code: `NAME`, or `NAME: extra`.
fn fault(code: i32, extra: impl Into<Option<String>>) -> Fault {
    let message = match extra.into() {
        Some(x) => format!("{}: {x}", fault_name(code)),
        None => fault_name(code).to_owned(),
    };
    Fault { code, message }
}

type RpcResult = Result<Value, Fault>;

/// `(name, signature, help)` of every method, sorted by name.
const METHODS: &[(&str, &[&str], &str)] = &[
    ("supervisor.addProcessGroup", &["boolean", "string"], " Update the config for a running process from config file.\n\n        @param string name         name of process group to add\n        @return boolean result     true if successful\n        "),
    ("supervisor.clearAllProcessLogs", &["array"], " Clear all process log files\n\n        @return array result   An array of process status info structs\n        "),
    ("supervisor.clearLog", &["boolean"], " Clear the main log.\n\n        @return boolean result always returns True unless error\n        "),
    ("supervisor.clearProcessLog", &["boolean", "string"], " Clear the stdout and stderr logs for the named process and\n        reopen them.\n\n        @param string name   The name of the process (or 'group:name')\n        @return boolean result      Always True unless error\n        "),
    ("supervisor.clearProcessLogs", &["boolean", "string"], " Clear the stdout and stderr logs for the named process and\n        reopen them.\n\n        @param string name   The name of the process (or 'group:name')\n        @return boolean result      Always True unless error\n        "),
    ("supervisor.getAPIVersion", &["string"], " Return the version of the RPC API used by supervisord\n\n        @return string version id\n        "),
    ("supervisor.getAllConfigInfo", &["array"], " Get info about all available process configurations. Each struct\n        represents a single process (i.e. groups get flattened).\n\n        @return array result  An array of process config info structs\n        "),
    ("supervisor.getAllProcessInfo", &["array"], " Get info about all processes\n\n        @return array result  An array of process status results\n        "),
    ("supervisor.getIdentification", &["string"], " Return identifying string of supervisord\n\n        @return string identifier identifying string\n        "),
    ("supervisor.getPID", &["int"], " Return the PID of supervisord\n\n        @return int PID\n        "),
    ("supervisor.getProcessInfo", &["struct", "string"], " Get info about a process named name\n\n        @param string name The name of the process (or 'group:name')\n        @return struct result     A structure containing data about the process\n        "),
    ("supervisor.getState", &["struct"], " Return current state of supervisord as a struct\n\n        @return struct A struct with keys int statecode, string statename\n        "),
    ("supervisor.getSupervisorVersion", &["string"], " Return the version of the supervisor package in use by supervisord\n\n        @return string version id\n        "),
    ("supervisor.getVersion", &["string"], " Return the version of the RPC API used by supervisord\n\n        @return string version id\n        "),
    ("supervisor.readLog", &["string", "int", "int"], " Read length bytes from the main log starting at offset\n\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        "),
    ("supervisor.readMainLog", &["string", "int", "int"], " Read length bytes from the main log starting at offset\n\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        "),
    ("supervisor.readProcessLog", &["string", "string", "int", "int"], " Read length bytes from name's stdout log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        "),
    ("supervisor.readProcessStderrLog", &["string", "string", "int", "int"], " Read length bytes from name's stderr log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        "),
    ("supervisor.readProcessStdoutLog", &["string", "string", "int", "int"], " Read length bytes from name's stdout log starting at offset\n\n        @param string name        the name of the process (or 'group:name')\n        @param int offset         offset to start reading from.\n        @param int length         number of bytes to read from the log.\n        @return string result     Bytes of log\n        "),
    ("supervisor.reloadConfig", &["array"], "\n        Reload the configuration.\n\n        The result contains three arrays containing names of process\n        groups:\n\n        * `added` gives the process groups that have been added\n        * `changed` gives the process groups whose contents have\n          changed\n        * `removed` gives the process groups that are no longer\n          in the configuration\n\n        @return array result  [[added, changed, removed]]\n\n        "),
    ("supervisor.removeProcessGroup", &["boolean", "string"], " Remove a stopped process from the active configuration.\n\n        @param string name         name of process group to remove\n        @return boolean result     Indicates whether the removal was successful\n        "),
    ("supervisor.restart", &["boolean"], " Restart the supervisor process\n\n        @return boolean result  always return True unless error\n        "),
    ("supervisor.sendProcessStdin", &["boolean", "string", "string"], " Send a string of chars to the stdin of the process name.\n        If non-7-bit data is sent (unicode), it is encoded to utf-8\n        before being sent to the process' stdin.  If chars is not a\n        string or is not unicode, raise INCORRECT_PARAMETERS.  If the\n        process is not running, raise NOT_RUNNING.  If the process'\n        stdin cannot accept input (e.g. it was closed by the child\n        process), raise NO_FILE.\n\n        @param string name        The process name to send to (or 'group:name')\n        @param string chars       The character data to send to the process\n        @return boolean result    Always return True unless error\n        "),
    ("supervisor.sendRemoteCommEvent", &["boolean", "string", "string"], " Send an event that will be received by event listener\n        subprocesses subscribing to the RemoteCommunicationEvent.\n\n        @param  string  type  String for the \"type\" key in the event header\n        @param  string  data  Data for the event body\n        @return boolean       Always return True unless error\n        "),
    ("supervisor.shutdown", &["boolean"], " Shut down the supervisor process\n\n        @return boolean result always returns True unless error\n        "),
    ("supervisor.signalAllProcesses", &["array", "string"], " Send a signal to all processes in the process list\n\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return array         An array of process status info structs\n        "),
    ("supervisor.signalProcess", &["boolean", "string", "string"], " Send an arbitrary UNIX signal to the process named by name\n\n        @param string name    Name of the process to signal (or 'group:name')\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return boolean\n        "),
    ("supervisor.signalProcessGroup", &["array", "string", "string"], " Send a signal to all processes in the group named 'name'\n\n        @param string name    The group name\n        @param string signal  Signal to send, as name ('HUP') or number ('1')\n        @return array\n        "),
    ("supervisor.startAllProcesses", &["array", "boolean"], " Start all processes listed in the configuration file\n\n        @param boolean wait    Wait for each process to be fully started\n        @return array result   An array of process status info structs\n        "),
    ("supervisor.startProcess", &["boolean", "string", "boolean"], " Start a process\n\n        @param string name Process name (or ``group:name``, or ``group:*``)\n        @param boolean wait Wait for process to be fully started\n        @return boolean result     Always true unless error\n\n        "),
    ("supervisor.startProcessGroup", &["array", "string", "boolean"], " Start all processes in the group named 'name'\n\n        @param string name     The group name\n        @param boolean wait    Wait for each process to be fully started\n        @return array result   An array of process status info structs\n        "),
    ("supervisor.stopAllProcesses", &["array", "boolean"], " Stop all processes in the process list\n\n        @param  boolean wait   Wait for each process to be fully stopped\n        @return array result   An array of process status info structs\n        "),
    ("supervisor.stopProcess", &["boolean", "string", "boolean"], " Stop a process named by name\n\n        @param string name  The name of the process to stop (or 'group:name')\n        @param boolean wait        Wait for the process to be fully stopped\n        @return boolean result     Always return True unless error\n        "),
    ("supervisor.stopProcessGroup", &["array", "string", "boolean"], " Stop all processes in the process group named 'name'\n\n        @param string name     The group name\n        @param boolean wait    Wait for each process to be fully stopped\n        @return array result   An array of process status info structs\n        "),
    ("supervisor.tailProcessLog", &["array", "string", "int", "int"], "\n        Provides a more efficient way to tail the (stdout) log than\n        readProcessStdoutLog().  Use readProcessStdoutLog() to read\n        chunks and tailProcessStdoutLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        "),
    ("supervisor.tailProcessStderrLog", &["array", "string", "int", "int"], "\n        Provides a more efficient way to tail the (stderr) log than\n        readProcessStderrLog().  Use readProcessStderrLog() to read\n        chunks and tailProcessStderrLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        "),
    ("supervisor.tailProcessStdoutLog", &["array", "string", "int", "int"], "\n        Provides a more efficient way to tail the (stdout) log than\n        readProcessStdoutLog().  Use readProcessStdoutLog() to read\n        chunks and tailProcessStdoutLog() to tail.\n\n        Requests (length) bytes from the (name)'s log, starting at\n        (offset).  If the total log size is greater than (offset +\n        length), the overflow flag is set and the (offset) is\n        automatically increased to position the buffer at the end of\n        the log.  If less than (length) bytes are available, the\n        maximum number of available bytes will be returned.  (offset)\n        returned is always the last offset in the log +1.\n\n        @param string name         the name of the process (or 'group:name')\n        @param int offset          offset to start reading from\n        @param int length          maximum number of bytes to return\n        @return array result       [string bytes, int offset, bool overflow]\n        "),
    ("system.listMethods", &["array"], " Return an array listing the available method names\n\n        @return array result  An array of method names available (strings).\n        "),
    ("system.methodHelp", &["string", "string"], " Return a string showing the method's documentation\n\n        @param string name   The name of the method.\n        @return string result The documentation for the method name.\n        "),
    ("system.methodSignature", &["array", "string"], " Return an array describing the method signature in the\n        form [rtype, ptype, ptype...] where rtype is the return data type\n        of the method, and ptypes are the parameter data types that the\n        method accepts in method argument order.\n\n        @param string name  The name of the method.\n        @return array result  The result.\n        "),
    ("system.multicall", &["array", "array"], "Process an array of calls, and return an array of\n        results. Calls should be structs of the form {'methodName':\n        string, 'params': array}. Each result will either be a\n        single-item array containing the result value, or a struct of\n        the form {'faultCode': int, 'faultString': string}. This is\n        useful when you need to make lots of small calls without lots\n        of round trips.\n\n        @param array calls  An array of call requests\n        @return array result  An array of results\n        "),
];

/// Dispatches one call.
pub fn call<'a>(
    d: &'a Arc<Daemon>,
    method: &'a str,
    params: Vec<Value>,
) -> Pin<Box<dyn Future<Output = RpcResult> + Send + 'a>> {
    Box::pin(async move {
        let Some((ns, name)) = method.split_once('.') else {
            return Err(fault(faults::UNKNOWN_METHOD, None));
        };
        if name.contains('.') || name.starts_with('_') {
            return Err(fault(faults::UNKNOWN_METHOD, None));
        }
        match ns {
            "system" => match name {
                "listMethods" => {
                    argc(&params, 0, 0)?;
                    Ok(METHODS.iter().map(|m| m.0).collect())
                }
                "methodHelp" => {
                    argc(&params, 1, 1)?;
                    let n = str_arg(&params[0])?;
                    METHODS
                        .iter()
                        .find(|m| m.0 == n)
                        .map(|m| Value::from(m.2))
                        .ok_or_else(|| fault(faults::SIGNATURE_UNSUPPORTED, None))
                }
                "methodSignature" => {
                    argc(&params, 1, 1)?;
                    let n = str_arg(&params[0])?;
                    METHODS
                        .iter()
                        .find(|m| m.0 == n)
                        // [rtype, ptype, ...], as supervisord parses it from the docstring.
                        .map(|m| m.1.iter().copied().collect())
                        .ok_or_else(|| fault(faults::SIGNATURE_UNSUPPORTED, None))
                }
                "multicall" => {
                    argc(&params, 1, 1)?;
                    let calls = params[0]
                        .as_array()
                        .ok_or_else(|| fault(faults::INCORRECT_PARAMETERS, None))?;
                    let mut out = Vec::with_capacity(calls.len());
                    for c in calls {
                        let r = match (c.get("methodName").and_then(Value::as_str), c.get("params"))
                        {
                            (Some("system.multicall"), _) => Err(fault(
                                faults::INCORRECT_PARAMETERS,
                                "Recursive system.multicall forbidden".to_owned(),
                            )),
                            (Some(m), p) => {
                                let p = p
                                    .and_then(Value::as_array)
                                    .map(<[Value]>::to_vec)
                                    .unwrap_or_default();
                                call(d, m, p).await
                            }
                            (None, _) => Err(fault(
                                faults::INCORRECT_PARAMETERS,
                                "No methodName".to_owned(),
                            )),
                        };
                        // supervisord puts the bare value (not `[value]`) in the results.
                        out.push(match r {
                            Ok(v) => v,
                            Err(f) => StructBuilder::new()
                                .field("faultCode", f.code)
                                .field("faultString", f.message)
                                .build(),
                        });
                    }
                    Ok(Value::Array(out))
                }
                _ => Err(fault(faults::UNKNOWN_METHOD, None)),
            },
            "supervisor" => {
                if !METHODS.iter().any(|m| m.0 == method) {
                    return Err(fault(faults::UNKNOWN_METHOD, None));
                }
                if d.mood() < MOOD_RUNNING {
                    return Err(fault(faults::SHUTDOWN_STATE, None));
                }
                supervisor(d, name, params).await
            }
            _ => Err(fault(faults::UNKNOWN_METHOD, None)),
        }
    })
}

/// INCORRECT_PARAMETERS unless there are `lo..=hi` parameters.
fn argc(params: &[Value], lo: usize, hi: usize) -> Result<(), Fault> {
    if (lo..=hi).contains(&params.len()) {
        Ok(())
    } else {
        Err(fault(faults::INCORRECT_PARAMETERS, None))
    }
}

fn str_arg(v: &Value) -> Result<String, Fault> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Base64(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Ok(i.to_string()),
        _ => Err(fault(faults::INCORRECT_PARAMETERS, None)),
    }
}

fn int_arg(v: &Value) -> Result<i64, Fault> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| fault(faults::INCORRECT_PARAMETERS, None)),
        _ => Err(fault(faults::INCORRECT_PARAMETERS, None)),
    }
}

fn wait_arg(params: &[Value], i: usize) -> bool {
    params.get(i).is_none_or(Value::truthy)
}

/// What a name designates: a whole group (`g:*`, `g:`) or one process.
enum Target {
    Group(Arc<Group>),
    Proc(Arc<Proc>),
}

/// supervisord's `_getGroupAndProcess` (with `split_namespec`).
fn resolve(d: &Daemon, name: &str) -> Result<Target, Fault> {
    let (g, p) = crate::config::split_namespec(name);
    let group = d
        .group(&g)
        .ok_or_else(|| fault(faults::BAD_NAME, name.to_owned()))?;
    match p {
        None => Ok(Target::Group(group)),
        Some(p) => {
            let proc_ = group
                .procs
                .iter()
                .find(|x| x.config.name == *p)
                .cloned()
                .ok_or_else(|| fault(faults::BAD_NAME, name.to_owned()))?;
            Ok(Target::Proc(proc_))
        }
    }
}

/// The group named `name` (BAD_NAME if there is none in use).
fn group_arg(d: &Daemon, name: &str) -> Result<Arc<Group>, Fault> {
    d.group(name)
        .ok_or_else(|| fault(faults::BAD_NAME, name.to_owned()))
}

/// The process a name designates, if any.
pub fn lookup_proc(d: &Daemon, name: &str) -> Option<Arc<Proc>> {
    resolve_proc(d, name).ok()
}

fn resolve_proc(d: &Daemon, name: &str) -> Result<Arc<Proc>, Fault> {
    match resolve(d, name)? {
        Target::Proc(p) => Ok(p),
        Target::Group(_) => Err(fault(faults::BAD_NAME, name.to_owned())),
    }
}

fn status_struct(p: &Proc, r: &Result<Value, Fault>) -> Value {
    let (code, desc) = match r {
        Ok(_) => (faults::SUCCESS, "OK".to_owned()),
        Err(f) => (f.code, f.message.clone()),
    };
    StructBuilder::with_capacity(15)
        .field("name", p.config.name.as_str())
        .field("group", p.group.as_str())
        .field("status", code)
        .field("description", desc)
        .build()
}

/// supervisord's `get_execv_args` checks, for the faults of `startProcess`.
fn check_command(p: &Proc) -> Result<(), Fault> {
    let argv =
        process::shlex_split(&p.config.command).map_err(|e| fault(faults::NOT_EXECUTABLE, e))?;
    let Some(program) = argv.first() else {
        return Err(fault(faults::NOT_EXECUTABLE, "command is empty".to_owned()));
    };
    let candidates: Vec<std::path::PathBuf> = if program.contains('/') {
        vec![program.into()]
    } else {
        let path = p
            .config
            .environment
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("PATH").ok())
            .unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .collect()
    };
    let found = candidates.iter().find(|c| c.exists());
    let Some(found) = found else {
        return Err(fault(
            faults::NO_FILE,
            format!("can't find command {}", crate::ini::py_repr(program)),
        ));
    };
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(found)
        .map_err(|_| fault(faults::NO_FILE, found.display().to_string()))?;
    if meta.is_dir() {
        return Err(fault(
            faults::NOT_EXECUTABLE,
            format!(
                "command at {} is a directory",
                crate::ini::py_repr(&found.display().to_string())
            ),
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(fault(
            faults::NOT_EXECUTABLE,
            format!(
                "command at {} is not executable",
                crate::ini::py_repr(&found.display().to_string())
            ),
        ));
    }
    Ok(())
}

/// `startProcess` of one process, whose state was `v` (for a group or "all"
/// call, the view that selected it).
async fn start_one(d: &Arc<Daemon>, p: &Arc<Proc>, v: View, wait: bool) -> RpcResult {
    check_command(p)?;
    let name = p.namespec();
    if v.state.is_running() {
        return Err(fault(faults::ALREADY_STARTED, name));
    }
    if v.state == ProcState::Unknown {
        return Err(fault(
            faults::FAILED,
            format!("{name} is in an unknown process state"),
        ));
    }
    let mut rx = p.handle.watch();
    let before = rx.borrow_and_update().spawns;
    if let Err(e) = d.start_proc(p).await {
        return Err(fault(faults::FAILED, format!("{name}: {e}")));
    }
    // Follow the process's status until it is RUNNING or has failed.
    loop {
        let st = rx.borrow_and_update().clone();
        if st.state == ProcessState::SpawnFailed {
            return Err(fault(faults::SPAWN_ERROR, name));
        }
        // A run that got to RUNNING (startsecs passed) and has already ended
        // still started: supervisord's wait saw it RUNNING.
        let reached_running = st.last_exit.as_ref().is_some_and(|e| {
            !e.before_ready && !e.stopped && st.started_at.is_some_and(|s| e.at >= s)
        });
        if st.spawns > before {
            match st.state {
                ProcessState::Running => return Ok(true.into()),
                ProcessState::Exited if reached_running => return Ok(true.into()),
                _ if !wait => return Ok(true.into()),
                ProcessState::Starting => {}
                // An exit before `startsecs` sets supervisord's spawnerr ("Exited
                // too quickly"), which its wait continuation reports first.
                ProcessState::Exited if st.last_exit.as_ref().is_some_and(|e| e.before_ready) => {
                    return Err(fault(faults::SPAWN_ERROR, name))
                }
                _ => return Err(fault(faults::ABNORMAL_TERMINATION, name)),
            }
        }
        if rx.changed().await.is_err() {
            return Err(fault(faults::ABNORMAL_TERMINATION, name));
        }
    }
}

/// `stopProcess` of one process, whose state was `v`.
async fn stop_one(d: &Arc<Daemon>, p: &Arc<Proc>, v: View, wait: bool) -> RpcResult {
    if !v.state.is_running() {
        return Err(fault(faults::NOT_RUNNING, p.namespec()));
    }
    if wait {
        // supervisord's stop_report: its wait continuation, first polled after
        // 50 ms, logs "waiting for X to stop" then every 2 s while STOPPING.
        let stop = d.stop_proc(p);
        tokio::pin!(stop);
        let mut next = std::time::Duration::from_millis(50);
        let r = loop {
            tokio::select! {
                r = &mut stop => break r,
                _ = tokio::time::sleep(next) => {
                    d.log.info(&format!("waiting for {} to stop", p.config.name));
                    next = std::time::Duration::from_secs(2);
                }
            }
        };
        r.map_err(|e| fault(faults::FAILED, e.to_string()))?;
    } else {
        let d2 = d.clone();
        let p2 = p.clone();
        tokio::spawn(async move { d2.stop_proc(&p2).await });
    }
    Ok(true.into())
}

/// `signalProcess` of one process, whose state was `v`.
async fn signal_one(p: &Arc<Proc>, v: View, sig: UnixSignal) -> RpcResult {
    if !v.state.is_signallable() {
        return Err(fault(faults::NOT_RUNNING, p.namespec()));
    }
    match p.handle.signal(sig, false) {
        Ok(()) => Ok(true.into()),
        Err(e) if e.is_not_running() => Err(fault(faults::NOT_RUNNING, p.namespec())),
        Err(e) => Err(fault(faults::FAILED, e.to_string())),
    }
}

/// The signal of a group or all call (a bad one is reported per process).
fn signal_op(v: &Value) -> Op {
    Op::Signal(parse_signal(v).map_err(|f| {
        Arc::from(
            f.message
                .strip_prefix("BAD_SIGNAL: ")
                .unwrap_or(&f.message)
                .to_owned(),
        )
    }))
}

fn parse_signal(v: &Value) -> Result<UnixSignal, Fault> {
    let s = match v {
        Value::Int(i) => i.to_string(),
        other => str_arg(other)?,
    };
    crate::config::signal_number(&s)
        .ok()
        .and_then(|n| UnixSignal::try_from(n).ok())
        .ok_or_else(|| fault(faults::BAD_SIGNAL, s))
}

/// The processes to act on for a group or "all" call, sorted as supervisord sorts them.
fn all_procs(d: &Daemon) -> Vec<Arc<Proc>> {
    let mut groups = d.groups();
    groups.sort_by(|a, b| {
        a.config
            .priority
            .cmp(&b.config.priority)
            .then_with(|| a.config.name.cmp(&b.config.name))
    });
    groups
        .iter()
        .flat_map(|g| g.procs.iter().cloned())
        .collect()
}

#[derive(Clone)]
enum Op {
    Start(bool),
    Stop(bool),
    /// The signal, or the text that names none: supervisord checks it in
    /// signalProcess, so a group call reports BAD_SIGNAL for each process.
    Signal(Result<UnixSignal, Arc<str>>),
}

/// supervisord's `make_allfunc`: acts on the processes that the predicate selects,
/// concurrently, and reports one status struct each, in order.
async fn act_all(d: &Arc<Daemon>, procs: Vec<Arc<Proc>>, op: Op) -> RpcResult {
    // One snapshot selects the processes and is the state each is acted on
    // from: supervisord checks a process's state and acts on it in the same
    // step, with nothing in between.
    let snap = d.snapshot().await;
    let map = snap.as_ref().map(daemon::index);
    let selected: Vec<(Arc<Proc>, View)> = procs
        .into_iter()
        .filter_map(|p| {
            let v = d.view(&p, map.as_ref());
            let s = v.state;
            let wanted = match &op {
                Op::Start(_) => !s.is_running(),
                Op::Stop(_) => s.is_running(),
                Op::Signal(_) => s.is_signallable(),
            };
            wanted.then_some((p, v))
        })
        .collect();
    let mut tasks = Vec::new();
    let mut acted = Vec::new();
    for (p, v) in selected {
        let d = d.clone();
        let op = op.clone();
        acted.push(p.clone());
        tasks.push(tokio::spawn(async move {
            match op {
                Op::Start(w) => start_one(&d, &p, v, w).await,
                Op::Stop(w) => stop_one(&d, &p, v, w).await,
                Op::Signal(Ok(s)) => signal_one(&p, v, s).await,
                Op::Signal(Err(bad)) => Err(fault(faults::BAD_SIGNAL, bad.to_string())),
            }
        }));
    }
    let mut out = Vec::new();
    for (p, t) in acted.iter().zip(tasks) {
        let r = t.await.unwrap_or_else(|_| Err(fault(faults::FAILED, None)));
        out.push(status_struct(p, &r));
    }
    Ok(Value::Array(out))
}

/// The members of a `getProcessInfo` struct, computed once for either
/// rendering: a [`Value`] ([`process_info`]) or XML written straight into a
/// response body ([`all_process_info_response`]).
struct Info<'a> {
    name: &'a str,
    group: &'a str,
    start: i64,
    stop: i64,
    now: i64,
    state: i64,
    statename: &'static str,
    spawnerr: String,
    exitstatus: i64,
    out: String,
    err: String,
    pid: i64,
    description: String,
}

fn info<'a>(d: &Daemon, p: &'a Proc, map: Option<&HashMap<&str, &NodeInfo>>) -> Info<'a> {
    let v = d.view(p, map);
    let st = &v.status;
    let now = process::epoch(Some(std::time::SystemTime::now()));
    let running = matches!(
        v.state,
        ProcState::Starting | ProcState::Running | ProcState::Stopping
    );
    let start = process::epoch(st.started_at);
    let stop = process::epoch(st.last_exit.as_ref().map(|e| e.at));
    let pid = if running { st.pid.unwrap_or(0) } else { 0 };
    let spawnerr = process::spawnerr(v.state, st);
    let description = match v.state {
        ProcState::Running => format!("pid {pid}, uptime {}", py_timedelta((now - start).max(0))),
        ProcState::Fatal | ProcState::Backoff => {
            if spawnerr.is_empty() {
                format!("unknown error (try \"tail {}\")", p.config.name)
            } else {
                spawnerr.clone()
            }
        }
        ProcState::Stopped | ProcState::Exited => {
            if start != 0 {
                chrono::DateTime::from_timestamp(stop, 0)
                    .map(|t| {
                        t.with_timezone(&chrono::Local)
                            .format("%b %d %I:%M %p")
                            .to_string()
                    })
                    .unwrap_or_default()
            } else {
                "Not started".to_owned()
            }
        }
        _ => String::new(),
    };
    let out = p
        .stdout_path
        .as_ref()
        .map(|x| x.display().to_string())
        .unwrap_or_default();
    let err = p
        .stderr_path
        .as_ref()
        .map(|x| x.display().to_string())
        .unwrap_or_default();
    Info {
        name: p.config.name.as_str(),
        group: p.group.as_str(),
        start,
        stop,
        now,
        state: v.state as i64,
        statename: v.state.name(),
        spawnerr,
        exitstatus: process::exitstatus(v.state, st),
        out,
        err,
        pid: i64::from(pid),
        description,
    }
}

/// `getProcessInfo` for one process.
pub fn process_info(d: &Daemon, p: &Proc, map: Option<&HashMap<&str, &NodeInfo>>) -> Value {
    info_value(info(d, p, map))
}

fn info_value(i: Info<'_>) -> Value {
    StructBuilder::with_capacity(15)
        .field("name", i.name)
        .field("group", i.group)
        .field("start", i.start)
        .field("stop", i.stop)
        .field("now", i.now)
        .field("state", i.state)
        .field("statename", i.statename)
        .field("spawnerr", i.spawnerr)
        .field("exitstatus", i.exitstatus)
        .field("logfile", i.out.as_str())
        .field("stdout_logfile", i.out)
        .field("stderr_logfile", i.err)
        .field("pid", i.pid)
        .field("description", i.description)
        .build()
}

/// The processes of `getAllProcessInfo`, in its order.
fn info_procs(d: &Daemon) -> Vec<Arc<Proc>> {
    let mut all = Vec::new();
    for g in d.groups() {
        let start = all.len();
        all.extend(g.procs.iter().cloned());
        all[start..].sort_by(|a: &Arc<Proc>, b: &Arc<Proc>| a.config.name.cmp(&b.config.name));
    }
    all
}

/// The whole response body of a successful `supervisor.getAllProcessInfo`
/// call, written directly into one buffer (byte for byte what
/// `write_response` makes of the call's [`Value`], without building it);
/// `None` when the call would fail (the daemon is shutting down).
pub async fn all_process_info_response(d: &Arc<Daemon>) -> Option<Vec<u8>> {
    if d.mood() < MOOD_RUNNING {
        return None;
    }
    let snap = d.snapshot().await;
    let map = snap.as_ref().map(daemon::index);
    let procs = info_procs(d);
    let mut w = xmlrpc::ResponseWriter::new(256 + procs.len() * 1200);
    #[cfg(debug_assertions)]
    let mut infos = Vec::new();
    w.begin_array();
    for p in &procs {
        let i = info(d, p, map.as_ref());
        w.begin_struct();
        w.str_member("name", i.name);
        w.str_member("group", i.group);
        w.int_member("start", i.start);
        w.int_member("stop", i.stop);
        w.int_member("now", i.now);
        w.int_member("state", i.state);
        w.str_member("statename", i.statename);
        w.str_member("spawnerr", &i.spawnerr);
        w.int_member("exitstatus", i.exitstatus);
        w.str_member("logfile", &i.out);
        w.str_member("stdout_logfile", &i.out);
        w.str_member("stderr_logfile", &i.err);
        w.int_member("pid", i.pid);
        w.str_member("description", &i.description);
        w.end_struct();
        #[cfg(debug_assertions)]
        infos.push(i);
    }
    w.end_array();
    let body = w.finish();
    // The same bytes as the general path makes of the same values.
    #[cfg(debug_assertions)]
    assert_eq!(
        xmlrpc::write_response(&infos.into_iter().map(info_value).collect()),
        body,
        "getAllProcessInfo: the direct body differs from the general one"
    );
    Some(body)
}

/// Python's `str(timedelta(seconds=n))`.
fn py_timedelta(secs: i64) -> String {
    let days = secs / 86400;
    let rem = secs % 86400;
    let hms = format!("{}:{:02}:{:02}", rem / 3600, (rem % 3600) / 60, rem % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        n => format!("{n} days, {hms}"),
    }
}

/// supervisord's `readFile`.
pub fn read_file(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, Fault> {
    let failed = || fault(faults::FAILED, None);
    let mut f = std::fs::File::open(path).map_err(|_| failed())?;
    let mut data = Vec::new();
    if offset < 0 {
        if length != 0 {
            return Err(fault(faults::BAD_ARGUMENTS, None));
        }
        let size = f.seek(SeekFrom::End(0)).map_err(|_| failed())? as i64;
        let pos = (size + offset).max(0);
        f.seek(SeekFrom::Start(pos as u64)).map_err(|_| failed())?;
        f.take(offset.unsigned_abs())
            .read_to_end(&mut data)
            .map_err(|_| failed())?;
    } else {
        if length < 0 {
            return Err(fault(faults::BAD_ARGUMENTS, None));
        }
        f.seek(SeekFrom::Start(offset as u64))
            .map_err(|_| failed())?;
        if length == 0 {
            f.read_to_end(&mut data).map_err(|_| failed())?;
        } else {
            f.take(length as u64)
                .read_to_end(&mut data)
                .map_err(|_| failed())?;
        }
    }
    Ok(data)
}

/// supervisord's `tailFile` (`options.tailFile`, 4.2.5): `[bytes, size, overflow]`.
pub fn tail_file(path: &Path, offset: i64, length: i64) -> Value {
    let inner = || -> std::io::Result<Value> {
        let mut f = std::fs::File::open(path)?;
        let sz = f.seek(SeekFrom::End(0))? as i64;
        let (mut offset, mut length) = (offset, length);
        let mut overflow = false;
        if sz > offset + length {
            overflow = true;
            offset = sz - 1;
        }
        if offset + length > sz {
            if offset > sz - 1 {
                length = 0;
            }
            offset = sz - length;
        }
        offset = offset.max(0);
        length = length.max(0);
        let mut data = Vec::new();
        if length > 0 {
            f.seek(SeekFrom::Start(offset as u64))?;
            f.take(length as u64).read_to_end(&mut data)?;
        }
        Ok(Value::Array(vec![
            String::from_utf8_lossy(&data).into_owned().into(),
            sz.into(),
            overflow.into(),
        ]))
    };
    inner().unwrap_or_else(|_| Value::Array(vec!["".into(), offset.into(), false.into()]))
}

fn stream_path(p: &Proc, stream: Stream) -> Option<&std::path::PathBuf> {
    match stream {
        Stream::Stdout => p.stdout_path.as_ref(),
        Stream::Stderr => p.stderr_path.as_ref(),
    }
}

async fn supervisor(d: &Arc<Daemon>, name: &str, params: Vec<Value>) -> RpcResult {
    match name {
        "getAPIVersion" | "getVersion" => {
            argc(&params, 0, 0)?;
            Ok(API_VERSION.into())
        }
        "getSupervisorVersion" => {
            argc(&params, 0, 0)?;
            Ok(SUPERVISOR_VERSION.into())
        }
        "getIdentification" => {
            argc(&params, 0, 0)?;
            Ok(d.identifier.as_str().into())
        }
        "getState" => {
            argc(&params, 0, 0)?;
            let (code, name) = match d.mood() {
                MOOD_RUNNING => (1, "RUNNING"),
                MOOD_RESTARTING => (0, "RESTARTING"),
                MOOD_SHUTDOWN => (-1, "SHUTDOWN"),
                _ => (2, "FATAL"),
            };
            Ok(StructBuilder::new()
                .field("statecode", code)
                .field("statename", name)
                .build())
        }
        "getPID" => {
            argc(&params, 0, 0)?;
            Ok(i64::from(std::process::id()).into())
        }
        "readLog" | "readMainLog" => {
            argc(&params, 2, 2)?;
            let (o, l) = (int_arg(&params[0])?, int_arg(&params[1])?);
            let path = d
                .log
                .path()
                .filter(|p| p.exists())
                .ok_or_else(|| fault(faults::NO_FILE, None))?;
            Ok(String::from_utf8_lossy(&read_file(path, o, l)?)
                .into_owned()
                .into())
        }
        "clearLog" => {
            // supervisord: NO_FILE unless the file exists; remove it, then
            // reopen (the new file starts with that line).
            argc(&params, 0, 0)?;
            if !d.log.path().is_some_and(|p| p.exists()) {
                return Err(fault(faults::NO_FILE, None));
            }
            d.log
                .clear()
                .map_err(|e| fault(faults::FAILED, e.to_string()))?;
            d.log.info("reopening log file");
            Ok(true.into())
        }
        "shutdown" => {
            argc(&params, 0, 0)?;
            d.mood.store(MOOD_SHUTDOWN, Ordering::SeqCst);
            let _ = d.actions.send(Action::Shutdown);
            Ok(true.into())
        }
        "restart" => {
            argc(&params, 0, 0)?;
            d.mood.store(MOOD_RESTARTING, Ordering::SeqCst);
            let _ = d.actions.send(Action::Restart);
            Ok(true.into())
        }
        "reloadConfig" => {
            argc(&params, 0, 0)?;
            let (a, c, r) = d.reread().map_err(|e| fault(faults::CANT_REREAD, e))?;
            Ok(Value::Array(vec![Value::Array(vec![
                a.into(),
                c.into(),
                r.into(),
            ])]))
        }
        "addProcessGroup" => {
            argc(&params, 1, 1)?;
            let g = str_arg(&params[0])?;
            let cfg = d.lock().latest.groups.iter().find(|x| x.name == g).cloned();
            let cfg = cfg.ok_or_else(|| fault(faults::BAD_NAME, g.clone()))?;
            if !d.add_group(&cfg).await {
                return Err(fault(faults::ALREADY_ADDED, g));
            }
            Ok(true.into())
        }
        "removeProcessGroup" => {
            argc(&params, 1, 1)?;
            let g = str_arg(&params[0])?;
            let group = group_arg(d, &g)?;
            let snap = d.snapshot().await;
            let map = snap.as_ref().map(daemon::index);
            if group
                .procs
                .iter()
                .any(|p| !d.view(p, map.as_ref()).state.is_stopped())
            {
                return Err(fault(faults::STILL_RUNNING, g));
            }
            d.remove_group(&g).await;
            Ok(true.into())
        }
        "startProcess" => {
            argc(&params, 1, 2)?;
            let nm = str_arg(&params[0])?;
            let wait = wait_arg(&params, 1);
            match resolve(d, &nm)? {
                Target::Group(g) => act_all(d, g.procs.clone(), Op::Start(wait)).await,
                Target::Proc(p) => start_one(d, &p, d.view_now(&p).await, wait).await,
            }
        }
        "startProcessGroup" => {
            argc(&params, 1, 2)?;
            let nm = str_arg(&params[0])?;
            let g = group_arg(d, &nm)?;
            act_all(d, g.procs.clone(), Op::Start(wait_arg(&params, 1))).await
        }
        "startAllProcesses" => {
            argc(&params, 0, 1)?;
            act_all(d, all_procs(d), Op::Start(wait_arg(&params, 0))).await
        }
        "stopProcess" => {
            argc(&params, 1, 2)?;
            let nm = str_arg(&params[0])?;
            let wait = wait_arg(&params, 1);
            match resolve(d, &nm)? {
                Target::Group(g) => act_all(d, g.procs.clone(), Op::Stop(wait)).await,
                Target::Proc(p) => stop_one(d, &p, d.view_now(&p).await, wait).await,
            }
        }
        "stopProcessGroup" => {
            argc(&params, 1, 2)?;
            let nm = str_arg(&params[0])?;
            let g = group_arg(d, &nm)?;
            act_all(d, g.procs.clone(), Op::Stop(wait_arg(&params, 1))).await
        }
        "stopAllProcesses" => {
            argc(&params, 0, 1)?;
            act_all(d, all_procs(d), Op::Stop(wait_arg(&params, 0))).await
        }
        "signalProcess" => {
            argc(&params, 2, 2)?;
            let nm = str_arg(&params[0])?;
            let target = resolve(d, &nm)?;
            match target {
                Target::Group(g) => act_all(d, g.procs.clone(), signal_op(&params[1])).await,
                Target::Proc(p) => {
                    let sig = parse_signal(&params[1])?;
                    signal_one(&p, d.view_now(&p).await, sig).await
                }
            }
        }
        "signalProcessGroup" => {
            argc(&params, 2, 2)?;
            let nm = str_arg(&params[0])?;
            let g = group_arg(d, &nm)?;
            act_all(d, g.procs.clone(), signal_op(&params[1])).await
        }
        "signalAllProcesses" => {
            argc(&params, 1, 1)?;
            act_all(d, all_procs(d), signal_op(&params[0])).await
        }
        "getProcessInfo" => {
            argc(&params, 1, 1)?;
            let p = resolve_proc(d, &str_arg(&params[0])?)?;
            let snap = d.snapshot().await;
            let map = snap.as_ref().map(daemon::index);
            Ok(process_info(d, &p, map.as_ref()))
        }
        "getAllProcessInfo" => {
            argc(&params, 0, 0)?;
            let snap = d.snapshot().await;
            let map = snap.as_ref().map(daemon::index);
            Ok(info_procs(d)
                .iter()
                .map(|p| process_info(d, p, map.as_ref()))
                .collect())
        }
        "getAllConfigInfo" => {
            argc(&params, 0, 0)?;
            Ok(all_config_info(d))
        }
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            argc(&params, 3, 3)?;
            let p = resolve_proc(d, &str_arg(&params[0])?)?;
            let (o, l) = (int_arg(&params[1])?, int_arg(&params[2])?);
            let stream = if name == "readProcessStderrLog" {
                Stream::Stderr
            } else {
                Stream::Stdout
            };
            let path = stream_path(&p, stream)
                .filter(|x| x.exists())
                .ok_or_else(|| fault(faults::NO_FILE, None))?;
            Ok(String::from_utf8_lossy(&read_file(path, o, l)?)
                .into_owned()
                .into())
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            argc(&params, 3, 3)?;
            let p = resolve_proc(d, &str_arg(&params[0])?)?;
            let (o, l) = (int_arg(&params[1])?, int_arg(&params[2])?);
            let stream = if name == "tailProcessStderrLog" {
                Stream::Stderr
            } else {
                Stream::Stdout
            };
            match stream_path(&p, stream).filter(|x| x.exists()) {
                Some(path) => Ok(tail_file(path, o, l)),
                None => Ok(Value::Array(vec!["".into(), 0.into(), false.into()])),
            }
        }
        "clearProcessLogs" | "clearProcessLog" => {
            argc(&params, 1, 1)?;
            let p = resolve_proc(d, &str_arg(&params[0])?)?;
            p.handle
                .clear_logs()
                .map_err(|e| fault(faults::FAILED, e.to_string()))?;
            if !p.is_pending() {
                p.touch_logs();
            }
            Ok(true.into())
        }
        "clearAllProcessLogs" => {
            argc(&params, 0, 0)?;
            let out: Vec<Value> = all_procs(d)
                .iter()
                .map(|p| {
                    let r = p
                        .handle
                        .clear_logs()
                        .map(|_| Value::Bool(true))
                        .map_err(|e| fault(faults::FAILED, e.to_string()));
                    if !p.is_pending() {
                        p.touch_logs();
                    }
                    status_struct(p, &r)
                })
                .collect();
            Ok(Value::Array(out))
        }
        "sendProcessStdin" => {
            argc(&params, 2, 2)?;
            let nm = str_arg(&params[0])?;
            let data = match &params[1] {
                Value::String(s) => s.clone().into_bytes(),
                Value::Base64(b) => b.clone(),
                other => {
                    let shown = match other {
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => (if *b { "True" } else { "False" }).to_owned(),
                        // Python's str(float) is its repr: `100.0`, `1e+16`, `1e-05`.
                        Value::Double(x) => crate::xmlrpc::python_float_repr(*x),
                        _ => String::new(),
                    };
                    return Err(fault(faults::INCORRECT_PARAMETERS, shown));
                }
            };
            let p = resolve_proc(d, &nm)?;
            let v = d.view_now(&p).await;
            if v.status.pid.is_none() || matches!(v.state, ProcState::Stopping) {
                return Err(fault(faults::NOT_RUNNING, nm));
            }
            match p.handle.write_stdin(&data).await {
                Ok(()) => Ok(true.into()),
                Err(e) if e.is_not_running() => Err(fault(faults::NOT_RUNNING, nm)),
                Err(_) => Err(fault(faults::NO_FILE, nm)),
            }
        }
        "sendRemoteCommEvent" => {
            argc(&params, 2, 2)?;
            let ty = str_arg(&params[0])?;
            let data = str_arg(&params[1])?;
            d.bus
                .emit_with("REMOTE_COMMUNICATION", || format!("type:{ty}\n{data}"));
            Ok(true.into())
        }
        _ => Err(fault(faults::UNKNOWN_METHOD, None)),
    }
}

fn all_config_info(d: &Daemon) -> Value {
    let st = d.lock();
    let mut out: Vec<(String, Value)> = Vec::new();
    for g in &st.latest.groups {
        let inuse = st.groups.contains_key(&g.name);
        for p in &g.processes {
            let logname = |l: &crate::config::LogFile| match l {
                crate::config::LogFile::None => "none".to_owned(),
                crate::config::LogFile::Auto => "auto".to_owned(),
                crate::config::LogFile::Path(p) => p.display().to_string(),
            };
            let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "none".to_owned());
            let v = StructBuilder::new()
                .field("autostart", p.autostart)
                .field("directory", opt(&p.directory))
                .field(
                    "uid",
                    p.uid
                        .map(|u| Value::Int(i64::from(u)))
                        .unwrap_or_else(|| "none".into()),
                )
                .field("command", p.command.as_str())
                .field("exitcodes", p.exitcodes.clone())
                .field("group", g.name.as_str())
                .field("group_prio", g.priority)
                .field("inuse", inuse)
                .field("killasgroup", p.killasgroup)
                .field("name", p.name.as_str())
                .field("process_prio", p.priority)
                .field("redirect_stderr", p.redirect_stderr)
                .field("startretries", p.startretries)
                .field("startsecs", p.startsecs)
                .field("stdout_capture_maxbytes", p.stdout.capture_maxbytes)
                .field("stdout_events_enabled", p.stdout.events_enabled)
                .field("stdout_logfile", logname(&p.stdout.logfile))
                .field("stdout_logfile_backups", p.stdout.logfile_backups)
                .field("stdout_logfile_maxbytes", p.stdout.logfile_maxbytes)
                .field("stdout_syslog", p.stdout.syslog)
                .field("stderr_capture_maxbytes", p.stderr.capture_maxbytes)
                .field("stderr_events_enabled", p.stderr.events_enabled)
                .field("stderr_logfile", logname(&p.stderr.logfile))
                .field("stderr_logfile_backups", p.stderr.logfile_backups)
                .field("stderr_logfile_maxbytes", p.stderr.logfile_maxbytes)
                .field("stderr_syslog", p.stderr.syslog)
                .field("stopsignal", p.stopsignal)
                .field("stopwaitsecs", p.stopwaitsecs)
                .field(
                    "serverurl",
                    p.serverurl.clone().unwrap_or_else(|| "none".to_owned()),
                )
                .build();
            out.push((p.name.clone(), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(out.into_iter().map(|x| x.1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timedelta_like_python() {
        assert_eq!(py_timedelta(62), "0:01:02");
        assert_eq!(
            py_timedelta(86400 + 3600 * 2 + 11 * 60 + 57),
            "1 day, 2:11:57"
        );
        assert_eq!(py_timedelta(3 * 86400), "3 days, 0:00:00");
    }

    #[test]
    fn method_table_is_sorted_and_signatures_match_docstrings() {
        let names: Vec<&str> = METHODS.iter().map(|m| m.0).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "system.listMethods returns them sorted");
        for (name, sig, help) in METHODS {
            let params = help.matches("@param").count();
            assert_eq!(
                sig.len(),
                params + 1,
                "{name}: [rtype] + one type per @param"
            );
            assert!(help.contains(&format!("@return {}", sig[0])), "{name}");
        }
    }

    #[test]
    fn fault_strings() {
        assert_eq!(
            fault(faults::BAD_NAME, "foo".to_owned()).message,
            "BAD_NAME: foo"
        );
        assert_eq!(
            fault(faults::SHUTDOWN_STATE, None).message,
            "SHUTDOWN_STATE"
        );
    }

    #[test]
    fn read_and_tail_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_file(&p, -3, 0).unwrap(), b"789");
        assert_eq!(read_file(&p, 2, 3).unwrap(), b"234");
        assert_eq!(read_file(&p, 2, 0).unwrap(), b"23456789");
        assert_eq!(
            read_file(&p, -3, 1).unwrap_err().code,
            faults::BAD_ARGUMENTS
        );
        assert_eq!(
            tail_file(&p, 0, 4),
            Value::Array(vec!["6789".into(), 10.into(), true.into()])
        );
        assert_eq!(
            tail_file(&p, 8, 4),
            Value::Array(vec!["6789".into(), 10.into(), false.into()])
        );
        assert_eq!(
            tail_file(&p, 20, 4),
            Value::Array(vec!["".into(), 10.into(), false.into()])
        );
    }
}
