//! Value conversions of supervisord's `datatypes.py`, plus the few pieces of
//! Python's standard library they rely on (`int()`, `shlex`, `os.path`,
//! `glob`, `pwd`/`grp`). Error strings are Python's/supervisord's.

use std::collections::HashMap;
use std::path::Path;

use nix::unistd::{Gid, Group, Uid, User};

use crate::ini::{py_repr, py_strip};

/// Parses a Python `int(s, base)` literal (base 10 or 8): surrounding
/// whitespace, a sign, `_` between digits, and for base 8 an optional `0o`.
fn parse_py_int(s: &str, base: u32) -> Option<Result<i64, ()>> {
    let t = py_strip(s);
    let (neg, mut t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if base == 8 {
        if let Some(r) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
            t = r.strip_prefix('_').unwrap_or(r);
        }
    }
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let mut acc: i64 = 0;
    let mut overflow = false;
    for c in t.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(base)?;
        match acc
            .checked_mul(base as i64)
            .and_then(|a| a.checked_add(d as i64))
        {
            Some(v) => acc = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Some(Err(()));
    }
    Some(Ok(if neg { -acc } else { acc }))
}

/// Python's `int(s)`, with its error message.
pub(crate) fn py_int(s: &str) -> Result<i64, String> {
    match parse_py_int(s, 10) {
        Some(Ok(v)) => Ok(v),
        Some(Err(())) => Err(format!("integer value {} is too large", py_repr(s))),
        None => Err(format!(
            "invalid literal for int() with base 10: {}",
            py_repr(s)
        )),
    }
}

/// supervisord's `integer`.
pub(crate) fn integer(s: &str) -> Result<i64, String> {
    py_int(s)
}

const TRUTHY: [&str; 4] = ["yes", "true", "on", "1"];
const FALSY: [&str; 4] = ["no", "false", "off", "0"];

/// supervisord's `boolean`: yes/true/on/1 and no/false/off/0, any case.
pub(crate) fn boolean(s: &str) -> Result<bool, String> {
    let l = s.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(true)
    } else if FALSY.contains(&l.as_str()) {
        Ok(false)
    } else {
        Err(format!("not a valid boolean value: {}", py_repr(s)))
    }
}

/// supervisord's `byte_size`: an integer with an optional `KB`/`MB`/`GB`
/// suffix (any case).
pub(crate) fn byte_size(s: &str) -> Result<i64, String> {
    let l = s.to_lowercase();
    for (suffix, mult) in [
        ("kb", 1024i64),
        ("mb", 1024 * 1024),
        ("gb", 1024 * 1024 * 1024),
    ] {
        if let Some(num) = l.strip_suffix(suffix) {
            return py_int(num)?
                .checked_mul(mult)
                .ok_or_else(|| format!("integer value {} is too large", py_repr(s)));
        }
    }
    py_int(&l)
}

/// supervisord's `octal_type`.
pub(crate) fn octal_type(s: &str) -> Result<u32, String> {
    match parse_py_int(s, 8) {
        Some(Ok(v)) => {
            u32::try_from(v).map_err(|_| format!("{s} can not be converted to an octal type"))
        }
        _ => Err(format!("{s} can not be converted to an octal type")),
    }
}

/// Signal names known to Python's `signal` module on Linux (without the
/// `SIG` prefix), as `signal_number` resolves them.
const SIGNAL_NAMES: &[(&str, i32)] = &[
    ("ABRT", 6),
    ("ALRM", 14),
    ("BUS", 7),
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("FPE", 8),
    ("HUP", 1),
    ("ILL", 4),
    ("INT", 2),
    ("IO", 29),
    ("IOT", 6),
    ("KILL", 9),
    ("PIPE", 13),
    ("POLL", 29),
    ("PROF", 27),
    ("PWR", 30),
    ("QUIT", 3),
    ("RTMAX", 64),
    ("RTMIN", 34),
    ("SEGV", 11),
    ("STKFLT", 16),
    ("STOP", 19),
    ("SYS", 31),
    ("TERM", 15),
    ("TRAP", 5),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("USR1", 10),
    ("USR2", 12),
    ("VTALRM", 26),
    ("WINCH", 28),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("_BLOCK", 0),
    ("_DFL", 0),
    ("_IGN", 1),
    ("_SETMASK", 2),
    ("_UNBLOCK", 1),
];

/// supervisord's `signal_number`: a number, or a name with or without `SIG`.
pub(crate) fn signal_number(s: &str) -> Result<i32, String> {
    let num = match parse_py_int(s, 10) {
        Some(Ok(n)) => n,
        Some(Err(())) => return Err(format!("value {} is not a valid signal number", py_repr(s))),
        None => {
            let upper = py_strip(s).to_uppercase();
            let name = upper.strip_prefix("SIG").unwrap_or(&upper);
            match SIGNAL_NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => i64::from(*v),
                None => return Err(format!("value {} is not a valid signal name", py_repr(s))),
            }
        }
    };
    if (0..=31).contains(&num) || num == 34 || num == 64 {
        Ok(num as i32)
    } else {
        Err(format!("value {} is not a valid signal number", py_repr(s)))
    }
}

/// supervisord's `list_of_exitcodes`: comma-separated integers 0..=255.
pub(crate) fn list_of_exitcodes(s: &str) -> Result<Vec<i32>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let err = || format!("not a valid list of exit codes: {}", py_repr(s));
    s.split(',')
        .map(|part| match parse_py_int(part, 10) {
            Some(Ok(v)) if (0..=255).contains(&v) => Ok(v as i32),
            _ => Err(err()),
        })
        .collect()
}

/// supervisord's `list_of_strings`: comma-separated, each stripped.
pub(crate) fn list_of_strings(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|x| py_strip(x).to_string()).collect()
}

/// The `autorestart` policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRestart {
    /// `false`: never restart after an exit.
    Never,
    /// `unexpected`: restart only if the exit code is not in `exitcodes`.
    Unexpected,
    /// `true`: always restart after an exit.
    Always,
}

/// supervisord's `auto_restart`.
pub(crate) fn auto_restart(s: &str) -> Result<AutoRestart, String> {
    let l = s.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(AutoRestart::Always)
    } else if FALSY.contains(&l.as_str()) {
        Ok(AutoRestart::Never)
    } else if l == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(format!("invalid 'autorestart' value {}", py_repr(&l)))
    }
}

/// supervisord's log levels (`loggers.LevelsByName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `blather` (3).
    Blather = 3,
    /// `trace` (5).
    Trace = 5,
    /// `debug` (10).
    Debug = 10,
    /// `info` (20).
    Info = 20,
    /// `warn` (30).
    Warn = 30,
    /// `error` (40).
    Error = 40,
    /// `critical` (50).
    Critical = 50,
}

/// supervisord's `logging_level`.
pub(crate) fn logging_level(s: &str) -> Result<LogLevel, String> {
    Ok(match s.to_lowercase().as_str() {
        "critical" => LogLevel::Critical,
        "error" => LogLevel::Error,
        "warn" => LogLevel::Warn,
        "info" => LogLevel::Info,
        "debug" => LogLevel::Debug,
        "trace" => LogLevel::Trace,
        "blather" => LogLevel::Blather,
        _ => return Err(format!("bad logging level name {}", py_repr(s))),
    })
}

/// supervisord's `process_or_group_name`: stripped, and without ` `, `:`
/// or `/`.
pub(crate) fn process_or_group_name(s: &str) -> Result<String, String> {
    let t = py_strip(s);
    for c in [' ', ':', '/'] {
        if t.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py_repr(s),
                py_repr(&c.to_string())
            ));
        }
    }
    Ok(t.to_string())
}

/// Python's non-POSIX `shlex.shlex` tokenizer with supervisord's extra word
/// characters `/.+-():`.
fn shlex_tokens(s: &str) -> Result<Vec<String>, String> {
    fn is_word(c: char) -> bool {
        c.is_ascii_alphanumeric() || "_/.+-():".contains(c)
    }
    const WS: &str = " \t\r\n";
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    // state: ' ' (between tokens), 'a' (in a word), or a quote char
    let mut state = ' ';
    let mut token = String::new();
    let skip_line = |i: &mut usize| {
        while *i < chars.len() && chars[*i] != '\n' {
            *i += 1;
        }
        if *i < chars.len() {
            *i += 1;
        }
    };
    loop {
        let c = chars.get(i).copied();
        i += 1;
        match state {
            ' ' => match c {
                None => break,
                Some(c) if WS.contains(c) => {}
                Some('#') => skip_line(&mut i),
                Some(c) if is_word(c) => {
                    token.push(c);
                    state = 'a';
                }
                Some(c) if c == '\'' || c == '"' => {
                    token.push(c);
                    state = c;
                }
                Some(c) => tokens.push(c.to_string()),
            },
            'a' => match c {
                None => {
                    tokens.push(std::mem::take(&mut token));
                    break;
                }
                Some(c) if WS.contains(c) => {
                    tokens.push(std::mem::take(&mut token));
                    state = ' ';
                }
                Some('#') => skip_line(&mut i),
                Some(c) if is_word(c) || c == '\'' || c == '"' => token.push(c),
                Some(_) => {
                    // punctuation ends the word and is read again as a token
                    tokens.push(std::mem::take(&mut token));
                    i -= 1;
                    state = ' ';
                }
            },
            quote => match c {
                None => return Err("No closing quotation".into()),
                Some(c) if c == quote => {
                    token.push(c);
                    tokens.push(std::mem::take(&mut token));
                    state = ' ';
                }
                Some(c) => token.push(c),
            },
        }
    }
    Ok(tokens)
}

/// supervisord's `dict_of_key_value_pairs`: `KEY=val,KEY2="v a l"` into
/// ordered pairs (a repeated key keeps its first position, last value).
pub(crate) fn dict_of_key_value_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    let tokens = shlex_tokens(s)?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if i + 3 > tokens.len() || tokens[i + 1] != "=" {
            return Err(format!("Unexpected end of key/value pairs in value '{s}'"));
        }
        let key = tokens[i].clone();
        let val = tokens[i + 2].trim_matches(['\'', '"']).to_string();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = val,
            None => out.push((key, val)),
        }
        i += 4;
    }
    Ok(out)
}

/// supervisord's `name_to_uid`: a uid (that must exist) or a user name.
pub(crate) fn name_to_uid(name: &str) -> Result<u32, String> {
    match parse_py_int(name, 10) {
        Some(Ok(n)) => {
            let found = u32::try_from(n)
                .ok()
                .and_then(|u| User::from_uid(Uid::from_raw(u)).ok().flatten());
            match found {
                Some(u) => Ok(u.uid.as_raw()),
                None => Err(format!("Invalid user id {name}")),
            }
        }
        Some(Err(())) => Err(format!("Invalid user id {name}")),
        None => match User::from_name(name) {
            Ok(Some(u)) => Ok(u.uid.as_raw()),
            _ => Err(format!("Invalid user name {name}")),
        },
    }
}

/// supervisord's `name_to_gid`: a gid (that must exist) or a group name.
fn name_to_gid(name: &str) -> Result<u32, String> {
    match parse_py_int(name, 10) {
        Some(Ok(n)) => {
            let found = u32::try_from(n)
                .ok()
                .and_then(|g| Group::from_gid(Gid::from_raw(g)).ok().flatten());
            match found {
                Some(g) => Ok(g.gid.as_raw()),
                None => Err(format!("Invalid group id {name}")),
            }
        }
        Some(Err(())) => Err(format!("Invalid group id {name}")),
        None => match Group::from_name(name) {
            Ok(Some(g)) => Ok(g.gid.as_raw()),
            _ => Err(format!("Invalid group name {name}")),
        },
    }
}

/// supervisord's `gid_for_uid`: the primary group of a uid.
pub(crate) fn gid_for_uid(uid: u32) -> Option<u32> {
    User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.gid.as_raw())
}

/// supervisord's `colon_separated_user_group`: `user` or `user:group` to
/// `(uid, gid)`, gid `None` when no group is given.
pub(crate) fn colon_separated_user_group(s: &str) -> Result<(u32, Option<u32>), String> {
    let err = |_| format!("Invalid user:group definition {s}");
    match s.split_once(':') {
        None => Ok((name_to_uid(s).map_err(err)?, None)),
        Some((u, g)) => Ok((
            name_to_uid(u).map_err(err)?,
            Some(name_to_gid(g).map_err(err)?),
        )),
    }
}

/// supervisord's `inet_address`: `host:port`, `:port`, `*:port` or `port`
/// into `(host, port)`; the host is lower-cased and `""` means all interfaces.
pub(crate) fn inet_address(s: &str) -> Result<(String, u16), String> {
    let port_number = |p: &str| -> Result<u16, String> {
        let v = integer(p)?;
        if v < 1 {
            Err(format!("{v} is below lower bound (1)"))
        } else if v > 0xffff {
            Err(format!("{v} is above upper bound (65535)"))
        } else {
            Ok(v as u16)
        }
    };
    let (host, port) = match s.rsplit_once(':') {
        Some((host, p)) => {
            if p.is_empty() {
                return Err(format!("no port number specified in {}", py_repr(p)));
            }
            (host.to_lowercase(), port_number(p)?)
        }
        None => {
            let port =
                port_number(s).map_err(|_| format!("not a valid port number: {} ", py_repr(s)))?;
            (String::new(), port)
        }
    };
    let host = if host == "*" { String::new() } else { host };
    Ok((host, port))
}

// ----- os.path -----

/// Python's `os.path.expanduser`, with `HOME` taken from `env`.
pub(crate) fn expanduser(path: &str, env: &HashMap<String, String>) -> String {
    if !path.starts_with('~') {
        return path.to_string();
    }
    let i = path[1..].find('/').map_or(path.len(), |p| p + 1);
    let home = if i == 1 {
        match env.get("HOME") {
            Some(h) => h.clone(),
            None => match User::from_uid(Uid::current()) {
                Ok(Some(u)) => u.dir.to_string_lossy().into_owned(),
                _ => return path.to_string(),
            },
        }
    } else {
        match User::from_name(&path[1..i]) {
            Ok(Some(u)) => u.dir.to_string_lossy().into_owned(),
            _ => return path.to_string(),
        }
    };
    let joined = format!("{}{}", home.trim_end_matches('/'), &path[i..]);
    if joined.is_empty() {
        "/".to_string()
    } else {
        joined
    }
}

/// Python's `posixpath.normpath`.
pub(crate) fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else if !comps.is_empty() {
            comps.pop();
        }
    }
    let joined = format!("{}{}", "/".repeat(initial), comps.join("/"));
    if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Python's `os.path.join(a, b)`.
pub(crate) fn path_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_string()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// Python's `os.path.abspath`, relative to `cwd`.
pub(crate) fn abspath(path: &str, cwd: &str) -> String {
    normpath(&path_join(cwd, path))
}

/// Python's `os.path.split`.
fn path_split(p: &str) -> (&str, &str) {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    let (mut head, tail) = (&p[..i], &p[i..]);
    if !head.is_empty() && !head.chars().all(|c| c == '/') {
        head = head.trim_end_matches('/');
    }
    (head, tail)
}

/// Python's `os.path.dirname`.
pub(crate) fn dirname(p: &str) -> &str {
    path_split(p).0
}

/// supervisord's `normalize_path`: expanduser, abspath, normpath.
pub(crate) fn normalize_path(p: &str, env: &HashMap<String, String>, cwd: &str) -> String {
    abspath(&expanduser(p, env), cwd)
}

/// supervisord's `existing_directory` (relative paths are checked against
/// `cwd`).
pub(crate) fn existing_directory(
    v: &str,
    env: &HashMap<String, String>,
    cwd: &str,
) -> Result<String, String> {
    let nv = expanduser(v, env);
    if Path::new(&abspath(&nv, cwd)).is_dir() {
        Ok(nv)
    } else {
        Err(format!("{v} is not an existing directory"))
    }
}

/// supervisord's `existing_dirpath`: the directory part, if any, must exist
/// (relative paths are checked against `cwd`).
pub(crate) fn existing_dirpath(
    v: &str,
    env: &HashMap<String, String>,
    cwd: &str,
) -> Result<String, String> {
    let nv = expanduser(v, env);
    let dir = dirname(&nv);
    if dir.is_empty() || Path::new(&abspath(dir, cwd)).is_dir() {
        Ok(nv)
    } else {
        Err(format!(
            "The directory named as part of the path {v} does not exist"
        ))
    }
}

// ----- glob -----

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `fnmatch.fnmatchcase(name, pat)`.
fn fnmatch(name: &[char], pat: &[char]) -> bool {
    if pat.is_empty() {
        return name.is_empty();
    }
    match pat[0] {
        '*' => (0..=name.len()).any(|k| fnmatch(&name[k..], &pat[1..])),
        '?' => !name.is_empty() && fnmatch(&name[1..], &pat[1..]),
        '[' => match bracket(&pat[1..]) {
            Some((set, used)) => {
                !name.is_empty() && set.matches(name[0]) && fnmatch(&name[1..], &pat[1 + used..])
            }
            None => !name.is_empty() && name[0] == '[' && fnmatch(&name[1..], &pat[1..]),
        },
        c => !name.is_empty() && name[0] == c && fnmatch(&name[1..], &pat[1..]),
    }
}

struct CharSet {
    negate: bool,
    ranges: Vec<(char, char)>,
}

impl CharSet {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negate
    }
}

/// Parses a `[...]` class (after the `[`); returns the set and the number of
/// pattern chars consumed including the closing `]`, or `None` if unclosed
/// (then `[` is literal).
fn bracket(p: &[char]) -> Option<(CharSet, usize)> {
    let mut j = 0;
    if j < p.len() && p[j] == '!' {
        j += 1;
    }
    if j < p.len() && p[j] == ']' {
        j += 1;
    }
    while j < p.len() && p[j] != ']' {
        j += 1;
    }
    if j >= p.len() {
        return None;
    }
    let mut stuff = &p[..j];
    let negate = stuff.first() == Some(&'!');
    if negate {
        stuff = &stuff[1..];
    }
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < stuff.len() {
        if k + 2 < stuff.len() && stuff[k + 1] == '-' {
            ranges.push((stuff[k], stuff[k + 2]));
            k += 3;
        } else {
            ranges.push((stuff[k], stuff[k]));
            k += 1;
        }
    }
    Some((CharSet { negate, ranges }, j + 1))
}

fn list_dir(dir: &str, dironly: bool) -> Vec<String> {
    let dir = if dir.is_empty() { "." } else { dir };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter(|e| !dironly || e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect()
}

fn glob1(dir: &str, pattern: &str, dironly: bool) -> Vec<String> {
    let pat: Vec<char> = pattern.chars().collect();
    let hidden_ok = pattern.starts_with('.');
    list_dir(dir, dironly)
        .into_iter()
        .filter(|n| hidden_ok || !n.starts_with('.'))
        .filter(|n| fnmatch(&n.chars().collect::<Vec<_>>(), &pat))
        .collect()
}

fn glob0(dir: &str, base: &str) -> Vec<String> {
    if base.is_empty() {
        if Path::new(if dir.is_empty() { "." } else { dir }).is_dir() {
            return vec![String::new()];
        }
    } else if std::fs::symlink_metadata(path_join(dir, base)).is_ok() {
        return vec![base.to_string()];
    }
    Vec::new()
}

fn iglob(pathname: &str, dironly: bool) -> Vec<String> {
    let (dir, base) = path_split(pathname);
    if !has_magic(pathname) {
        let exists = if base.is_empty() {
            Path::new(dir).is_dir()
        } else {
            std::fs::symlink_metadata(pathname).is_ok()
        };
        return if exists {
            vec![pathname.to_string()]
        } else {
            Vec::new()
        };
    }
    if dir.is_empty() {
        return glob1("", base, dironly);
    }
    let dirs = if dir != pathname && has_magic(dir) {
        iglob(dir, true)
    } else {
        vec![dir.to_string()]
    };
    let mut out = Vec::new();
    for d in dirs {
        let names = if has_magic(base) {
            glob1(&d, base, dironly)
        } else {
            glob0(&d, base)
        };
        out.extend(names.into_iter().map(|n| path_join(&d, &n)));
    }
    out
}

/// Python's `glob.glob(pattern)` (non-recursive; hidden names only match
/// patterns that start with `.`), in unspecified order.
pub(crate) fn glob(pattern: &str) -> Vec<String> {
    iglob(pattern, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(py_int(" 12 "), Ok(12));
        assert_eq!(py_int("-3"), Ok(-3));
        assert_eq!(py_int("1_000"), Ok(1000));
        assert_eq!(
            py_int("abc"),
            Err("invalid literal for int() with base 10: 'abc'".into())
        );
        assert!(py_int("1__0").is_err());
        assert!(py_int("").is_err());
        assert!(py_int("99999999999999999999").is_err());
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("50MB"), Ok(50 * 1024 * 1024));
        assert_eq!(byte_size("1kb"), Ok(1024));
        assert_eq!(byte_size("1GB"), Ok(1024 * 1024 * 1024));
        assert_eq!(byte_size("0"), Ok(0));
        assert_eq!(byte_size("123"), Ok(123));
        assert_eq!(
            byte_size("10XB"),
            Err("invalid literal for int() with base 10: '10xb'".into())
        );
        assert_eq!(
            byte_size("abcMB"),
            Err("invalid literal for int() with base 10: 'abc'".into())
        );
    }

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "yes", "On", "1"] {
            assert_eq!(boolean(t), Ok(true));
        }
        for f in ["false", "No", "off", "0"] {
            assert_eq!(boolean(f), Ok(false));
        }
        assert_eq!(
            boolean("maybe"),
            Err("not a valid boolean value: 'maybe'".into())
        );
    }

    #[test]
    fn signals() {
        assert_eq!(signal_number("TERM"), Ok(15));
        assert_eq!(signal_number("sigterm"), Ok(15));
        assert_eq!(signal_number("HUP"), Ok(1));
        assert_eq!(signal_number("INT"), Ok(2));
        assert_eq!(signal_number("QUIT"), Ok(3));
        assert_eq!(signal_number("KILL"), Ok(9));
        assert_eq!(signal_number("USR1"), Ok(10));
        assert_eq!(signal_number("USR2"), Ok(12));
        assert_eq!(signal_number("9"), Ok(9));
        assert_eq!(
            signal_number("FOO"),
            Err("value 'FOO' is not a valid signal name".into())
        );
        assert_eq!(
            signal_number("99"),
            Err("value '99' is not a valid signal number".into())
        );
    }

    #[test]
    fn octal_and_lists() {
        assert_eq!(octal_type("022"), Ok(0o22));
        assert_eq!(octal_type("0o77"), Ok(0o77));
        assert_eq!(
            octal_type("8"),
            Err("8 can not be converted to an octal type".into())
        );
        assert_eq!(list_of_exitcodes("0,2"), Ok(vec![0, 2]));
        assert_eq!(list_of_exitcodes(""), Ok(vec![]));
        assert_eq!(
            list_of_exitcodes("0,256"),
            Err("not a valid list of exit codes: '0,256'".into())
        );
        assert_eq!(list_of_strings("a, b ,c"), vec!["a", "b", "c"]);
        assert_eq!(auto_restart("UNEXPECTED"), Ok(AutoRestart::Unexpected));
        assert_eq!(auto_restart("true"), Ok(AutoRestart::Always));
        assert_eq!(auto_restart("off"), Ok(AutoRestart::Never));
        assert_eq!(
            auto_restart("Sometimes"),
            Err("invalid 'autorestart' value 'sometimes'".into())
        );
    }

    #[test]
    fn key_value_pairs() {
        let kv = |s| dict_of_key_value_pairs(s).expect("parses");
        assert_eq!(
            kv("A=1,B=\"two, three\",C='x y'"),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two, three".into()),
                ("C".into(), "x y".into())
            ]
        );
        assert_eq!(
            kv("PATH=\"/usr/bin:/bin\", HOME=/root"),
            vec![
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("HOME".into(), "/root".into())
            ]
        );
        assert_eq!(kv(""), vec![]);
        assert_eq!(kv("A=1,A=2"), vec![("A".into(), "2".into())]);
        // supervisord's quirk: `$` ends the word, the rest is skipped
        assert_eq!(kv("A=$HOME"), vec![("A".into(), "$".into())]);
        assert_eq!(kv("A=\"x\"y"), vec![("A".into(), "x".into())]);
        assert_eq!(
            dict_of_key_value_pairs("A=$HOME,B=1"),
            Err("Unexpected end of key/value pairs in value 'A=$HOME,B=1'".into())
        );
        assert!(dict_of_key_value_pairs("A=x#y\nB=2").is_err());
        assert_eq!(
            dict_of_key_value_pairs("A=\"x"),
            Err("No closing quotation".into())
        );
    }

    #[test]
    fn paths() {
        assert_eq!(normpath("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(normpath("//a"), "//a");
        assert_eq!(normpath("///a"), "/a");
        assert_eq!(normpath("../a/.."), "..");
        assert_eq!(abspath("x", "/tmp"), "/tmp/x");
        assert_eq!(dirname("/a/b"), "/a");
        assert_eq!(dirname("b"), "");
        assert_eq!(dirname("/b"), "/");
        let mut env = HashMap::new();
        env.insert("HOME".to_string(), "/home/u/".to_string());
        assert_eq!(expanduser("~/x", &env), "/home/u/x");
        assert_eq!(expanduser("a~/x", &env), "a~/x");
        assert_eq!(expanduser("~nosuchuser-xyz/x", &env), "~nosuchuser-xyz/x");
    }

    #[test]
    fn names_and_addresses() {
        assert_eq!(process_or_group_name(" foo "), Ok("foo".into()));
        assert_eq!(
            process_or_group_name("a b"),
            Err("Invalid name: 'a b' because of character: ' '".into())
        );
        assert_eq!(
            inet_address("127.0.0.1:9001"),
            Ok(("127.0.0.1".into(), 9001))
        );
        assert_eq!(inet_address("*:9001"), Ok(("".into(), 9001)));
        assert_eq!(inet_address("9001"), Ok(("".into(), 9001)));
        assert_eq!(
            inet_address("host:"),
            Err("no port number specified in ''".into())
        );
        assert_eq!(
            inet_address("host:0"),
            Err("0 is below lower bound (1)".into())
        );
        assert_eq!(name_to_uid("0"), Ok(0));
        assert_eq!(name_to_uid("root"), Ok(0));
        assert_eq!(
            name_to_uid("no-such-user-xyz"),
            Err("Invalid user name no-such-user-xyz".into())
        );
        assert_eq!(colon_separated_user_group("root:0"), Ok((0, Some(0))));
    }

    #[test]
    fn globbing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().to_str().expect("utf8").to_string();
        for f in ["a.conf", "b.conf", ".hidden.conf", "c.ini"] {
            std::fs::write(dir.path().join(f), "").expect("write");
        }
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/x.conf"), "").expect("write");
        let mut g = glob(&format!("{d}/*.conf"));
        g.sort();
        assert_eq!(g, vec![format!("{d}/a.conf"), format!("{d}/b.conf")]);
        let mut g = glob(&format!("{d}/.*.conf"));
        g.sort();
        assert_eq!(g, vec![format!("{d}/.hidden.conf")]);
        assert_eq!(
            glob(&format!("{d}/*/x.conf")),
            vec![format!("{d}/sub/x.conf")]
        );
        assert_eq!(glob(&format!("{d}/[ab].c?nf")).len(), 2);
        assert_eq!(glob(&format!("{d}/[!ab].*")), vec![format!("{d}/c.ini")]);
        assert_eq!(glob(&format!("{d}/c.ini")), vec![format!("{d}/c.ini")]);
        assert!(glob(&format!("{d}/nothing*")).is_empty());
    }
}
