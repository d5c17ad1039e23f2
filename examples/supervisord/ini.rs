//! A reader for supervisord's INI dialect.
//!
//! supervisord 4.2 reads its configuration with `UnhosedConfigParser`, a
//! subclass of Python's `configparser.RawConfigParser` constructed with
//! `inline_comment_prefixes=(';', '#')` and `strict=False`. This module
//! reproduces that reader line for line:
//!
//! * section headers are `[name]` (case-sensitive, taken verbatim between the
//!   first `[` and the last `]`); `[DEFAULT]` holds fallbacks for every section;
//! * options are `key = value` or `key: value`, split at the first `=` or `:`;
//!   keys are lower-cased, values stripped;
//! * full-line comments start with `;` or `#` (after optional whitespace);
//!   inline comments start with `;` or `#` only when preceded by whitespace;
//! * a line indented deeper than its option line continues the value (blank
//!   lines inside a continued value are kept; the joined value is
//!   right-stripped);
//! * duplicate sections merge and duplicate options overwrite (last value wins);
//! * bad lines are collected and reported together, like `ParsingError`.
//!
//! Every value remembers the file and line it came from so that errors can
//! point at it.

use std::fmt;
use std::path::Path;

/// Name of the special section whose options are fallbacks for every section.
const DEFAULT_SECTION: &str = "DEFAULT";

/// One option value together with where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The raw value: continuation lines joined with `\n`, right-stripped,
    /// before any `%(name)s` expansion.
    pub text: String,
    /// The file name as the parser was given it.
    pub file: String,
    /// 1-based line number of the option's first line.
    pub line: usize,
}

/// One section: its name and its options in first-definition order.
#[derive(Debug, Clone, Default)]
struct Section {
    name: String,
    options: Vec<(String, Value)>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&Value> {
        self.options.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.options
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets a value, keeping the original position of an existing key (like a
    /// Python dict assignment).
    fn set(&mut self, key: &str, value: Value) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.options.push((key.to_string(), value)),
        }
    }
}

/// Errors raised while reading INI text; the messages are those of Python's
/// `configparser`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniError {
    /// An option line appeared before any section header
    /// (`MissingSectionHeaderError`).
    MissingSectionHeader {
        /// The file name as given to the parser.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The offending line, including its line terminator if any.
        text: String,
    },
    /// One or more lines could not be parsed (`ParsingError`).
    Parsing {
        /// The file name as given to the parser.
        file: String,
        /// `(line number, line text)` of every bad line.
        errors: Vec<(usize, String)>,
    },
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::MissingSectionHeader { file, line, text } => write!(
                f,
                "File contains no section headers.\nfile: {}, line: {}\n{}",
                py_repr(file),
                line,
                py_repr(text)
            ),
            IniError::Parsing { file, errors } => {
                write!(f, "Source contains parsing errors: {}", py_repr(file))?;
                for (line, text) in errors {
                    write!(f, "\n\t[line {:2}]: {}", line, py_repr(text))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for IniError {}

/// The parsed content of one or more INI files, merged as
/// `RawConfigParser(strict=False)` merges them.
#[derive(Debug, Clone, Default)]
pub struct Ini {
    defaults: Section,
    sections: Vec<Section>,
    /// For every section: the file in which it first appeared.
    section_files: Vec<(String, String)>,
}

/// Whether `c` is whitespace for Python's `str.isspace()` / `str.strip()`.
pub(crate) fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` (no arguments).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_is_space)
}

/// Python's `repr()` of a `str`, used to quote values in error messages.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if py_printable(c) => out.push(c),
            c => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable()` for one character.
fn py_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Splits text into lines the way Python's universal-newline text mode does:
/// `\r\n`, `\r` and `\n` all end a line. Yields each line without its end,
/// and whether it had one (the line then reads as ending in `\n`).
fn split_lines(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        match bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            Some(i) => {
                let end = start + i;
                pos = end + 1;
                if bytes[end] == b'\r' && bytes.get(pos) == Some(&b'\n') {
                    pos += 1;
                }
                Some((&text[start..end], true))
            }
            None => {
                pos = bytes.len();
                Some((&text[start..], false))
            }
        }
    })
}

/// Where an inline or full-line comment starts in `line` (a byte index), by
/// `RawConfigParser._read`'s exact algorithm (including its quirk of
/// searching all prefixes in rounds).
fn comment_start(line: &str) -> Option<usize> {
    const PREFIXES: [u8; 2] = [b';', b'#'];
    let stripped = py_strip(line);
    if stripped.starts_with(';') || stripped.starts_with('#') {
        return Some(0);
    }
    let bytes = line.as_bytes();
    let mut start: Option<usize> = None;
    // For each prefix: where the next search starts, or None once it found
    // no more occurrences.
    let mut from: [Option<usize>; 2] = [Some(0), Some(0)];
    while start.is_none() && from.iter().any(Option::is_some) {
        for (prefix, from) in PREFIXES.iter().zip(from.iter_mut()) {
            let Some(f) = *from else { continue };
            let Some(found) = bytes[f..].iter().position(|b| b == prefix).map(|p| p + f) else {
                *from = None;
                continue;
            };
            *from = Some(found + 1);
            if found == 0 || line[..found].chars().next_back().is_some_and(py_is_space) {
                start = Some(start.map_or(found, |s: usize| s.min(found)));
            }
        }
    }
    start
}

/// Matches `SECTCRE` (`\[(?P<header>.+)\]`, anchored at the start only).
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    if close == 0 || rest[..close].contains('\n') {
        return None;
    }
    Some(&rest[..close])
}

/// Matches `OPTCRE` (`(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`):
/// the key is everything before the first `=` or `:`.
fn option_line(value: &str) -> Option<(&str, &str)> {
    let pos = value.find(['=', ':'])?;
    let key = value[..pos].trim_end_matches(py_is_space);
    let val = value[pos + 1..].trim_start_matches(py_is_space);
    Some((key, val))
}

impl Ini {
    /// An empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `text` (the content of the file called `fpname`) into this
    /// parser, merging with what was read before, like
    /// `RawConfigParser.read_file`.
    pub fn read_str(&mut self, text: &str, fpname: &str) -> Result<(), IniError> {
        enum Cur {
            None,
            Defaults,
            Section(usize),
        }
        let mut cur = Cur::None;
        // the current option: its key (continuation lines append to it)
        let mut optname: Option<String> = None;
        // the value lines of the current option
        let mut pieces: Vec<&str> = Vec::new();
        let mut opt_line = 0usize;
        let mut indent_level = 0usize;
        let mut errors: Vec<(usize, String)> = Vec::new();
        // A line as Python sees it (with its end as `\n`), for error messages.
        let raw = |line: &str, ended: bool| {
            let mut s = String::with_capacity(line.len() + 1);
            s.push_str(line);
            if ended {
                s.push('\n');
            }
            s
        };

        // Stores the pending option value (joined) into the current section.
        fn flush(
            ini: &mut Ini,
            cur: &Cur,
            optname: &Option<String>,
            pieces: &mut Vec<&str>,
            fpname: &str,
            line: usize,
        ) {
            let Some(name) = optname else { return };
            if pieces.is_empty() {
                return;
            }
            let mut text = pieces.join("\n");
            pieces.clear();
            let len = text.trim_end_matches(py_is_space).len();
            text.truncate(len);
            let value = Value {
                text,
                file: fpname.to_string(),
                line,
            };
            match cur {
                Cur::None => {}
                Cur::Defaults => ini.defaults.set(name, value),
                Cur::Section(i) => ini.sections[*i].set(name, value),
            }
        }

        for (idx, (line, ended)) in split_lines(text).enumerate() {
            let lineno = idx + 1;
            let cstart = comment_start(line);
            let value = py_strip(&line[..cstart.unwrap_or(line.len())]);
            if value.is_empty() {
                // empty_lines_in_values=True: keep blank lines inside a value
                if cstart.is_none()
                    && !matches!(cur, Cur::None)
                    && optname.as_deref().is_some_and(|n| !n.is_empty())
                    && !pieces.is_empty()
                {
                    pieces.push("");
                }
                continue;
            }
            let cur_indent = line.chars().take_while(|&c| py_is_space(c)).count();
            let has_opt = optname.as_deref().is_some_and(|n| !n.is_empty());
            if !matches!(cur, Cur::None) && has_opt && cur_indent > indent_level {
                pieces.push(value);
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(value) {
                flush(self, &cur, &optname, &mut pieces, fpname, opt_line);
                optname = None;
                if header == DEFAULT_SECTION {
                    cur = Cur::Defaults;
                } else if let Some(i) = self.sections.iter().position(|s| s.name == header) {
                    cur = Cur::Section(i);
                } else {
                    self.sections.push(Section {
                        name: header.to_string(),
                        options: Vec::new(),
                    });
                    self.section_files
                        .push((header.to_string(), fpname.to_string()));
                    cur = Cur::Section(self.sections.len() - 1);
                }
                continue;
            }
            if matches!(cur, Cur::None) {
                return Err(IniError::MissingSectionHeader {
                    file: fpname.to_string(),
                    line: lineno,
                    text: raw(line, ended),
                });
            }
            match option_line(value) {
                Some((key, val)) => {
                    flush(self, &cur, &optname, &mut pieces, fpname, opt_line);
                    if key.is_empty() {
                        errors.push((lineno, raw(line, ended)));
                    }
                    optname = Some(if key.is_ascii() {
                        key.to_ascii_lowercase()
                    } else {
                        key.to_lowercase()
                    });
                    opt_line = lineno;
                    pieces.push(val);
                }
                None => errors.push((lineno, raw(line, ended))),
            }
        }
        flush(self, &cur, &optname, &mut pieces, fpname, opt_line);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(IniError::Parsing {
                file: fpname.to_string(),
                errors,
            })
        }
    }

    /// Reads a file by path, like `RawConfigParser.read([path])`: a file that
    /// cannot be opened is skipped (`Ok(false)`); one that is not valid UTF-8
    /// is reported as an I/O error.
    pub fn read_path(&mut self, path: &Path, fpname: &str) -> Result<bool, ReadError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(_) => return Ok(false),
        };
        let text = String::from_utf8(bytes).map_err(|_| ReadError::Utf8(fpname.to_string()))?;
        self.read_str(&text, fpname).map_err(ReadError::Ini)?;
        Ok(true)
    }

    /// Names of all sections except `DEFAULT`, in order of first appearance.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }

    /// Whether a section of that exact name exists.
    pub fn has_section(&self, name: &str) -> bool {
        self.sections.iter().any(|s| s.name == name)
    }

    /// The value of `key` (lower case) in `section`, falling back to
    /// `[DEFAULT]`; `None` if the section or the option is missing.
    pub fn get(&self, section: &str, key: &str) -> Option<&Value> {
        let sect = self.sections.iter().find(|s| s.name == section)?;
        sect.get(key).or_else(|| self.defaults.get(key))
    }

    /// All options of a section (defaults first, overridden by the section's
    /// own), like `RawConfigParser.items(section)`.
    pub fn items(&self, section: &str) -> Vec<(String, Value)> {
        let mut merged = self.defaults.clone();
        if let Some(sect) = self.sections.iter().find(|s| s.name == section) {
            for (k, v) in &sect.options {
                merged.set(k, v.clone());
            }
        }
        merged.options
    }

    /// The file in which `section` first appeared.
    pub fn section_file(&self, section: &str) -> Option<&str> {
        self.section_files
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, f)| f.as_str())
    }

    /// supervisord's `expand_here`: literally replaces `%(here)s` with `here`
    /// in every value of every section (including inherited defaults, which
    /// are then copied into the section).
    pub fn expand_here(&mut self, here: &str) {
        const HERE: &str = "%(here)s";
        let names: Vec<String> = self.sections.iter().map(|s| s.name.clone()).collect();
        for name in names {
            for (key, mut value) in self.items(&name) {
                if value.text.contains(HERE) {
                    value.text = value.text.replace(HERE, here);
                    if let Some(sect) = self.sections.iter_mut().find(|s| s.name == name) {
                        sect.set(&key, value);
                    }
                }
            }
        }
    }
}

/// Errors of [`Ini::read_path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file is not valid UTF-8.
    Utf8(String),
    /// The file could not be parsed.
    Ini(IniError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ini {
        let mut ini = Ini::new();
        ini.read_str(text, "test.conf").expect("parses");
        ini
    }

    fn get(ini: &Ini, s: &str, k: &str) -> Option<String> {
        ini.get(s, k).map(|v| v.text.clone())
    }

    #[test]
    fn inline_comments_need_whitespace() {
        let ini =
            parse("[a]\nx = 1 ; comment\ny = 2;not a comment\nz = 3 # c\nw = a#b\nv = a\t;tab\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("1"));
        assert_eq!(get(&ini, "a", "y").as_deref(), Some("2;not a comment"));
        assert_eq!(get(&ini, "a", "z").as_deref(), Some("3"));
        assert_eq!(get(&ini, "a", "w").as_deref(), Some("a#b"));
        assert_eq!(get(&ini, "a", "v").as_deref(), Some("a"));
    }

    #[test]
    fn full_line_comments_and_header_comments() {
        let ini = parse("; top\n# top\n[a] ; c\n  ; indented comment\nx=1\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("1"));
    }

    #[test]
    fn comment_rounds_quirk() {
        // ';' at 2 doesn't qualify, '#' at 4 qualifies in round one
        let ini = parse("[a]\nx = a;b #c\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("a;b"));
    }

    #[test]
    fn colon_and_equals_delimiters_and_key_case() {
        let ini = parse("[a]\nKey: value\nOther = x:y\nurl: http://h:1\nk=v=w\n");
        assert_eq!(get(&ini, "a", "key").as_deref(), Some("value"));
        assert_eq!(get(&ini, "a", "other").as_deref(), Some("x:y"));
        assert_eq!(get(&ini, "a", "url").as_deref(), Some("http://h:1"));
        assert_eq!(get(&ini, "a", "k").as_deref(), Some("v=w"));
        assert_eq!(get(&ini, "a", "Key"), None);
    }

    #[test]
    fn continuation_lines() {
        let ini = parse("[a]\ncommand = /bin/foo\n   --bar\n\n   --baz\nnext = 1\n\n");
        assert_eq!(
            get(&ini, "a", "command").as_deref(),
            Some("/bin/foo\n--bar\n\n--baz")
        );
        assert_eq!(get(&ini, "a", "next").as_deref(), Some("1"));
        let ini = parse("[a]\nx =\n  1\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("\n1"));
        // a comment line inside a continuation is dropped, not kept as blank
        let ini = parse("[a]\nx = 1\n; c\n  2\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("1\n2"));
        // an indented header after an option is a continuation
        let ini = parse("[a]\nx = 1\n  [b]\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("1\n[b]"));
        assert!(!ini.has_section("b"));
    }

    #[test]
    fn duplicates_merge_last_wins() {
        let ini = parse("[a]\nx=1\ny=2\n[b]\n[a]\nx=3\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("3"));
        assert_eq!(get(&ini, "a", "y").as_deref(), Some("2"));
        assert_eq!(ini.sections().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn defaults_are_fallbacks() {
        let ini = parse("[DEFAULT]\nx=1\n[a]\n[b]\nx=2\n");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("1"));
        assert_eq!(get(&ini, "b", "x").as_deref(), Some("2"));
        assert_eq!(ini.sections().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn headers_verbatim() {
        let ini = parse("[ program:x ]\n[a]b]trailing\nk=v\n");
        assert!(ini.has_section(" program:x "));
        assert_eq!(get(&ini, "a]b", "k").as_deref(), Some("v"));
    }

    #[test]
    fn line_numbers_and_crlf() {
        let ini = parse("[a]\r\n\r\nx = 1\r\ny = 2\r");
        let v = ini.get("a", "y").expect("y");
        assert_eq!((v.text.as_str(), v.line), ("2", 4));
        assert_eq!(ini.get("a", "x").expect("x").line, 3);
    }

    #[test]
    fn errors_like_python() {
        let mut ini = Ini::new();
        let err = ini.read_str("x = 1\n", "/f.conf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "File contains no section headers.\nfile: '/f.conf', line: 1\n'x = 1\\n'"
        );
        let mut ini = Ini::new();
        let err = ini
            .read_str("[a]\ngarbage\nx=1\n= v\nmore", "/f.conf")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Source contains parsing errors: '/f.conf'\n\t[line  2]: 'garbage\\n'\n\t[line  4]: '= v\\n'\n\t[line  5]: 'more'"
        );
    }

    #[test]
    fn expand_here_replaces_literally() {
        let mut ini = parse("[DEFAULT]\nd=%(here)s/d\n[a]\nx=%(here)s/x\ny=%%(here)s\n");
        ini.expand_here("/h");
        assert_eq!(get(&ini, "a", "x").as_deref(), Some("/h/x"));
        assert_eq!(get(&ini, "a", "d").as_deref(), Some("/h/d"));
        assert_eq!(get(&ini, "a", "y").as_deref(), Some("%/h"));
    }

    #[test]
    fn repr_like_python() {
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(py_repr("x\u{1}\n"), "'x\\x01\\n'");
    }
}
