//! Python's `str % dict` formatting, as used by supervisord's `expand()`.
//!
//! supervisord expands `%(name)s`-style references with Python's printf-style
//! formatting against a dict of expansion variables whose values are strings
//! (`here`, `program_name`, `ENV_*`, ...) or integers (`process_num`,
//! `numprocs`). This module implements that formatting for those two value
//! types, including flags, width and precision (`%(process_num)02d`), `%%`,
//! and Python's error messages for bad format strings.

use std::collections::BTreeMap;

use crate::ini::py_repr;

/// A value that can be substituted into a format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExpVal {
    /// A Python `str`.
    Str(String),
    /// A Python `int`.
    Int(i64),
}

impl ExpVal {
    fn type_name(&self) -> &'static str {
        match self {
            ExpVal::Str(_) => "str",
            ExpVal::Int(_) => "int",
        }
    }
}

/// The expansion variables: name → value.
pub(crate) type Expansions = BTreeMap<String, ExpVal>;

/// Why a format string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExpandError {
    /// A `%(name)` referenced a name that is not available (Python KeyError).
    MissingKey(String),
    /// Any other formatting error (Python ValueError/TypeError), with
    /// Python's message.
    Bad(String),
}

/// supervisord's `expand(s, expansions, name)`, returning its exact error
/// message on failure.
pub(crate) fn expand(s: &str, expansions: &Expansions, name: &str) -> Result<String, String> {
    format_mapping(s, expansions).map_err(|e| match e {
        ExpandError::MissingKey(key) => {
            let available: Vec<&str> = expansions.keys().map(String::as_str).collect();
            format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py_repr(s),
                py_repr(name),
                py_repr(&key),
                available.join(", ")
            )
        }
        ExpandError::Bad(msg) => format!(
            "Format string {} for {} is badly formatted: {}",
            py_repr(s),
            py_repr(name),
            msg
        ),
    })
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
}

/// Python's `s % mapping`.
pub(crate) fn format_mapping(s: &str, map: &Expansions) -> Result<String, ExpandError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(ExpandError::Bad("incomplete format".into()));
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut value: Option<&ExpVal> = None;
        if chars[i] == '(' {
            let mut depth = 1;
            i += 1;
            let start = i;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(ExpandError::Bad("incomplete format key".into()));
            }
            let key: String = chars[start..i - 1].iter().collect();
            match map.get(&key) {
                Some(v) => value = Some(v),
                None => return Err(ExpandError::MissingKey(key)),
            }
        }
        let mut spec = Spec::default();
        while i < chars.len() {
            match chars[i] {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '*' {
            return Err(ExpandError::Bad(
                "not enough arguments for format string".into(),
            ));
        }
        while i < chars.len() && chars[i].is_ascii_digit() {
            spec.width = spec
                .width
                .saturating_mul(10)
                .saturating_add(chars[i] as usize - '0' as usize);
            i += 1;
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if i < chars.len() && chars[i] == '*' {
                return Err(ExpandError::Bad(
                    "not enough arguments for format string".into(),
                ));
            }
            let mut p = 0usize;
            while i < chars.len() && chars[i].is_ascii_digit() {
                p = p
                    .saturating_mul(10)
                    .saturating_add(chars[i] as usize - '0' as usize);
                i += 1;
            }
            spec.prec = Some(p);
        }
        if spec.width > 100_000 || spec.prec.is_some_and(|p| p > 100_000) {
            return Err(ExpandError::Bad("width too big".into()));
        }
        while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(ExpandError::Bad("incomplete format".into()));
        }
        let conv = chars[i];
        let index = i;
        i += 1;
        if conv == '%' && value.is_none() {
            // `%5%` and friends: a literal percent sign
            out.push('%');
            continue;
        }
        let Some(value) = value else {
            // An unkeyed conversion with a mapping argument would format the
            // whole dict in Python; nothing sensible can be produced.
            return Err(ExpandError::Bad(
                "format requires a mapping key (%(name)s)".into(),
            ));
        };
        out.push_str(&convert(value, conv, index, &spec)?);
    }
    Ok(out)
}

fn pad(body: String, spec: &Spec) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = " ".repeat(spec.width - len);
    if spec.left {
        body + &fill
    } else {
        fill + &body
    }
}

/// Pads a number: sign/prefix, then zeros (when `0` without `-`), then digits.
fn pad_number(sign: &str, prefix: &str, digits: &str, spec: &Spec) -> String {
    let len = sign.len() + prefix.len() + digits.chars().count();
    if spec.zero && !spec.left && len < spec.width {
        let zeros = "0".repeat(spec.width - len);
        return format!("{sign}{prefix}{zeros}{digits}");
    }
    pad(format!("{sign}{prefix}{digits}"), spec)
}

fn sign_of(negative: bool, spec: &Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn convert(value: &ExpVal, conv: char, index: usize, spec: &Spec) -> Result<String, ExpandError> {
    match conv {
        's' | 'r' | 'a' => {
            let mut text = match (value, conv) {
                (ExpVal::Str(s), 's') => s.clone(),
                (ExpVal::Str(s), _) => py_repr(s),
                (ExpVal::Int(n), _) => n.to_string(),
            };
            if let Some(p) = spec.prec {
                text = text.chars().take(p).collect();
            }
            Ok(pad(text, spec))
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let ExpVal::Int(n) = value else {
                let what = if matches!(conv, 'd' | 'i' | 'u') {
                    "a real number"
                } else {
                    "an integer"
                };
                return Err(ExpandError::Bad(format!(
                    "%{conv} format: {what} is required, not {}",
                    value.type_name()
                )));
            };
            let mag = n.unsigned_abs();
            let (mut digits, prefix) = match conv {
                'o' => (format!("{mag:o}"), if spec.alt { "0o" } else { "" }),
                'x' => (format!("{mag:x}"), if spec.alt { "0x" } else { "" }),
                'X' => (format!("{mag:X}"), if spec.alt { "0X" } else { "" }),
                _ => (mag.to_string(), ""),
            };
            if let Some(p) = spec.prec {
                if digits.len() < p {
                    digits = "0".repeat(p - digits.len()) + &digits;
                }
            }
            Ok(pad_number(sign_of(*n < 0, spec), prefix, &digits, spec))
        }
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
            let ExpVal::Int(n) = value else {
                return Err(ExpandError::Bad(format!(
                    "must be real number, not {}",
                    value.type_name()
                )));
            };
            let x = (*n as f64).abs();
            let prec = spec.prec.unwrap_or(6);
            let digits = match conv {
                'f' | 'F' => format!("{x:.prec$}"),
                'e' | 'E' => py_exp(x, prec, conv == 'E'),
                _ => {
                    let p = prec.max(1);
                    let exp = if x == 0.0 {
                        0
                    } else {
                        x.abs().log10().floor() as i64
                    };
                    let mut s = if exp < -4 || exp >= p as i64 {
                        py_exp(x, p - 1, conv == 'G')
                    } else {
                        let fp = (p as i64 - 1 - exp).max(0) as usize;
                        format!("{x:.fp$}")
                    };
                    if !spec.alt {
                        s = strip_fraction_zeros(&s);
                    }
                    s
                }
            };
            let mut digits = digits;
            if spec.alt && !digits.contains('.') && matches!(conv, 'f' | 'F' | 'e' | 'E') {
                // '#' forces a decimal point
                match digits.find(['e', 'E']) {
                    Some(p) => digits.insert(p, '.'),
                    None => digits.push('.'),
                }
            }
            Ok(pad_number(sign_of(*n < 0, spec), "", &digits, spec))
        }
        'c' => {
            let ch = match value {
                ExpVal::Int(n) => u32::try_from(*n)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| ExpandError::Bad("%c arg not in range(0x110000)".into()))?,
                ExpVal::Str(s) => {
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(c), None) => c,
                        _ => return Err(ExpandError::Bad("%c requires int or char".into())),
                    }
                }
            };
            Ok(pad(ch.to_string(), spec))
        }
        other => Err(ExpandError::Bad(format!(
            "unsupported format character {} (0x{:x}) at index {}",
            py_repr(&other.to_string()),
            other as u32,
            index
        ))),
    }
}

/// Python's `%e` body: mantissa with `prec` decimals, `e`, sign, at least two
/// exponent digits.
fn py_exp(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{x:.prec$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let (esign, edigits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{e}{esign}{edigits:0>2}")
}

fn strip_fraction_zeros(s: &str) -> String {
    let (body, exp) = match s.find(['e', 'E']) {
        Some(p) => (&s[..p], &s[p..]),
        None => (s, ""),
    };
    let body = if body.contains('.') {
        body.trim_end_matches('0').trim_end_matches('.')
    } else {
        body
    };
    format!("{body}{exp}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> Expansions {
        let mut m = Expansions::new();
        m.insert("process_num".into(), ExpVal::Int(7));
        m.insert("neg".into(), ExpVal::Int(-7));
        m.insert("program_name".into(), ExpVal::Str("foo".into()));
        m.insert("here".into(), ExpVal::Str("/etc/x".into()));
        m
    }

    fn f(s: &str) -> String {
        format_mapping(s, &map()).expect("formats")
    }

    #[test]
    fn strings_and_ints() {
        assert_eq!(f("%(program_name)s_%(process_num)02d"), "foo_07");
        assert_eq!(f("%(process_num)d"), "7");
        assert_eq!(f("%(process_num)s"), "7");
        assert_eq!(f("%(process_num)03d|%(neg)05d|%(neg)+d"), "007|-0007|-7");
        assert_eq!(f("%(process_num)+d %(process_num) d"), "+7  7");
        assert_eq!(f("%(process_num)-4d|%(process_num)4d|"), "7   |   7|");
        assert_eq!(f("%(process_num).3d"), "007");
        assert_eq!(
            f("%(process_num)#x %(process_num)#o %(process_num)X"),
            "0x7 0o7 7"
        );
        assert_eq!(
            f("%(program_name)5s|%(program_name)-5s|%(program_name).2s"),
            "  foo|foo  |fo"
        );
        assert_eq!(f("%(program_name)r"), "'foo'");
        assert_eq!(f("100%% %(here)s"), "100% /etc/x");
        assert_eq!(
            f("%(process_num)f %(process_num).2e %(process_num)g"),
            "7.000000 7.00e+00 7"
        );
        assert_eq!(f("no refs"), "no refs");
    }

    #[test]
    fn errors_match_python() {
        let m = map();
        assert_eq!(
            format_mapping("%(nope)s", &m),
            Err(ExpandError::MissingKey("nope".into()))
        );
        assert_eq!(
            format_mapping("50%", &m),
            Err(ExpandError::Bad("incomplete format".into()))
        );
        assert_eq!(
            format_mapping("%(program_name)d", &m),
            Err(ExpandError::Bad(
                "%d format: a real number is required, not str".into()
            ))
        );
        assert_eq!(
            format_mapping("%(here)z", &m),
            Err(ExpandError::Bad(
                "unsupported format character 'z' (0x7a) at index 7".into()
            ))
        );
        assert_eq!(
            format_mapping("%(here", &m),
            Err(ExpandError::Bad("incomplete format key".into()))
        );
        let msg = expand("%(x)s", &m, "program:foo.command").unwrap_err();
        assert_eq!(
            msg,
            "Format string '%(x)s' for 'program:foo.command' contains names ('x') which cannot be expanded. Available names: here, neg, process_num, program_name"
        );
        let msg = expand("50%", &m, "environment").unwrap_err();
        assert_eq!(
            msg,
            "Format string '50%' for 'environment' is badly formatted: incomplete format"
        );
    }
}
