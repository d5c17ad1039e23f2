//! supervisord's configuration file: the typed model and its loader.
//!
//! [`load`] reads a `supervisord.conf` the way Python supervisord 4.2
//! (`supervisor.options.ServerOptions.read_config` and `realize`) does:
//!
//! * the INI dialect of [`crate::ini`] (Python's `RawConfigParser` as
//!   supervisord configures it), then `[include] files` globs relative to the
//!   including file, read in sorted order and merged (one level: an included
//!   file's own `[include]` is not followed);
//! * `%(name)s` expansion with Python's `%` formatting and supervisord's
//!   variables: `here` and `ENV_*` everywhere, plus `program_name`,
//!   `group_name`, `host_node_name`, `process_num`, `numprocs` and the
//!   program's own `ENV_*` in program-like sections, with exactly
//!   supervisord's choice of which options see which variables;
//! * every option of `[supervisord]`, `[program:x]`, `[group:x]`,
//!   `[eventlistener:x]`, `[unix_http_server]`, `[inet_http_server]` and
//!   `[rpcinterface:x]` with its default, converted by the rules of
//!   supervisord's `datatypes.py`;
//! * programs expanded into process groups (one per program unless a
//!   `[group:x]` lists it) and `numprocs` process instances, sorted by
//!   priority then name.
//!
//! `[supervisorctl]` is read by [`load_ctl`], like `ClientOptions`.
//!
//! Errors are returned, never panicked; their messages follow supervisord's,
//! naming the option, the section and the file (and line) at fault.

// Explicit paths, so that examples/supervisorctl.rs can include this file with
// `#[path]` and still find its submodules.
#[path = "config/datatypes.rs"]
mod datatypes;
#[path = "config/expand.rs"]
mod expand;
#[cfg(test)]
#[path = "config/tests.rs"]
mod tests;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::ini::{py_repr, py_strip, Ini, IniError, ReadError};
use datatypes as dt;
use expand::{expand, ExpVal, Expansions};

pub use datatypes::{AutoRestart, LogLevel};

/// The only rpcinterface factory this implementation provides.
const MAIN_RPCINTERFACE_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
/// The only event listener result handler this implementation provides.
const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";
/// The largest `numprocs` accepted (supervisord has no limit but would
/// exhaust memory long before `i64::MAX`).
const MAX_NUMPROCS: i64 = 100_000;
/// The event type names a listener may subscribe to (`events.EventTypes`).
const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
];

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// A fully loaded daemon configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The `[supervisord]` section.
    pub supervisord: SupervisordConfig,
    /// Process groups and event listener pools, sorted by priority, then name.
    pub groups: Vec<GroupConfig>,
    /// `[inet_http_server]` sections (any section whose name starts so).
    pub inet_http_servers: Vec<InetHttpServerConfig>,
    /// `[unix_http_server]` sections (any section whose name starts so).
    pub unix_http_servers: Vec<UnixHttpServerConfig>,
    /// `[rpcinterface:x]` sections.
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    /// The URL children get in `SUPERVISOR_SERVER_URL` when their
    /// `serverurl` is AUTO: `unix://<file>` of the first unix server, else
    /// `http://<host or localhost>:<port>` of the last inet server.
    pub serverurl: Option<String>,
    /// Warnings supervisord logs after startup (deprecated options, includes
    /// that match nothing, ...).
    pub warnings: Vec<String>,
    /// Informational messages supervisord logs after startup (included files).
    pub infos: Vec<String>,
}

/// Where the main log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainLogFile {
    /// A file (absolute, normalized).
    Path(PathBuf),
    /// `logfile=syslog`: the syslog service.
    Syslog,
}

/// The `[supervisord]` section, normalized as `ServerOptions.realize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisordConfig {
    /// `logfile` (default `$CWD/supervisord.log`).
    pub logfile: MainLogFile,
    /// `logfile_maxbytes` (default 50MB).
    pub logfile_maxbytes: i64,
    /// `logfile_backups` (default 10).
    pub logfile_backups: i64,
    /// `loglevel` (default info).
    pub loglevel: LogLevel,
    /// `pidfile` (default `$CWD/supervisord.pid`), absolute.
    pub pidfile: PathBuf,
    /// `umask` (default 022).
    pub umask: u32,
    /// `nodaemon` (default false).
    pub nodaemon: bool,
    /// `silent` (default false).
    pub silent: bool,
    /// `minfds` (default 1024).
    pub minfds: i64,
    /// `minprocs` (default 200).
    pub minprocs: i64,
    /// `nocleanup` (default false).
    pub nocleanup: bool,
    /// `childlogdir` (default: the system temp directory); must exist.
    pub childlogdir: PathBuf,
    /// `user`, as written (replaced by `-u/--user` when given).
    pub user: Option<String>,
    /// The uid of `user`, once [`resolve_daemon_user`] has run (at the
    /// daemon's start, after the command line is applied).
    pub uid: Option<u32>,
    /// The primary gid of `uid` (set with it).
    pub gid: Option<u32>,
    /// `directory` to chdir to when daemonizing; must exist.
    pub directory: Option<PathBuf>,
    /// `strip_ansi` (default false).
    pub strip_ansi: bool,
    /// `environment` added to every child's environment, in order.
    pub environment: Vec<(String, String)>,
    /// `identifier` (default `supervisor`).
    pub identifier: String,
}

/// A process group: a `[program:x]`, a `[group:x]` or an
/// `[eventlistener:x]` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// The group name.
    pub name: String,
    /// `priority` (default 999; -1 for event listener pools).
    pub priority: i64,
    /// The processes, each program's instances sorted by priority then name.
    pub processes: Vec<ProcessConfig>,
    /// Present for `[eventlistener:x]` pools.
    pub pool: Option<EventListenerPoolConfig>,
}

/// The pool-level options of an `[eventlistener:x]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventListenerPoolConfig {
    /// `buffer_size` (default 10, at least 1).
    pub buffer_size: i64,
    /// `events`: upper-case event type names, duplicates removed, in order.
    pub events: Vec<String>,
    /// `result_handler` (only `supervisor.dispatchers:default_handler`).
    pub result_handler: String,
}

/// Where a child's stdout or stderr is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFile {
    /// `NONE`/`OFF` (or empty): not logged to a file.
    None,
    /// `AUTO`: a file in `childlogdir`, removed at startup unless `nocleanup`.
    Auto,
    /// A file path (`~` expanded; its directory must exist).
    Path(PathBuf),
}

/// The options of one output channel (`stdout_*` or `stderr_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// `*_logfile` (default AUTO; stderr is NONE when `redirect_stderr`).
    pub logfile: LogFile,
    /// `*_logfile_maxbytes` (default 50MB).
    pub logfile_maxbytes: i64,
    /// `*_logfile_backups` (default 10).
    pub logfile_backups: i64,
    /// `*_capture_maxbytes` (default 0).
    pub capture_maxbytes: i64,
    /// `*_events_enabled` (default false).
    pub events_enabled: bool,
    /// `*_syslog` (default false; also set by the deprecated `*_logfile=syslog`).
    pub syslog: bool,
}

/// One process instance of a program-like section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessConfig {
    /// The process name (`process_name` expanded).
    pub name: String,
    /// The section it came from, e.g. `program:foo`.
    pub section: String,
    /// `command`, expanded but not split.
    pub command: String,
    /// `directory` to chdir to before exec.
    pub directory: Option<String>,
    /// `umask` (default: inherit the daemon's).
    pub umask: Option<u32>,
    /// `priority` (default 999; -1 for event listeners).
    pub priority: i64,
    /// `autostart` (default true).
    pub autostart: bool,
    /// `autorestart` (default unexpected).
    pub autorestart: AutoRestart,
    /// `startsecs` (default 1).
    pub startsecs: i64,
    /// `startretries` (default 3).
    pub startretries: i64,
    /// `user`, as written.
    pub user: Option<String>,
    /// The uid of `user`.
    pub uid: Option<u32>,
    /// `stdout_*` options.
    pub stdout: StreamConfig,
    /// `stderr_*` options.
    pub stderr: StreamConfig,
    /// `stopsignal` as a number (default TERM = 15).
    pub stopsignal: i32,
    /// `stopwaitsecs` (default 10).
    pub stopwaitsecs: i64,
    /// `stopasgroup` (default false).
    pub stopasgroup: bool,
    /// `killasgroup` (default: `stopasgroup`).
    pub killasgroup: bool,
    /// `exitcodes` (default `0`).
    pub exitcodes: Vec<i32>,
    /// `redirect_stderr` (default false).
    pub redirect_stderr: bool,
    /// `[supervisord] environment` overlaid with the program's
    /// `environment`, in order.
    pub environment: Vec<(String, String)>,
    /// `serverurl` (`None` for AUTO: use [`Config::serverurl`]).
    pub serverurl: Option<String>,
}

/// An `[inet_http_server]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetHttpServerConfig {
    /// The section name.
    pub section: String,
    /// Host to bind; `""` for all interfaces (`*:port` or `:port`).
    pub host: String,
    /// Port to bind.
    pub port: u16,
    /// `username` (set together with `password`).
    pub username: Option<String>,
    /// `password`, plain or `{SHA}` + hex SHA-1.
    pub password: Option<String>,
}

/// A `[unix_http_server]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixHttpServerConfig {
    /// The section name.
    pub section: String,
    /// The socket path, absolute.
    pub file: PathBuf,
    /// `chmod` (default 0700).
    pub chmod: u32,
    /// `chown` as (uid, gid if a group was given).
    pub chown: Option<(u32, Option<u32>)>,
    /// `username` (set together with `password`).
    pub username: Option<String>,
    /// `password`, plain or `{SHA}` + hex SHA-1.
    pub password: Option<String>,
}

/// An `[rpcinterface:x]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInterfaceConfig {
    /// The part after `rpcinterface:`.
    pub name: String,
    /// `supervisor.rpcinterface_factory`.
    pub factory: String,
    /// Every other option (factory keyword arguments), expanded.
    pub extras: Vec<(String, String)>,
}

/// The `[supervisorctl]` section, as `ClientOptions.read_config` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlConfig {
    /// `serverurl` (default `http://localhost:9001`; `unix://` paths made
    /// absolute).
    pub serverurl: String,
    /// `username`.
    pub username: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `prompt` (default `supervisor`).
    pub prompt: String,
    /// `history_file`, absolute.
    pub history_file: Option<PathBuf>,
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Where a bad value or section was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name as supervisord names it.
    pub file: String,
    /// The 1-based line of the option, when the value came from a file.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file: {}", py_repr(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ", line: {line}")?;
        }
        Ok(())
    }
}

/// Why a configuration could not be loaded. The daemon prints
/// `Error: <this>` and exits with status 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file does not exist.
    #[error("could not find config file {}", .0.display())]
    NotFound(PathBuf),
    /// The configuration file exists but cannot be read (or is not UTF-8).
    #[error("could not read config file {}", .0.display())]
    Unreadable(PathBuf),
    /// INI syntax error (Python's `ParsingError` text).
    #[error("{0}")]
    Syntax(IniError),
    /// An option has a value that cannot be converted.
    #[error("invalid value for {} in section {} ({}): {}", py_repr(.option), py_repr(.section), .location, .reason)]
    Value {
        /// The section, e.g. `program:foo`.
        section: String,
        /// The option, e.g. `startsecs`.
        option: String,
        /// Where the value was read.
        location: Location,
        /// supervisord's description of the problem.
        reason: String,
    },
    /// A section is invalid as a whole (missing command, bad expansion, ...).
    #[error("{} in section {} ({})", .message, py_repr(.section), .location)]
    Section {
        /// The section, e.g. `program:foo`.
        section: String,
        /// Where the section (or the option at fault) was read.
        location: Location,
        /// supervisord's message.
        message: String,
    },
    /// A file-level problem, with supervisord's message (which names the
    /// section when there is one).
    #[error("{0}")]
    Invalid(String),
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Loads the daemon configuration from `path`, with `env` as the daemon's
/// environment (for `%(ENV_X)s`, `~`, and the temp directory).
pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
    let ctx = Context::system(env);
    let text = read_main(path)?;
    let fpname = path.to_string_lossy().into_owned();
    let here = dt::abspath(dt::dirname(&fpname), &ctx.cwd);
    Loader::new(ctx, fpname, here.clone(), here).run(&text)
}

/// Loads a daemon configuration from text, as if read from a file in
/// directory `here` (used for `%(here)s` and relative `[include]` globs).
/// Errors name the file `<string>`. Test helper.
#[cfg(test)]
pub fn load_str(
    text: &str,
    here: &Path,
    env: &HashMap<String, String>,
) -> Result<Config, ConfigError> {
    let ctx = Context::system(env);
    let here = dt::abspath(&here.to_string_lossy(), &ctx.cwd);
    Loader::new(ctx, "<string>".into(), here.clone(), here).run(text)
}

/// Loads the `[supervisorctl]` section of the file at `path`, as
/// `supervisorctl -c path` does (the main file only; `[include]` is not
/// followed; the section is required). `[ctlplugin:x]` sections are
/// rejected: no Python plugin can be loaded.
pub fn load_ctl(path: &Path, env: &HashMap<String, String>) -> Result<CtlConfig, ConfigError> {
    let ctx = Context::system(env);
    let text = read_main(path)?;
    let fpname = path.to_string_lossy().into_owned();
    let here = dt::dirname(&dt::normalize_path(&fpname, env, &ctx.cwd)).to_string();
    let mut loader = Loader::new(ctx, fpname.clone(), here.clone(), here);
    loader
        .ini
        .read_str(&text, &fpname)
        .map_err(ConfigError::Syntax)?;
    loader.ctl_section()
}

/// supervisord's `ServerOptions.realize` for the daemon's user: resolves
/// `user` (the file's `user=`, or `-u/--user` when given, which replaces it)
/// to `uid` and its primary `gid`. Python does this only once the command
/// line is applied and only for the daemon's start, so a bad `user=` in the
/// file is no error when `-u` names a good one, and the message is
/// `name_to_uid`'s alone (`Invalid user name x`), shown as a usage error.
pub fn resolve_daemon_user(s: &mut SupervisordConfig) -> Result<(), String> {
    if let Some(user) = &s.user {
        let uid = dt::name_to_uid(user)?;
        s.uid = Some(uid);
        s.gid = dt::gid_for_uid(uid);
    }
    Ok(())
}

fn read_main(path: &Path) -> Result<String, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::NotFound(path.to_path_buf()));
    }
    let bytes = std::fs::read(path).map_err(|_| ConfigError::Unreadable(path.to_path_buf()))?;
    String::from_utf8(bytes).map_err(|_| ConfigError::Unreadable(path.to_path_buf()))
}

// ---------------------------------------------------------------------------
// The loader
// ---------------------------------------------------------------------------

/// Facts about the machine the loader needs; fixed in tests.
#[derive(Debug, Clone)]
struct Context {
    env: HashMap<String, String>,
    cwd: String,
    host_node_name: String,
    tempdir: String,
}

impl Context {
    fn system(env: &HashMap<String, String>) -> Self {
        let cwd = std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into());
        let host_node_name = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tempdir = ["TMPDIR", "TEMP", "TMP"]
            .iter()
            .filter_map(|k| env.get(*k))
            .map(String::as_str)
            .chain(["/tmp", "/var/tmp", "/usr/tmp"])
            .map(|d| dt::abspath(d, &cwd))
            .find(|d| Path::new(d).is_dir())
            .unwrap_or_else(|| cwd.clone());
        Context {
            env: env.clone(),
            cwd,
            host_node_name,
            tempdir,
        }
    }
}

/// An option value with where it came from.
struct Raw {
    text: String,
    file: Option<String>,
    line: Option<usize>,
}

/// A parsed `*_logfile` value before `redirect_stderr` is applied.
enum LogName {
    None,
    Auto,
    Syslog,
    Path(String),
}

struct Loader {
    ctx: Context,
    ini: Ini,
    /// The config file name as given (supervisord's `configfile`).
    configfile: String,
    /// `%(here)s`: the directory of the main file.
    here: String,
    /// Base directory for relative `[include]` globs.
    include_base: String,
    /// `ENV_*` expansions (the parser's `expansions`), extended by
    /// `[supervisord] environment`.
    environ: Expansions,
    warnings: RefCell<Vec<String>>,
    infos: Vec<String>,
}

fn str_val(s: &str) -> ExpVal {
    ExpVal::Str(s.to_string())
}

impl Loader {
    fn new(ctx: Context, configfile: String, here: String, include_base: String) -> Self {
        let environ = ctx
            .env
            .iter()
            .map(|(k, v)| (format!("ENV_{k}"), str_val(v)))
            .collect();
        Loader {
            ctx,
            ini: Ini::new(),
            configfile,
            here,
            include_base,
            environ,
            warnings: RefCell::new(Vec::new()),
            infos: Vec::new(),
        }
    }

    // ----- error helpers -----

    fn location(&self, section: &str, raw: Option<&Raw>) -> Location {
        match raw {
            Some(Raw {
                file: Some(file),
                line,
                ..
            }) => Location {
                file: file.clone(),
                line: *line,
            },
            _ => Location {
                file: self
                    .ini
                    .section_file(section)
                    .unwrap_or(&self.configfile)
                    .to_string(),
                line: None,
            },
        }
    }

    fn section_err(&self, section: &str, raw: Option<&Raw>, message: String) -> ConfigError {
        ConfigError::Section {
            section: section.to_string(),
            location: self.location(section, raw),
            message,
        }
    }

    fn value_err(&self, section: &str, option: &str, raw: &Raw, reason: String) -> ConfigError {
        ConfigError::Value {
            section: section.to_string(),
            option: option.to_string(),
            location: self.location(section, Some(raw)),
            reason,
        }
    }

    /// Converts a value, turning a conversion failure into a
    /// [`ConfigError::Value`].
    fn conv<T>(
        &self,
        section: &str,
        option: &str,
        raw: &Raw,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        f(&raw.text).map_err(|reason| self.value_err(section, option, raw, reason))
    }

    /// supervisord's `saneget`: the option (or `default`), expanded with the
    /// `ENV_*` variables overlaid by `extra` unless `do_expand` is false.
    fn saneget(
        &self,
        section: &str,
        option: &str,
        default: Option<&str>,
        do_expand: bool,
        extra: &Expansions,
    ) -> Result<Option<Raw>, ConfigError> {
        let mut raw = match self.ini.get(section, option) {
            Some(v) => Raw {
                text: v.text.clone(),
                file: Some(v.file.clone()),
                line: Some(v.line),
            },
            None => match default {
                Some(d) => Raw {
                    text: d.to_string(),
                    file: None,
                    line: None,
                },
                None => return Ok(None),
            },
        };
        if do_expand {
            let mut combined = self.environ.clone();
            combined.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            raw.text = expand(&raw.text, &combined, &format!("{section}.{option}"))
                .map_err(|m| self.section_err(section, Some(&raw), m))?;
        }
        Ok(Some(raw))
    }

    /// `saneget` with a default (never `None`).
    fn get(
        &self,
        section: &str,
        option: &str,
        default: &str,
        extra: &Expansions,
    ) -> Result<Raw, ConfigError> {
        let raw = self.saneget(section, option, Some(default), true, extra)?;
        Ok(raw.unwrap_or(Raw {
            text: default.to_string(),
            file: None,
            line: None,
        }))
    }

    fn here_expansions(&self) -> Expansions {
        Expansions::from([("here".to_string(), str_val(&self.here))])
    }

    // ----- reading -----

    fn run(mut self, text: &str) -> Result<Config, ConfigError> {
        let fpname = self.configfile.clone();
        self.ini
            .read_str(text, &fpname)
            .map_err(ConfigError::Syntax)?;
        self.includes()?;
        if !self.ini.has_section("supervisord") {
            return Err(ConfigError::Invalid(
                ".ini file does not include supervisord section".into(),
            ));
        }
        let supervisord = self.supervisord_section()?;
        for (k, v) in &supervisord.environment {
            self.environ.insert(format!("ENV_{k}"), str_val(v));
        }
        let rpcinterfaces = self.rpcinterfaces()?;
        let mut groups = self.process_groups()?;
        for group in &mut groups {
            for proc in &mut group.processes {
                let mut env = supervisord.environment.clone();
                for (k, v) in std::mem::take(&mut proc.environment) {
                    set_pair(&mut env, k, v);
                }
                proc.environment = env;
            }
        }
        let (inet_http_servers, unix_http_servers) = self.servers()?;
        let serverurl = match unix_http_servers.first() {
            Some(u) => Some(format!("unix://{}", u.file.display())),
            None => inet_http_servers.last().map(|i| {
                let host = if i.host.is_empty() {
                    "localhost"
                } else {
                    &i.host
                };
                format!("http://{}:{}", host, i.port)
            }),
        };
        Ok(Config {
            supervisord,
            groups,
            inet_http_servers,
            unix_http_servers,
            rpcinterfaces,
            serverurl,
            warnings: self.warnings.into_inner(),
            infos: self.infos,
        })
    }

    fn includes(&mut self) -> Result<(), ConfigError> {
        if !self.ini.has_section("include") {
            return Ok(());
        }
        let here = self.here.clone();
        self.ini.expand_here(&here);
        let Some(files) = self.ini.get("include", "files") else {
            return Err(ConfigError::Invalid(
                ".ini file has [include] section, but no files setting".into(),
            ));
        };
        let raw = Raw {
            text: files.text.clone(),
            file: Some(files.file.clone()),
            line: Some(files.line),
        };
        let mut expansions = self.environ.clone();
        expansions.insert("here".into(), str_val(&self.here));
        expansions.insert("host_node_name".into(), str_val(&self.ctx.host_node_name));
        let files = expand(&raw.text, &expansions, "include.files")
            .map_err(|m| self.section_err("include", Some(&raw), m))?;
        for pattern in files
            .split(crate::ini::py_is_space)
            .filter(|s| !s.is_empty())
        {
            let pattern = dt::path_join(&self.include_base, pattern);
            let mut filenames = dt::glob(&pattern);
            if filenames.is_empty() {
                self.warnings
                    .get_mut()
                    .push(format!("No file matches via include \"{pattern}\""));
                continue;
            }
            filenames.sort();
            for filename in filenames {
                self.infos
                    .push(format!("Included extra file \"{filename}\" during parsing"));
                match self.ini.read_path(Path::new(&filename), &filename) {
                    Ok(_) => {}
                    Err(ReadError::Utf8(f)) => {
                        return Err(ConfigError::Unreadable(PathBuf::from(f)))
                    }
                    Err(ReadError::Ini(e)) => return Err(ConfigError::Syntax(e)),
                }
                let dir = dt::abspath(dt::dirname(&filename), &self.ctx.cwd);
                self.ini.expand_here(&dir);
            }
        }
        Ok(())
    }

    fn supervisord_section(&self) -> Result<SupervisordConfig, ConfigError> {
        const S: &str = "supervisord";
        let here = self.here_expansions();
        let env = &self.ctx.env;
        let get = |opt: &str, default: &str| self.get(S, opt, default, &here);
        let minfds = self.conv(S, "minfds", &get("minfds", "1024")?, dt::integer)?;
        let minprocs = self.conv(S, "minprocs", &get("minprocs", "200")?, dt::integer)?;
        let directory = match self.saneget(S, "directory", None, true, &here)? {
            None => None,
            Some(raw) => Some(PathBuf::from(self.conv(S, "directory", &raw, |v| {
                dt::existing_directory(v, env, &self.ctx.cwd)
            })?)),
        };
        let user = self.saneget(S, "user", None, true, &here)?.map(|r| r.text);
        let umask = self.conv(S, "umask", &get("umask", "022")?, dt::octal_type)?;
        let logfile = self.conv(S, "logfile", &get("logfile", "supervisord.log")?, |v| {
            dt::existing_dirpath(v, env, &self.ctx.cwd)
        })?;
        let logfile_maxbytes = self.conv(
            S,
            "logfile_maxbytes",
            &get("logfile_maxbytes", "50MB")?,
            dt::byte_size,
        )?;
        let logfile_backups = self.conv(
            S,
            "logfile_backups",
            &get("logfile_backups", "10")?,
            dt::integer,
        )?;
        let loglevel = self.conv(S, "loglevel", &get("loglevel", "info")?, dt::logging_level)?;
        let pidfile = self.conv(S, "pidfile", &get("pidfile", "supervisord.pid")?, |v| {
            dt::existing_dirpath(v, env, &self.ctx.cwd)
        })?;
        let identifier = get("identifier", "supervisor")?.text;
        let nodaemon = self.conv(S, "nodaemon", &get("nodaemon", "false")?, dt::boolean)?;
        let silent = self.conv(S, "silent", &get("silent", "false")?, dt::boolean)?;
        let tempdir = self.ctx.tempdir.clone();
        let childlogdir = self.conv(S, "childlogdir", &get("childlogdir", &tempdir)?, |v| {
            dt::existing_directory(v, env, &self.ctx.cwd)
        })?;
        let nocleanup = self.conv(S, "nocleanup", &get("nocleanup", "false")?, dt::boolean)?;
        let strip_ansi = self.conv(S, "strip_ansi", &get("strip_ansi", "false")?, dt::boolean)?;
        let mut env_raw = get("environment", "")?;
        let mut expansions = self.environ.clone();
        expansions.insert("here".into(), str_val(&self.here));
        expansions.insert("host_node_name".into(), str_val(&self.ctx.host_node_name));
        env_raw.text = expand(&env_raw.text, &expansions, "environment")
            .map_err(|m| self.section_err(S, Some(&env_raw), m))?;
        let environment = self.conv(S, "environment", &env_raw, dt::dict_of_key_value_pairs)?;
        let logfile = if logfile == "syslog" {
            MainLogFile::Syslog
        } else {
            MainLogFile::Path(PathBuf::from(dt::normalize_path(
                &logfile,
                env,
                &self.ctx.cwd,
            )))
        };
        let pidfile = PathBuf::from(dt::normalize_path(&pidfile, env, &self.ctx.cwd));
        Ok(SupervisordConfig {
            logfile,
            logfile_maxbytes,
            logfile_backups,
            loglevel,
            pidfile,
            umask,
            nodaemon,
            silent,
            minfds,
            minprocs,
            nocleanup,
            childlogdir: PathBuf::from(childlogdir),
            user,
            uid: None,
            gid: None,
            directory,
            strip_ansi,
            environment,
            identifier,
        })
    }

    fn rpcinterfaces(&self) -> Result<Vec<RpcInterfaceConfig>, ConfigError> {
        const KEY: &str = "supervisor.rpcinterface_factory";
        let none = Expansions::new();
        let mut out = Vec::new();
        for section in self.ini.sections() {
            let Some(name) = section.strip_prefix("rpcinterface:") else {
                continue;
            };
            let Some(factory) = self.saneget(section, KEY, None, true, &none)? else {
                return Err(ConfigError::Invalid(format!(
                    "section [{section}] does not specify a {KEY}"
                )));
            };
            let factory = py_strip(&factory.text).to_string();
            if factory != MAIN_RPCINTERFACE_FACTORY {
                return Err(ConfigError::Invalid(format!(
                    "{factory} cannot be resolved within [{section}]"
                )));
            }
            let mut extras = Vec::new();
            for (k, _) in self.ini.items(section) {
                if k != KEY {
                    if let Some(v) = self.saneget(section, &k, None, true, &none)? {
                        extras.push((k, v.text));
                    }
                }
            }
            out.push(RpcInterfaceConfig {
                name: name.to_string(),
                factory,
                extras,
            });
        }
        Ok(out)
    }

    fn process_groups(&self) -> Result<Vec<GroupConfig>, ConfigError> {
        let sections: Vec<String> = self.ini.sections().map(String::from).collect();
        let here = self.here_expansions();
        let mut groups = Vec::new();
        let mut homogeneous_exclude: Vec<String> = Vec::new();
        let name_of = |section: &str| -> Result<String, ConfigError> {
            let raw = section.split_once(':').map_or("", |(_, n)| n);
            dt::process_or_group_name(raw).map_err(|m| self.section_err(section, None, m))
        };

        // heterogeneous groups
        for section in sections.iter().filter(|s| s.starts_with("group:")) {
            let group_name = name_of(section)?;
            let programs = match self.saneget(section, "programs", None, true, &here)? {
                Some(raw) => dt::list_of_strings(&raw.text),
                None => Vec::new(),
            };
            let prio = self.get(section, "priority", "999", &here)?;
            let priority = self.conv(section, "priority", &prio, dt::integer)?;
            let mut processes = Vec::new();
            for program in programs {
                let program_section = format!("program:{program}");
                let fcgi_section = format!("fcgi-program:{program}");
                let has_program = sections.contains(&program_section);
                let has_fcgi = sections.contains(&fcgi_section);
                if !has_program && !has_fcgi {
                    return Err(ConfigError::Invalid(format!(
                        "[{section}] names unknown program or fcgi-program {program}"
                    )));
                }
                if has_program && has_fcgi {
                    return Err(ConfigError::Invalid(format!(
                        "[{section}] name {program} is ambiguous (exists as program and fcgi-program)"
                    )));
                }
                if has_fcgi {
                    return Err(self.fcgi_unsupported(&fcgi_section));
                }
                homogeneous_exclude.push(program_section.clone());
                processes.extend(self.processes_from_section(&program_section, &group_name)?);
            }
            groups.push(GroupConfig {
                name: group_name,
                priority,
                processes,
                pool: None,
            });
        }

        // homogeneous groups, one per program
        for section in sections.iter().filter(|s| s.starts_with("program:")) {
            if homogeneous_exclude.contains(section) {
                continue;
            }
            let program_name = name_of(section)?;
            let prio = self.get(section, "priority", "999", &here)?;
            let priority = self.conv(section, "priority", &prio, dt::integer)?;
            let processes = self.processes_from_section(section, &program_name)?;
            groups.push(GroupConfig {
                name: program_name,
                priority,
                processes,
                pool: None,
            });
        }

        // event listener pools
        for section in sections.iter().filter(|s| s.starts_with("eventlistener:")) {
            let pool_name = section.split_once(':').map_or("", |(_, n)| n).to_string();
            let prio = self.get(section, "priority", "-1", &here)?;
            let priority = self.conv(section, "priority", &prio, dt::integer)?;
            let bs = self.get(section, "buffer_size", "10", &here)?;
            let buffer_size = self.conv(section, "buffer_size", &bs, dt::integer)?;
            if buffer_size < 1 {
                return Err(ConfigError::Invalid(format!(
                    "[{section}] section sets invalid buffer_size ({buffer_size})"
                )));
            }
            let rh = self.get(section, "result_handler", DEFAULT_RESULT_HANDLER, &here)?;
            let result_handler = py_strip(&rh.text).to_string();
            if result_handler != DEFAULT_RESULT_HANDLER {
                return Err(ConfigError::Invalid(format!(
                    "{} cannot be resolved within [{section}]",
                    rh.text
                )));
            }
            let ev = self.get(section, "events", "", &here)?;
            let mut events: Vec<String> = Vec::new();
            for name in dt::list_of_strings(&ev.text) {
                let name = name.to_uppercase();
                if !events.contains(&name) {
                    events.push(name);
                }
            }
            if events.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "[{section}] section requires an \"events\" line"
                )));
            }
            if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
                return Err(ConfigError::Invalid(format!(
                    "Unknown event type {bad} in [{section}] events"
                )));
            }
            let rs = self.get(section, "redirect_stderr", "false", &here)?;
            if self.conv(section, "redirect_stderr", &rs, dt::boolean)? {
                return Err(ConfigError::Invalid(format!(
                    "[{section}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol"
                )));
            }
            let processes = self.processes_from_section(section, &pool_name)?;
            groups.push(GroupConfig {
                name: pool_name,
                priority,
                processes,
                pool: Some(EventListenerPoolConfig {
                    buffer_size,
                    events,
                    result_handler,
                }),
            });
        }

        if let Some(section) = sections
            .iter()
            .find(|s| s.starts_with("fcgi-program:") && !homogeneous_exclude.contains(s))
        {
            return Err(self.fcgi_unsupported(section));
        }

        groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(groups)
    }

    fn fcgi_unsupported(&self, section: &str) -> ConfigError {
        self.section_err(
            section,
            None,
            "fcgi-program sections are not supported by this supervisord".into(),
        )
    }

    /// supervisord's `_processes_from_section`: the process instances of one
    /// program-like section.
    fn processes_from_section(
        &self,
        section: &str,
        group_name: &str,
    ) -> Result<Vec<ProcessConfig>, ConfigError> {
        let raw_name = section.split_once(':').map_or("", |(_, n)| n);
        let program_name =
            dt::process_or_group_name(raw_name).map_err(|m| self.section_err(section, None, m))?;
        let mut common = Expansions::from([
            ("here".to_string(), str_val(&self.here)),
            ("program_name".to_string(), str_val(&program_name)),
            (
                "host_node_name".to_string(),
                str_val(&self.ctx.host_node_name),
            ),
            ("group_name".to_string(), str_val(group_name)),
        ]);
        let env = &self.ctx.env;
        macro_rules! opt {
            ($name:expr, $default:expr, $conv:expr) => {{
                let raw = self.get(section, $name, $default, &common)?;
                self.conv(section, $name, &raw, $conv)?
            }};
        }
        let priority = opt!("priority", "999", dt::integer);
        let autostart = opt!("autostart", "true", dt::boolean);
        let autorestart = opt!("autorestart", "unexpected", dt::auto_restart);
        let startsecs = opt!("startsecs", "1", dt::integer);
        let startretries = opt!("startretries", "3", dt::integer);
        let stopsignal = opt!("stopsignal", "TERM", dt::signal_number);
        let stopwaitsecs = opt!("stopwaitsecs", "10", dt::integer);
        let stopasgroup = opt!("stopasgroup", "false", dt::boolean);
        let killasgroup = opt!(
            "killasgroup",
            if stopasgroup { "true" } else { "false" },
            dt::boolean
        );
        let exitcodes = opt!("exitcodes", "0", dt::list_of_exitcodes);
        let redirect_stderr = opt!("redirect_stderr", "false", dt::boolean);
        let numprocs = opt!("numprocs", "1", dt::integer);
        let numprocs_start = opt!("numprocs_start", "0", dt::integer);
        let environment_raw = self
            .saneget(section, "environment", Some(""), false, &common)?
            .unwrap_or(Raw {
                text: String::new(),
                file: None,
                line: None,
            });
        let stdout_cmaxbytes = opt!("stdout_capture_maxbytes", "0", dt::byte_size);
        let stdout_events = opt!("stdout_events_enabled", "false", dt::boolean);
        let stderr_cmaxbytes = opt!("stderr_capture_maxbytes", "0", dt::byte_size);
        let stderr_events = opt!("stderr_events_enabled", "false", dt::boolean);
        let serverurl = self
            .saneget(section, "serverurl", None, true, &common)?
            .map(|r| r.text)
            .filter(|u| !u.is_empty() && py_strip(u).to_uppercase() != "AUTO");
        let (user, uid) = match self.saneget(section, "user", None, true, &common)? {
            None => (None, None),
            Some(raw) => {
                let uid = self.conv(section, "user", &raw, dt::name_to_uid)?;
                (Some(raw.text), Some(uid))
            }
        };
        let umask = match self.saneget(section, "umask", None, true, &common)? {
            None => None,
            Some(raw) => Some(self.conv(section, "umask", &raw, dt::octal_type)?),
        };
        let pn_raw = self
            .saneget(
                section,
                "process_name",
                Some("%(program_name)s"),
                false,
                &common,
            )?
            .unwrap_or(Raw {
                text: "%(program_name)s".into(),
                file: None,
                line: None,
            });
        let process_name =
            self.conv(section, "process_name", &pn_raw, dt::process_or_group_name)?;
        if numprocs > 1 && !process_name.contains("%(process_num)") {
            return Err(self.section_err(
                section,
                Some(&pn_raw),
                "%(process_num) must be present within process_name when numprocs > 1".into(),
            ));
        }
        if stopasgroup && !killasgroup {
            return Err(self.section_err(
                section,
                None,
                "Cannot set stopasgroup=true and killasgroup=false".into(),
            ));
        }

        if numprocs > MAX_NUMPROCS {
            return Err(self.value_err(
                section,
                "numprocs",
                &self.get(section, "numprocs", "1", &common)?,
                format!("{numprocs} is above the supported maximum ({MAX_NUMPROCS})"),
            ));
        }
        let mut programs = Vec::new();
        let end = numprocs_start.saturating_add(numprocs.max(0));
        for process_num in numprocs_start..end {
            common.insert("process_num".into(), ExpVal::Int(process_num));
            common.insert("numprocs".into(), ExpVal::Int(numprocs));
            common.extend(self.environ.iter().map(|(k, v)| (k.clone(), v.clone())));

            let env_text = expand(&environment_raw.text, &common, "environment")
                .map_err(|m| self.section_err(section, Some(&environment_raw), m))?;
            let environment = dt::dict_of_key_value_pairs(&env_text)
                .map_err(|m| self.value_err(section, "environment", &environment_raw, m))?;
            for (k, v) in &environment {
                common.insert(format!("ENV_{k}"), str_val(v));
            }

            let directory = self
                .saneget(section, "directory", None, true, &common)?
                .map(|r| r.text);

            let mut streams = Vec::with_capacity(2);
            for channel in ["stdout", "stderr"] {
                let lf_key = format!("{channel}_logfile");
                let logfile = match self.saneget(section, &lf_key, None, true, &common)? {
                    None => LogName::Auto,
                    Some(mut raw) => {
                        raw.text = expand(&raw.text, &common, &lf_key)
                            .map_err(|m| self.section_err(section, Some(&raw), m))?;
                        match raw.text.to_lowercase().as_str() {
                            "none" | "off" | "" => LogName::None,
                            "auto" => LogName::Auto,
                            "syslog" => LogName::Syslog,
                            _ => LogName::Path(self.conv(section, &lf_key, &raw, |v| {
                                dt::existing_dirpath(v, env, &self.ctx.cwd)
                            })?),
                        }
                    }
                };
                let bu_key = format!("{channel}_logfile_backups");
                let backups = opt!(bu_key.as_str(), "10", dt::integer);
                let mb_key = format!("{channel}_logfile_maxbytes");
                let maxbytes = opt!(mb_key.as_str(), "50MB", dt::byte_size);
                let sy_key = format!("{channel}_syslog");
                let mut syslog = opt!(sy_key.as_str(), "false", dt::boolean);
                let logfile = match logfile {
                    LogName::Syslog => {
                        self.warnings_push(format!(
                            "For [{section}], {lf_key}=syslog but this is deprecated and will be removed.  Use {sy_key}=true to enable syslog instead."
                        ));
                        syslog = true;
                        LogFile::None
                    }
                    LogName::None => LogFile::None,
                    LogName::Auto => {
                        if maxbytes == 0 {
                            self.warnings_push(format!(
                                "For [{section}], AUTO logging used for {lf_key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"
                            ));
                        }
                        LogFile::Auto
                    }
                    LogName::Path(p) => LogFile::Path(PathBuf::from(p)),
                };
                streams.push(StreamConfig {
                    logfile,
                    logfile_maxbytes: maxbytes,
                    logfile_backups: backups,
                    capture_maxbytes: 0,
                    events_enabled: false,
                    syslog,
                });
            }
            let mut stderr = streams.pop().unwrap_or_else(default_stream);
            let mut stdout = streams.pop().unwrap_or_else(default_stream);
            stdout.capture_maxbytes = stdout_cmaxbytes;
            stdout.events_enabled = stdout_events;
            stderr.capture_maxbytes = stderr_cmaxbytes;
            stderr.events_enabled = stderr_events;
            if redirect_stderr {
                if matches!(stderr.logfile, LogFile::Path(_)) {
                    self.warnings_push(format!(
                        "For [{section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"
                    ));
                }
                stderr.logfile = LogFile::None;
            }

            let Some(command) = self.saneget(section, "command", None, true, &common)? else {
                return Err(self.section_err(
                    section,
                    None,
                    format!("program section {section} does not specify a command"),
                ));
            };
            let name = expand(&process_name, &common, "process_name")
                .map_err(|m| self.section_err(section, Some(&pn_raw), m))?;

            programs.push(ProcessConfig {
                name,
                section: section.to_string(),
                command: command.text,
                directory,
                umask,
                priority,
                autostart,
                autorestart,
                startsecs,
                startretries,
                user: user.clone(),
                uid,
                stdout,
                stderr,
                stopsignal,
                stopwaitsecs,
                stopasgroup,
                killasgroup,
                exitcodes: exitcodes.clone(),
                redirect_stderr,
                environment,
                serverurl: serverurl.clone(),
            });
        }
        programs.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(programs)
    }

    /// Records a parse warning (supervisord's `parse_warnings`).
    fn warnings_push(&self, w: String) {
        self.warnings.borrow_mut().push(w);
    }

    fn servers(
        &self,
    ) -> Result<(Vec<InetHttpServerConfig>, Vec<UnixHttpServerConfig>), ConfigError> {
        let none = Expansions::new();
        let here = self.here_expansions();
        let mut inet = Vec::new();
        for section in self
            .ini
            .sections()
            .filter(|s| s.starts_with("inet_http_server"))
        {
            let (username, password) = self.credentials(section)?;
            let Some(port) = self.saneget(section, "port", None, true, &none)? else {
                return Err(ConfigError::Invalid(format!(
                    "section [{section}] has no port value"
                )));
            };
            let (host, port) = self.conv(section, "port", &port, dt::inet_address)?;
            inet.push(InetHttpServerConfig {
                section: section.to_string(),
                host,
                port,
                username,
                password,
            });
        }
        let mut unix = Vec::new();
        for section in self
            .ini
            .sections()
            .filter(|s| s.starts_with("unix_http_server"))
        {
            let Some(file) = self.saneget(section, "file", None, true, &here)? else {
                return Err(ConfigError::Invalid(format!(
                    "section [{section}] has no file value"
                )));
            };
            let file = dt::normalize_path(py_strip(&file.text), &self.ctx.env, &self.ctx.cwd);
            let (username, password) = self.credentials(section)?;
            let chown = match self.saneget(section, "chown", None, true, &none)? {
                None => None,
                Some(raw) => Some(self.conv(section, "chown", &raw, |v| {
                    dt::colon_separated_user_group(v)
                        .map_err(|_| format!("Invalid sockchown value {v}"))
                })?),
            };
            let chmod = match self.saneget(section, "chmod", None, true, &none)? {
                None => 0o700,
                Some(raw) => self.conv(section, "chmod", &raw, |v| {
                    dt::octal_type(v).map_err(|_| format!("Invalid chmod value {v}"))
                })?,
            };
            unix.push(UnixHttpServerConfig {
                section: section.to_string(),
                file: PathBuf::from(file),
                chmod,
                chown,
                username,
                password,
            });
        }
        Ok((inet, unix))
    }

    fn credentials(&self, section: &str) -> Result<(Option<String>, Option<String>), ConfigError> {
        let none = Expansions::new();
        let username = self
            .saneget(section, "username", None, true, &none)?
            .map(|r| r.text);
        let password = self
            .saneget(section, "password", None, true, &none)?
            .map(|r| r.text);
        if username.is_some() != password.is_some() {
            return Err(ConfigError::Invalid(format!(
                "Section [{section}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"
            )));
        }
        Ok((username, password))
    }

    /// `ClientOptions.read_config` for `[supervisorctl]`.
    fn ctl_section(&self) -> Result<CtlConfig, ConfigError> {
        const S: &str = "supervisorctl";
        if !self.ini.has_section(S) {
            return Err(ConfigError::Invalid(
                ".ini file does not include supervisorctl section".into(),
            ));
        }
        let none = Expansions::new();
        let here = self.here_expansions();
        let env = &self.ctx.env;
        let mut serverurl = self
            .get(S, "serverurl", "http://localhost:9001", &here)?
            .text;
        if let Some(path) = serverurl.strip_prefix("unix://") {
            serverurl = format!("unix://{}", dt::normalize_path(path, env, &self.ctx.cwd));
        }
        let prompt = self.get(S, "prompt", "supervisor", &none)?.text;
        let username = self
            .saneget(S, "username", None, true, &none)?
            .map(|r| r.text);
        let password = self
            .saneget(S, "password", None, true, &none)?
            .map(|r| r.text);
        let history_file = self
            .saneget(S, "history_file", None, true, &here)?
            .map(|r| r.text)
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(dt::normalize_path(&h, env, &self.ctx.cwd)));
        for section in self.ini.sections() {
            if !section.starts_with("ctlplugin:") {
                continue;
            }
            const KEY: &str = "supervisor.ctl_factory";
            match self.saneget(section, KEY, None, true, &none)? {
                None => {
                    return Err(ConfigError::Invalid(format!(
                        "section [{section}] does not specify a {KEY}"
                    )))
                }
                Some(spec) => {
                    return Err(ConfigError::Invalid(format!(
                        "{} cannot be resolved within [{section}]",
                        spec.text
                    )))
                }
            }
        }
        Ok(CtlConfig {
            serverurl,
            username,
            password,
            prompt,
            history_file,
        })
    }
}

fn default_stream() -> StreamConfig {
    StreamConfig {
        logfile: LogFile::Auto,
        logfile_maxbytes: 50 * 1024 * 1024,
        logfile_backups: 10,
        capture_maxbytes: 0,
        events_enabled: false,
        syslog: false,
    }
}

/// Python dict assignment on an ordered list of pairs.
fn set_pair(pairs: &mut Vec<(String, String)>, k: String, v: String) {
    match pairs.iter_mut().find(|(key, _)| *key == k) {
        Some(slot) => slot.1 = v,
        None => pairs.push((k, v)),
    }
}

/// Where supervisord and supervisorctl look for their configuration when `-c`
/// is not given, in order (`Options.searchpaths` in supervisor/options.py):
/// `etc/supervisord.conf` and `supervisord.conf` in the parent of the
/// executable's directory (Python takes it from `argv[0]`; here it is the
/// running executable), then `supervisord.conf` and `etc/supervisord.conf`
/// in the working directory, `/etc/supervisord.conf` and
/// `/etc/supervisor/supervisord.conf`.
pub fn config_search_paths() -> Vec<PathBuf> {
    let mut paths = Vec::with_capacity(6);
    if let Ok(exe) = std::env::current_exe() {
        // os.path.dirname(os.path.dirname(argv0)): "/" stays "/".
        let dir = exe.parent().unwrap_or(Path::new("/"));
        let here = dir.parent().unwrap_or(dir);
        paths.push(here.join("etc").join("supervisord.conf"));
        paths.push(here.join("supervisord.conf"));
    }
    paths.extend(
        [
            "supervisord.conf",
            "etc/supervisord.conf",
            "/etc/supervisord.conf",
            "/etc/supervisor/supervisord.conf",
        ]
        .map(PathBuf::from),
    );
    paths
}

// ---------------------------------------------------------------------------
// Process names (the daemon's RPC interface and supervisorctl)
// ---------------------------------------------------------------------------

/// supervisord's `make_namespec`: `group:name`, or `name` when they are equal.
pub fn make_namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_owned()
    } else {
        format!("{group}:{name}")
    }
}

/// supervisord's `split_namespec`: `(group, Some(process))`, with no process for
/// a whole group (`g:*` or `g:`); a bare `name` is its own group.
pub fn split_namespec(ns: &str) -> (String, Option<String>) {
    match ns.split_once(':') {
        Some((g, p)) if p.is_empty() || p == "*" => (g.to_owned(), None),
        Some((g, p)) => (g.to_owned(), Some(p.to_owned())),
        None => (ns.to_owned(), Some(ns.to_owned())),
    }
}

// ---------------------------------------------------------------------------
// Value converters the daemon needs outside of a config file: `signal_number`
// (for `supervisor.signalProcess`), `logging_level` (for `-e`) and
// `byte_size` (for `-y`)
// ---------------------------------------------------------------------------

pub(crate) use datatypes::{byte_size, logging_level, signal_number};
