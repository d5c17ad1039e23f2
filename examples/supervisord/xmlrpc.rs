//! XML-RPC codec of the supervisord daemon and of our `supervisorctl`.
//!
//! supervisord 4.2 speaks XML-RPC on `/RPC2`. This module is the wire format only: no HTTP,
//! no method dispatch. It is hand-rolled on top of quick-xml's event reader (no DOM) and
//! writes straight into a `Vec<u8>`.
//!
//! # What it reads
//!
//! [`parse_call`] reads what supervisord's own request parser
//! (`supervisor_xmlrpc_handler.loads`, an ElementTree `iterparse`) accepts from real clients:
//! an XML declaration or none, comments, whitespace anywhere between elements, entity and
//! character references, CDATA, `<value>text</value>` without a type tag (a string),
//! `<int>`/`<i4>`, `<params/>` or no `<params>` at all, and `<nil/>`. It also reads the tags
//! Python's `xmlrpc.client` reads in responses (`<i1>`, `<i2>`, `<i8>`, `<biginteger>`,
//! `<float>`, namespaced tags such as `<ex:nil/>` or `<ex:i8>`), so one reader serves both
//! sides. Line ends are normalised as in XML 1.0 (`\r\n` and `\r` become `\n`), as expat does.
//! The body must be UTF-8 (supervisord decodes it as UTF-8 before parsing, whatever the
//! declaration says). Values nest at most [`MAX_DEPTH`] levels, so a hostile body cannot
//! overflow the stack.
//!
//! Anything else is an [`XmlRpcError`] naming the byte offset and the problem.
//! supervisord answers such a request (and one without a `<methodName>`, or with an empty one)
//! with a bare HTTP `400 Bad Request` HTML page, not with a fault; the HTTP layer should do
//! the same when [`parse_call`] fails.
//!
//! Where this reader differs from supervisord on the same body:
//! - It is stricter on structure: the root must be `<methodCall>`, a `<param>` or `<member>`
//!   must hold exactly one `<value>` (and one `<name>`), and an unknown type tag such as
//!   `<foo>` is an error (supervisord would take its text as a string).
//! - `<boolean>` must hold exactly `0` or `1` (as Python's client requires); supervisord reads
//!   anything but `1` as false.
//! - `<int>` must fit in an `i64` (Python ints are unbounded); `_` separators are accepted as
//!   Python's `int()` does. `<double>` does not accept `_` separators.
//! - `<dateTime.iso8601>` text is kept as it is (trimmed), without supervisord's `strptime`
//!   check; no supervisord method takes a date.
//! - `<base64>` becomes [`Value::Base64`] bytes; supervisord decodes them to a UTF-8 `str`
//!   (the RPC layer can do that where a string is expected), and answers 400 when they are
//!   not UTF-8; here they are kept as bytes.
//! - `<array/>` without `<data>` is an empty array (as Python's client reads it; supervisord
//!   answers 400).
//! - A few well-formedness rules expat enforces are not checked: raw control characters
//!   (Python's client sends them unescaped, so a process can be sent a byte expat refuses)
//!   and `]]>` in text are accepted. `<!DOCTYPE>` (which expat reads) is refused.
//!
//! `testdata/xmlrpc/record.py` records these cases with supervisord's own parser, and the
//! tests check each difference listed here against it.
//!
//! # What it writes
//!
//! [`write_response`], [`write_fault`] and [`write_call`] produce byte for byte what Python's
//! `xmlrpc.client.dumps` produces (supervisord's `xmlrpc_marshal` calls
//! `dumps((value,), methodresponse=True)` or `dumps(Fault(code, text))`, encodes the result as
//! UTF-8, and never enables `allow_none`): the `<?xml version='1.0'?>` header, one element
//! per line as Python lays them out, `&`, `<` and `>` escaped and every other character
//! (quotes, non-ASCII, control characters) written as is, doubles as Python's `repr`, base64
//! in 76-column lines. Three cases Python refuses are written rather than refused:
//! - [`Value::Int`] beyond the 32-bit range: Python raises `OverflowError` (so supervisord would
//!   answer HTTP 500). It is written as a plain `<int>`, which Python's client reads back
//!   exactly. supervisord clamps the few values that can overflow (`start`, `stop`, `now` of
//!   `getProcessInfo`, with `capped_int`); the RPC layer must clamp those the same way.
//! - [`Value::Nil`]: written as `<value><nil/></value>` (Python's `allow_none=True` form).
//! - A method name (or date) holding `&`, `<` or `>` is escaped; Python writes it raw.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

#[cfg(test)]
#[path = "xmlrpc/tests.rs"]
mod tests;

/// How deeply arrays and structs may nest in a document that is read.
///
/// supervisord's own values nest at most four levels (a multicall of calls returning arrays
/// of structs); 100 leaves room for any sane client and bounds the recursion of the reader.
pub const MAX_DEPTH: usize = 100;

// ------------------------------------------------------------------------------------------
// Values
// ------------------------------------------------------------------------------------------

/// One XML-RPC value, as read from or written to the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>`, also read from `<i4>`, `<i8>`, `<i1>`, `<i2>` and `<biginteger>`. Always
    /// written as `<int>` (see the module docs for values beyond 32 bits).
    Int(i64),
    /// `<boolean>`: `1` or `0`.
    Bool(bool),
    /// `<string>`, or a `<value>` holding only text.
    String(String),
    /// `<double>` (also read from `<float>`); written as Python's `repr`.
    Double(f64),
    /// `<dateTime.iso8601>`, kept as its text (Python writes `YYYYMMDDTHH:MM:SS`).
    DateTime(String),
    /// `<base64>`, decoded.
    Base64(Vec<u8>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`, members in order (Python writes a dict in insertion order). When a read
    /// struct repeats a name, the last value wins in the first position, as in a Python dict.
    Struct(Vec<(String, Value)>),
    /// `<nil/>`.
    Nil,
}

impl Value {
    /// The text of a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number in a [`Value::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The flag in a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items of a [`Value::Array`].
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The member `name` of a [`Value::Struct`]; `None` for a missing member or another type.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's truth value of the value, which is how supervisord reads flags such as the
    /// `wait` argument of `startProcess` (`if wait:`): zero, empty and nil are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Int(i) => *i != 0,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Double(d) => *d != 0.0,
            Value::DateTime(_) => true,
            Value::Base64(b) => !b.is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Struct(members) => !members.is_empty(),
            Value::Nil => false,
        }
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    /// Collects into a [`Value::Array`].
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

/// Builds a [`Value::Struct`] member by member, in order:
/// `StructBuilder::new().field("name", "cat").field("pid", 42).build()`.
#[derive(Debug, Default)]
#[must_use]
pub struct StructBuilder {
    members: Vec<(String, Value)>,
}

impl StructBuilder {
    /// An empty struct.
    pub fn new() -> Self {
        StructBuilder {
            members: Vec::new(),
        }
    }

    /// An empty struct with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        StructBuilder {
            members: Vec::with_capacity(n),
        }
    }

    /// Appends the member `name` (the caller keeps names unique, as in a Python dict).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.members.push((name.into(), value.into()));
        self
    }

    /// The finished [`Value::Struct`].
    pub fn build(self) -> Value {
        Value::Struct(self.members)
    }
}

/// A decoded `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The `<methodName>` text, as sent (never empty).
    pub method: String,
    /// The `<param>` values in order; empty when `<params>` is empty or missing.
    pub params: Vec<Value>,
}

/// The XML-RPC API version of supervisord 4.2 (`supervisor.rpcinterface.API_VERSION`):
/// what the daemon answers to `getVersion` and what `supervisorctl` expects.
pub const API_VERSION: &str = "3.0";

/// supervisord's fault codes (`xmlrpc.Faults`).
pub mod faults {
    pub const UNKNOWN_METHOD: i32 = 1;
    pub const INCORRECT_PARAMETERS: i32 = 2;
    pub const BAD_ARGUMENTS: i32 = 3;
    pub const SIGNATURE_UNSUPPORTED: i32 = 4;
    pub const SHUTDOWN_STATE: i32 = 6;
    pub const BAD_NAME: i32 = 10;
    pub const BAD_SIGNAL: i32 = 11;
    pub const NO_FILE: i32 = 20;
    pub const NOT_EXECUTABLE: i32 = 21;
    pub const FAILED: i32 = 30;
    pub const ABNORMAL_TERMINATION: i32 = 40;
    pub const SPAWN_ERROR: i32 = 50;
    pub const ALREADY_STARTED: i32 = 60;
    pub const NOT_RUNNING: i32 = 70;
    pub const SUCCESS: i32 = 80;
    pub const ALREADY_ADDED: i32 = 90;
    pub const STILL_RUNNING: i32 = 91;
    pub const CANT_REREAD: i32 = 92;
}

/// The name of a fault code, as supervisord starts its fault strings (`UNKNOWN` for
/// a code it does not define).
pub fn fault_name(code: i32) -> &'static str {
    use faults::*;
    match code {
        UNKNOWN_METHOD => "UNKNOWN_METHOD",
        INCORRECT_PARAMETERS => "INCORRECT_PARAMETERS",
        BAD_ARGUMENTS => "BAD_ARGUMENTS",
        SIGNATURE_UNSUPPORTED => "SIGNATURE_UNSUPPORTED",
        SHUTDOWN_STATE => "SHUTDOWN_STATE",
        BAD_NAME => "BAD_NAME",
        BAD_SIGNAL => "BAD_SIGNAL",
        NO_FILE => "NO_FILE",
        NOT_EXECUTABLE => "NOT_EXECUTABLE",
        FAILED => "FAILED",
        ABNORMAL_TERMINATION => "ABNORMAL_TERMINATION",
        SPAWN_ERROR => "SPAWN_ERROR",
        ALREADY_STARTED => "ALREADY_STARTED",
        NOT_RUNNING => "NOT_RUNNING",
        SUCCESS => "SUCCESS",
        ALREADY_ADDED => "ALREADY_ADDED",
        STILL_RUNNING => "STILL_RUNNING",
        CANT_REREAD => "CANT_REREAD",
        _ => "UNKNOWN",
    }
}

/// A `<fault>` response: the call failed with this code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `faultCode` (supervisord's `Faults`, for example 10 for `BAD_NAME`).
    pub code: i32,
    /// `faultString` (supervisord writes `NAME` or `NAME: detail`).
    pub message: String,
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

/// A body that is not a readable XML-RPC request or response.
///
/// Its message says which document, where (byte offset into the body) and what, for example
/// `malformed XML-RPC request at byte 45: expected <value> inside <param>, found <int>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML-RPC {doc} at byte {offset}: {reason}")]
pub struct XmlRpcError {
    doc: Doc,
    offset: u64,
    reason: String,
}

/// Which kind of document was being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    Request,
    Response,
}

impl fmt::Display for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Doc::Request => "request",
            Doc::Response => "response",
        })
    }
}

// ------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------

/// Reads a `<methodCall>` request body, as supervisord does on `/RPC2`.
///
/// Fails (and the server should answer HTTP 400, as supervisord does) on a body that is not
/// UTF-8, not well-formed XML, not a `<methodCall>`, has no or an empty `<methodName>`, or
/// holds a value that cannot be read.
pub fn parse_call(body: &[u8]) -> Result<MethodCall, XmlRpcError> {
    let mut p = Parser::new(body, Doc::Request)?;
    p.root(Tag::MethodCall)?;
    let root_at = p.pos;
    let mut method: Option<String> = None;
    let mut params: Option<Vec<Value>> = None;
    loop {
        match p.next()? {
            Ev::Text(_) => {}
            Ev::Start(Tag::MethodName) => {
                if method.is_some() {
                    return Err(p.err("more than one <methodName>"));
                }
                method = Some(p.leaf_text(Tag::MethodName)?.into_owned());
            }
            Ev::Start(Tag::Params) => {
                if params.is_some() {
                    return Err(p.err("more than one <params>"));
                }
                params = Some(p.params()?);
            }
            Ev::Start(tag) => return Err(p.unexpected(&tag, Tag::MethodCall)),
            Ev::End => break,
            Ev::Eof => return Err(p.eof(Tag::MethodCall)),
        }
    }
    p.finish()?;
    match method {
        Some(method) if !method.is_empty() => Ok(MethodCall {
            method,
            params: params.unwrap_or_default(),
        }),
        Some(_) => Err(p.err_at(root_at, "empty <methodName>")),
        None => Err(p.err_at(root_at, "no <methodName> in <methodCall>")),
    }
}

/// Reads a `<methodResponse>` body, as our `supervisorctl` receives it: `Ok(Ok(value))` for
/// a result, `Ok(Err(fault))` for a `<fault>` (with `faultCode` and `faultString`).
pub fn parse_response(body: &[u8]) -> Result<Result<Value, Fault>, XmlRpcError> {
    let mut p = Parser::new(body, Doc::Response)?;
    p.root(Tag::MethodResponse)?;
    let root_at = p.pos;
    let mut outcome: Option<Result<Value, Fault>> = None;
    loop {
        match p.next()? {
            Ev::Text(_) => {}
            Ev::Start(tag @ (Tag::Params | Tag::Fault)) => {
                let at = p.pos;
                if outcome.is_some() {
                    return Err(p.err("more than one <params> or <fault>"));
                }
                outcome = Some(if tag == Tag::Params {
                    let mut params = p.params()?;
                    if params.len() != 1 {
                        return Err(p.err_at(
                            at,
                            format!(
                                "a response holds exactly one <param>, found {}",
                                params.len()
                            ),
                        ));
                    }
                    Ok(params.pop().unwrap_or(Value::Nil))
                } else {
                    Err(p.fault()?)
                });
            }
            Ev::Start(tag) => return Err(p.unexpected(&tag, Tag::MethodResponse)),
            Ev::End => break,
            Ev::Eof => return Err(p.eof(Tag::MethodResponse)),
        }
    }
    p.finish()?;
    outcome.ok_or_else(|| p.err_at(root_at, "no <params> or <fault> in <methodResponse>"))
}

/// The elements of XML-RPC, by local name (a namespace prefix is ignored, as Python's client
/// does).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tag {
    MethodCall,
    MethodResponse,
    MethodName,
    Params,
    Param,
    Fault,
    Value,
    Int,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Nil,
    Array,
    Data,
    Struct,
    Member,
    Name,
    Other(String),
}

impl Tag {
    fn from_local_name(name: &str) -> Tag {
        match name {
            "methodCall" => Tag::MethodCall,
            "methodResponse" => Tag::MethodResponse,
            "methodName" => Tag::MethodName,
            "params" => Tag::Params,
            "param" => Tag::Param,
            "fault" => Tag::Fault,
            "value" => Tag::Value,
            "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => Tag::Int,
            "boolean" => Tag::Boolean,
            "string" => Tag::String,
            "double" | "float" => Tag::Double,
            "dateTime.iso8601" => Tag::DateTime,
            "base64" => Tag::Base64,
            "nil" => Tag::Nil,
            "array" => Tag::Array,
            "data" => Tag::Data,
            "struct" => Tag::Struct,
            "member" => Tag::Member,
            "name" => Tag::Name,
            other => Tag::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Tag::MethodCall => "methodCall",
            Tag::MethodResponse => "methodResponse",
            Tag::MethodName => "methodName",
            Tag::Params => "params",
            Tag::Param => "param",
            Tag::Fault => "fault",
            Tag::Value => "value",
            Tag::Int => "int",
            Tag::Boolean => "boolean",
            Tag::String => "string",
            Tag::Double => "double",
            Tag::DateTime => "dateTime.iso8601",
            Tag::Base64 => "base64",
            Tag::Nil => "nil",
            Tag::Array => "array",
            Tag::Data => "data",
            Tag::Struct => "struct",
            Tag::Member => "member",
            Tag::Name => "name",
            Tag::Other(name) => name,
        };
        write!(f, "<{name}>")
    }
}

/// The events the reader works with: comments and processing instructions are dropped,
/// references resolved, empty elements expanded.
enum Ev<'a> {
    Start(Tag),
    End,
    Text(Cow<'a, str>),
    Eof,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    doc: Doc,
    /// Byte offset where the last event read starts.
    pos: u64,
}

impl<'a> Parser<'a> {
    fn new(body: &'a [u8], doc: Doc) -> Result<Self, XmlRpcError> {
        let text = std::str::from_utf8(body).map_err(|e| XmlRpcError {
            doc,
            offset: e.valid_up_to() as u64,
            reason: "body is not UTF-8".to_owned(),
        })?;
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        Ok(Parser {
            reader,
            doc,
            pos: 0,
        })
    }

    fn err_at(&self, offset: u64, reason: impl Into<String>) -> XmlRpcError {
        XmlRpcError {
            doc: self.doc,
            offset,
            reason: reason.into(),
        }
    }

    /// An error at the start of the last event read.
    fn err(&self, reason: impl Into<String>) -> XmlRpcError {
        self.err_at(self.pos, reason)
    }

    fn unexpected(&self, found: &Tag, inside: Tag) -> XmlRpcError {
        self.err(format!("unexpected {found} inside {inside}"))
    }

    fn eof(&self, inside: Tag) -> XmlRpcError {
        self.err(format!("document ends inside {inside}"))
    }

    fn next(&mut self) -> Result<Ev<'a>, XmlRpcError> {
        loop {
            self.pos = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    return Err(self.err_at(
                        self.reader.error_position(),
                        format!("not well-formed XML: {e}"),
                    ))
                }
            };
            return Ok(match event {
                Event::Start(e) => Ev::Start(Tag::from_local_name(e.local_name().as_ref())),
                // `expand_empty_elements` turns `<a/>` into Start and End; never seen here.
                Event::Empty(e) => {
                    return Err(
                        self.err(format!("unexpanded empty element <{}/>", e.name().as_ref()))
                    )
                }
                Event::End(_) => Ev::End,
                Event::Text(t) => Ev::Text(t.xml10_content()),
                Event::CData(t) => Ev::Text(t.xml10_content()),
                Event::GeneralRef(r) => Ev::Text(self.resolve(&r)?),
                Event::Decl(_) if self.pos == 0 => continue,
                Event::Decl(_) => {
                    return Err(self.err("XML declaration not at the start of the document"))
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::DocType(_) => {
                    return Err(self.err("<!DOCTYPE> declarations are not supported"))
                }
                Event::Eof => Ev::Eof,
            });
        }
    }

    fn resolve(&self, r: &BytesRef<'a>) -> Result<Cow<'a, str>, XmlRpcError> {
        let name: &str = r.as_ref();
        if r.is_char_ref() {
            return match r.resolve_char_ref() {
                Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
                _ => Err(self.err(format!("bad character reference &{name};"))),
            };
        }
        let text = match name {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => return Err(self.err(format!("undefined entity &{name};"))),
        };
        Ok(Cow::Borrowed(text))
    }

    /// Skips the prolog and reads the root element, which must be `root`.
    fn root(&mut self, root: Tag) -> Result<(), XmlRpcError> {
        loop {
            match self.next()? {
                Ev::Text(t) if is_blank(&t) => {}
                Ev::Start(tag) if tag == root => return Ok(()),
                Ev::Start(tag) => return Err(self.err(format!("expected {root}, found {tag}"))),
                Ev::Text(_) => return Err(self.err(format!("text before {root}"))),
                Ev::End | Ev::Eof => return Err(self.err(format!("no {root} element"))),
            }
        }
    }

    /// After the root element: only blanks, comments and processing instructions.
    fn finish(&mut self) -> Result<(), XmlRpcError> {
        loop {
            match self.next()? {
                Ev::Text(t) if is_blank(&t) => {}
                Ev::Eof => return Ok(()),
                _ => return Err(self.err("content after the root element")),
            }
        }
    }

    /// The text of an element that may hold only text (entities and CDATA included),
    /// through its end tag.
    fn leaf_text(&mut self, inside: Tag) -> Result<Cow<'a, str>, XmlRpcError> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Ev::Text(t) => append(&mut text, t),
                Ev::Start(tag) => return Err(self.unexpected(&tag, inside)),
                Ev::End => return Ok(text),
                Ev::Eof => return Err(self.eof(inside)),
            }
        }
    }

    /// The contents of `<params>`, through `</params>`.
    fn params(&mut self) -> Result<Vec<Value>, XmlRpcError> {
        let mut params = Vec::new();
        loop {
            match self.next()? {
                Ev::Text(_) => {}
                Ev::Start(Tag::Param) => params.push(self.single_value(Tag::Param)?),
                Ev::Start(tag) => return Err(self.unexpected(&tag, Tag::Params)),
                Ev::End => return Ok(params),
                Ev::Eof => return Err(self.eof(Tag::Params)),
            }
        }
    }

    /// The one `<value>` inside `<param>` or `<fault>`, through the end tag.
    fn single_value(&mut self, inside: Tag) -> Result<Value, XmlRpcError> {
        let start = self.pos;
        let mut value = None;
        loop {
            match self.next()? {
                Ev::Text(_) => {}
                Ev::Start(Tag::Value) if value.is_none() => value = Some(self.value(0)?),
                Ev::Start(Tag::Value) => {
                    return Err(self.err(format!("more than one <value> inside {inside}")))
                }
                Ev::Start(tag) => return Err(self.unexpected(&tag, inside)),
                Ev::End => {
                    return value.ok_or_else(|| self.err_at(start, format!("empty {inside}")))
                }
                Ev::Eof => return Err(self.eof(inside)),
            }
        }
    }

    /// The contents of `<fault>`: a struct with `faultCode` and `faultString`.
    fn fault(&mut self) -> Result<Fault, XmlRpcError> {
        let start = self.pos;
        let value = self.single_value(Tag::Fault)?;
        let code = value.get("faultCode").and_then(Value::as_i64);
        let message = value.get("faultString").and_then(Value::as_str);
        match (code.map(i32::try_from), message) {
            (Some(Ok(code)), Some(message)) => Ok(Fault {
                code,
                message: message.to_owned(),
            }),
            _ => Err(self.err_at(
                start,
                "a <fault> holds a struct with an int faultCode and a string faultString",
            )),
        }
    }

    /// The contents of `<value>` (whose start tag was just read) through `</value>`.
    /// `depth` counts the arrays and structs around it.
    fn value(&mut self, depth: usize) -> Result<Value, XmlRpcError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("values nest deeper than {MAX_DEPTH} levels")));
        }
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        let mut typed: Option<Value> = None;
        loop {
            match self.next()? {
                // Text beside a typed value is ignored, as both Python readers do.
                Ev::Text(t) => {
                    if typed.is_none() {
                        append(&mut text, t);
                    }
                }
                Ev::Start(_) if typed.is_some() => {
                    return Err(self.err("more than one element inside <value>"))
                }
                Ev::Start(tag) => typed = Some(self.typed(tag, depth)?),
                Ev::End => return Ok(typed.unwrap_or_else(|| Value::String(text.into_owned()))),
                Ev::Eof => return Err(self.eof(Tag::Value)),
            }
        }
    }

    /// The typed element `tag` inside a `<value>`, through its end tag.
    fn typed(&mut self, tag: Tag, depth: usize) -> Result<Value, XmlRpcError> {
        let at = self.pos;
        let value = match tag {
            Tag::Int => {
                let text = self.leaf_text(Tag::Int)?;
                Value::Int(
                    parse_int(&text)
                        .ok_or_else(|| self.err_at(at, format!("bad <int> value {text:?}")))?,
                )
            }
            Tag::Boolean => match &*self.leaf_text(Tag::Boolean)? {
                "1" => Value::Bool(true),
                "0" => Value::Bool(false),
                other => {
                    return Err(
                        self.err_at(at, format!("bad <boolean> value {other:?} (not 0 or 1)"))
                    )
                }
            },
            Tag::String => Value::String(self.leaf_text(Tag::String)?.into_owned()),
            Tag::Double => {
                let text = self.leaf_text(Tag::Double)?;
                Value::Double(
                    text.trim()
                        .parse::<f64>()
                        .map_err(|_| self.err_at(at, format!("bad <double> value {text:?}")))?,
                )
            }
            Tag::DateTime => Value::DateTime(self.leaf_text(Tag::DateTime)?.trim().to_owned()),
            Tag::Base64 => {
                let text = self.leaf_text(Tag::Base64)?;
                Value::Base64(base64_decode(&text).ok_or_else(|| {
                    self.err_at(at, "bad <base64> value: incorrect padding".to_owned())
                })?)
            }
            Tag::Nil => {
                self.leaf_text(Tag::Nil)?;
                Value::Nil
            }
            Tag::Array => self.array(depth + 1)?,
            Tag::Struct => self.structure(depth + 1)?,
            other => return Err(self.err(format!("unknown value type {other}"))),
        };
        Ok(value)
    }

    /// The contents of `<array>`: an optional `<data>` holding values.
    fn array(&mut self, depth: usize) -> Result<Value, XmlRpcError> {
        let mut items = Vec::new();
        let mut seen_data = false;
        loop {
            match self.next()? {
                Ev::Text(_) => {}
                Ev::Start(Tag::Data) if !seen_data => {
                    seen_data = true;
                    loop {
                        match self.next()? {
                            Ev::Text(_) => {}
                            Ev::Start(Tag::Value) => items.push(self.value(depth)?),
                            Ev::Start(tag) => return Err(self.unexpected(&tag, Tag::Data)),
                            Ev::End => break,
                            Ev::Eof => return Err(self.eof(Tag::Data)),
                        }
                    }
                }
                Ev::Start(tag) => return Err(self.unexpected(&tag, Tag::Array)),
                Ev::End => return Ok(Value::Array(items)),
                Ev::Eof => return Err(self.eof(Tag::Array)),
            }
        }
    }

    /// The contents of `<struct>`: `<member>`s.
    fn structure(&mut self, depth: usize) -> Result<Value, XmlRpcError> {
        let mut members: Vec<(String, Value)> = Vec::new();
        // Past a few members, an index keeps repeated names from costing quadratic time.
        let mut index: HashMap<String, usize> = HashMap::new();
        loop {
            match self.next()? {
                Ev::Text(_) => {}
                Ev::Start(Tag::Member) => {
                    let (name, value) = self.member(depth)?;
                    let found = if members.len() < 8 {
                        members.iter().position(|(k, _)| *k == name)
                    } else {
                        if index.is_empty() {
                            index = members
                                .iter()
                                .enumerate()
                                .map(|(i, (k, _))| (k.clone(), i))
                                .collect();
                        }
                        let found = index.get(&name).copied();
                        if found.is_none() {
                            index.insert(name.clone(), members.len());
                        }
                        found
                    };
                    match found {
                        Some(i) => members[i].1 = value,
                        None => members.push((name, value)),
                    }
                }
                Ev::Start(tag) => return Err(self.unexpected(&tag, Tag::Struct)),
                Ev::End => return Ok(Value::Struct(members)),
                Ev::Eof => return Err(self.eof(Tag::Struct)),
            }
        }
    }

    /// The contents of `<member>`: one `<name>` and one `<value>`, in either order.
    fn member(&mut self, depth: usize) -> Result<(String, Value), XmlRpcError> {
        let start = self.pos;
        let mut name = None;
        let mut value = None;
        loop {
            match self.next()? {
                Ev::Text(_) => {}
                Ev::Start(Tag::Name) if name.is_none() => {
                    name = Some(self.leaf_text(Tag::Name)?.into_owned());
                }
                Ev::Start(Tag::Value) if value.is_none() => value = Some(self.value(depth)?),
                Ev::Start(tag @ (Tag::Name | Tag::Value)) => {
                    return Err(self.err(format!("more than one {tag} inside <member>")))
                }
                Ev::Start(tag) => return Err(self.unexpected(&tag, Tag::Member)),
                Ev::End => break,
                Ev::Eof => return Err(self.eof(Tag::Member)),
            }
        }
        match (name, value) {
            (Some(name), Some(value)) => Ok((name, value)),
            (None, _) => Err(self.err_at(start, "<member> without <name>")),
            (_, None) => Err(self.err_at(start, "<member> without <value>")),
        }
    }
}

fn append<'a>(text: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if text.is_empty() {
        *text = more;
    } else {
        text.to_mut().push_str(&more);
    }
}

/// XML white space only (or nothing).
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// An integer as Python's `int()` reads it: surrounding white space, an optional sign,
/// digits with single `_` between them.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let bytes = digits.as_bytes();
    if bytes.first()?.is_ascii_digit() && bytes.last()?.is_ascii_digit() {
        let mut value: i64 = 0;
        let mut previous_underscore = false;
        for &b in bytes {
            if b == b'_' {
                if previous_underscore {
                    return None;
                }
                previous_underscore = true;
                continue;
            }
            previous_underscore = false;
            if !b.is_ascii_digit() {
                return None;
            }
            let digit = i64::from(b - b'0');
            // Accumulate negatively so that i64::MIN is reachable.
            value = value.checked_mul(10)?.checked_sub(digit)?;
        }
        if negative {
            Some(value)
        } else {
            value.checked_neg()
        }
    } else {
        None
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Python's `base64.decodebytes` (`binascii.a2b_base64`, not strict): bytes
/// outside the alphabet are skipped, decoding stops at the `=` padding that
/// completes a quad, and input that ends inside a quad (unpadded, or one
/// character too many) is an error (`None`).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u8> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    // Position in the current quad, the bits left over, and the `=` seen
    // since the last data character.
    let (mut quad_pos, mut left, mut pads) = (0u8, 0u8, 0u8);
    for c in s.bytes() {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(v) = val(c) else { continue };
        pads = 0;
        match quad_pos {
            0 => left = v,
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
            }
            _ => out.push((left << 6) | v),
        }
        quad_pos = (quad_pos + 1) % 4;
    }
    (quad_pos == 0).then_some(out)
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

const XML_HEADER: &[u8] = b"<?xml version='1.0'?>\n";
const RESPONSE_BEGIN: &[u8] = b"<methodResponse>\n<params>\n<param>\n";
const RESPONSE_END: &[u8] = b"</param>\n</params>\n</methodResponse>\n";
const ARRAY_BEGIN: &[u8] = b"<value><array><data>\n";
const ARRAY_END: &[u8] = b"</data></array></value>\n";
const STRUCT_BEGIN: &[u8] = b"<value><struct>\n";
const STRUCT_END: &[u8] = b"</struct></value>\n";
const MEMBER_END: &[u8] = b"</member>\n";

/// The body of a successful response holding `value`: byte for byte
/// `xmlrpc.client.dumps((value,), methodresponse=True).encode()`.
pub fn write_response(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(XML_HEADER);
    out.extend_from_slice(RESPONSE_BEGIN);
    write_value(&mut out, value);
    out.extend_from_slice(RESPONSE_END);
    out
}

/// Writes a successful response body piece by piece, laid out as
/// [`write_response`] lays out the equivalent [`Value`], without building it.
pub struct ResponseWriter {
    out: Vec<u8>,
}

impl ResponseWriter {
    /// Starts a response body, with room for `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(XML_HEADER);
        out.extend_from_slice(RESPONSE_BEGIN);
        ResponseWriter { out }
    }

    pub fn begin_array(&mut self) {
        self.out.extend_from_slice(ARRAY_BEGIN);
    }

    pub fn end_array(&mut self) {
        self.out.extend_from_slice(ARRAY_END);
    }

    pub fn begin_struct(&mut self) {
        self.out.extend_from_slice(STRUCT_BEGIN);
    }

    pub fn end_struct(&mut self) {
        self.out.extend_from_slice(STRUCT_END);
    }

    /// A struct member holding an `<int>`.
    pub fn int_member(&mut self, name: &str, value: i64) {
        write_member_name(&mut self.out, name);
        write_int(&mut self.out, value);
        self.out.extend_from_slice(MEMBER_END);
    }

    /// A struct member holding a `<string>`.
    pub fn str_member(&mut self, name: &str, value: &str) {
        write_member_name(&mut self.out, name);
        write_string(&mut self.out, value);
        self.out.extend_from_slice(MEMBER_END);
    }

    /// The finished body.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(RESPONSE_END);
        self.out
    }
}

/// The body of a fault response: byte for byte
/// `xmlrpc.client.dumps(Fault(code, message)).encode()`.
pub fn write_fault(code: i32, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + message.len());
    out.extend_from_slice(XML_HEADER);
    out.extend_from_slice(b"<methodResponse>\n<fault>\n");
    out.extend_from_slice(STRUCT_BEGIN);
    write_member_name(&mut out, "faultCode");
    write_int(&mut out, i64::from(code));
    out.extend_from_slice(MEMBER_END);
    write_member_name(&mut out, "faultString");
    write_string(&mut out, message);
    out.extend_from_slice(MEMBER_END);
    out.extend_from_slice(STRUCT_END);
    out.extend_from_slice(b"</fault>\n</methodResponse>\n");
    out
}

/// The body of a request calling `method` with `params`: byte for byte what Python's
/// `ServerProxy` sends (`dumps(params, method).encode()`).
pub fn write_call(method: &str, params: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(XML_HEADER);
    out.extend_from_slice(b"<methodCall>\n<methodName>");
    write_escaped(&mut out, method);
    out.extend_from_slice(b"</methodName>\n<params>\n");
    for param in params {
        out.extend_from_slice(b"<param>\n");
        write_value(&mut out, param);
        out.extend_from_slice(b"</param>\n");
    }
    out.extend_from_slice(b"</params>\n</methodCall>\n");
    out
}

/// One value as Python's `Marshaller` lays it out.
fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Int(i) => write_int(out, *i),
        Value::Bool(b) => {
            out.extend_from_slice(if *b {
                b"<value><boolean>1</boolean></value>\n"
            } else {
                b"<value><boolean>0</boolean></value>\n"
            });
        }
        Value::String(s) => write_string(out, s),
        Value::Double(d) => {
            out.extend_from_slice(b"<value><double>");
            out.extend_from_slice(python_float_repr(*d).as_bytes());
            out.extend_from_slice(b"</double></value>\n");
        }
        Value::DateTime(text) => {
            out.extend_from_slice(b"<value><dateTime.iso8601>");
            write_escaped(out, text);
            out.extend_from_slice(b"</dateTime.iso8601></value>\n");
        }
        Value::Base64(bytes) => {
            out.extend_from_slice(b"<value><base64>\n");
            write_base64_lines(out, bytes);
            out.extend_from_slice(b"</base64></value>\n");
        }
        Value::Array(items) => {
            out.extend_from_slice(ARRAY_BEGIN);
            for item in items {
                write_value(out, item);
            }
            out.extend_from_slice(ARRAY_END);
        }
        Value::Struct(members) => {
            out.extend_from_slice(STRUCT_BEGIN);
            for (name, value) in members {
                write_member_name(out, name);
                write_value(out, value);
                out.extend_from_slice(MEMBER_END);
            }
            out.extend_from_slice(STRUCT_END);
        }
        // Python writes no newline after nil.
        Value::Nil => out.extend_from_slice(b"<value><nil/></value>"),
    }
}

/// `<value><int>N</int></value>` and its line end.
fn write_int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(b"<value><int>");
    write_i64(out, value);
    out.extend_from_slice(b"</int></value>\n");
}

/// `<value><string>TEXT</string></value>` (escaped) and its line end.
fn write_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"<value><string>");
    write_escaped(out, text);
    out.extend_from_slice(b"</string></value>\n");
}

/// The start of a struct member, up to its value.
fn write_member_name(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"<member>\n<name>");
    write_escaped(out, name);
    out.extend_from_slice(b"</name>\n");
}

/// Text with `&`, `<` and `>` escaped, as Python's `xmlrpc.client.escape`; nothing else is.
fn write_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(i) = bytes[start..]
        .iter()
        .position(|&b| matches!(b, b'&' | b'<' | b'>'))
    {
        let i = start + i;
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(match bytes[i] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            _ => b"&gt;",
        });
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn write_i64(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        // n % 10 < 10, so the cast is exact.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// Python's `base64.encodebytes`: 57 bytes per 76-character line, each line ending in `\n`.
fn write_base64_lines(out: &mut Vec<u8>, bytes: &[u8]) {
    for line in bytes.chunks(57) {
        write_base64(out, line);
        out.push(b'\n');
    }
}

/// Standard base64 of `bytes` on one line, `=`-padded (Python's `b64encode`), as
/// `supervisorctl` sends its Basic credentials.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    write_base64(&mut out, bytes);
    // The alphabet and the padding are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the `=`-padded base64 of `bytes`, without line breaks.
fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    for group in bytes.chunks(3) {
        let b0 = group[0];
        let b1 = group.get(1).copied().unwrap_or(0);
        let b2 = group.get(2).copied().unwrap_or(0);
        let sextets = [
            b0 >> 2,
            (b0 & 0x03) << 4 | b1 >> 4,
            (b1 & 0x0f) << 2 | b2 >> 6,
            b2 & 0x3f,
        ];
        let keep = group.len() + 1;
        for (i, &s) in sextets.iter().enumerate() {
            out.push(if i < keep {
                BASE64_ALPHABET[usize::from(s)]
            } else {
                b'='
            });
        }
    }
}

/// Python's `repr(float)`: the shortest digits that read back exactly, in positional
/// notation when the decimal exponent is in -4..16 (with at least one digit after the
/// point), else as `d.ddde+XX` with a signed exponent of at least two digits.
pub fn python_float_repr(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` also gives the shortest round-trip digits: `-1.2345e-7`, `0e0`.
    let sci = format!("{d:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(digits.len() + 8);
    out.push_str(sign);
    if (-4..16).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            // exponent is in 0..16 here.
            let int_len = exponent.unsigned_abs() as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    }
    out
}
