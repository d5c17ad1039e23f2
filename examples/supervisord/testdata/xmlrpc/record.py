#!/usr/bin/env python3
"""Record differential fixtures for the XML-RPC codec (examples/supervisord/xmlrpc.rs).

Run from anywhere with a Python that has supervisor 4.2.5 installed:

    python3 -m venv /tmp/svx && /tmp/svx/bin/pip install 'supervisor==4.2.5'
    /tmp/svx/bin/python examples/supervisord/testdata/xmlrpc/record.py

It rewrites requests/ and responses/ beside this file. The Rust tests read them without
Python. Each fixture is a body NAME.xml and a text file NAME.txt holding values in a small
one-line notation (see render()):

requests/NAME.txt
    method "NAME"                    the methodName, as a JSON string: the one called for
                                     bodies made by dumps, else the one supervisord sees
                                     ("method -" when it sees none)
    params [...]                     only for bodies made by xmlrpc.client.dumps: the Python
                                     params, so that writing them back must give NAME.xml
    supervisord [...]                what supervisord 4.2.5's own request parser
                                     (supervisor_xmlrpc_handler.loads) makes of the body,
                                     or "supervisord REJECTED <why>" when it answers HTTP 400

responses/NAME.txt
    value V | value fault CODE "TEXT"   the Python value given to supervisord's
                                        xmlrpc_marshal, which wrote NAME.xml
    parsed V | parsed fault CODE "TEXT" | parsed REJECTED <why>
                                        what Python's xmlrpc.client reads back from NAME.xml

Notation: 12, true, false, nil, double(repr), "json string" (ASCII-only escapes),
datetime("20240101T10:00:00"), base64(hex), [a, b], {"k": v}.
"""

import datetime
import json
import os
import shutil
import sys
import xmlrpc.client as xc

from supervisor.compat import as_bytes
from supervisor.xmlrpc import supervisor_xmlrpc_handler, xmlrpc_marshal

HERE = os.path.dirname(os.path.abspath(__file__))


def render(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "double(%r)" % v
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, xc.Binary):
        return "base64(%s)" % v.data.hex()
    if isinstance(v, (bytes, bytearray)):
        return "base64(%s)" % bytes(v).hex()
    if isinstance(v, xc.DateTime):
        return "datetime(%s)" % json.dumps(v.value)
    if isinstance(v, datetime.datetime):
        return "datetime(%s)" % json.dumps(v.strftime("%Y%m%dT%H:%M:%S"))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(render(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k) + ": " + render(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def supervisord_view(body):
    """What supervisord 4.2.5 makes of a request body (see continue_request)."""
    handler = supervisor_xmlrpc_handler(None, [])
    try:
        params, method = handler.loads(body.decode("utf-8"))
    except Exception as e:  # supervisord answers HTTP 400
        return None, "REJECTED %s" % type(e).__name__
    if not method:
        return method, "REJECTED no method name"
    if params is None:
        params = ()
    return method, render(list(params))


def write(folder, name, body, lines):
    with open(os.path.join(HERE, folder, name + ".xml"), "wb") as f:
        f.write(body)
    with open(os.path.join(HERE, folder, name + ".txt"), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def record_request(name, method, params, allow_none=False):
    # Exactly what ServerProxy.__request sends (supervisorctl uses a ServerProxy).
    body = xc.dumps(params, method, encoding="utf-8", allow_none=allow_none).encode(
        "utf-8", "xmlcharrefreplace"
    )
    seen_method, view = supervisord_view(body)
    write(
        "requests",
        name,
        body,
        [
            "method %s" % json.dumps(method),
            "params %s" % render(list(params)),
            "supervisord %s" % view,
        ],
    )


def record_raw_request(name, body):
    seen_method, view = supervisord_view(body)
    write(
        "requests",
        name,
        body,
        ["method %s" % (json.dumps(seen_method) if seen_method else "-"), "supervisord %s" % view],
    )


def record_response(name, value):
    # Exactly what supervisord sends: as_bytes(xmlrpc_marshal(value)).
    try:
        body = as_bytes(xmlrpc_marshal(value))
    except TypeError:
        # None is refused by supervisord (allow_none is off): record the allow_none form
        # that the codec writes instead, so the reader side is still checked.
        body = xc.dumps((value,), methodresponse=True, allow_none=True).encode("utf-8")
    if isinstance(value, xc.Fault):
        first = "value fault %d %s" % (value.faultCode, json.dumps(value.faultString))
    else:
        first = "value %s" % render(value)
    try:
        parsed = xc.loads(body)[0][0]
        second = "parsed %s" % render(parsed)
    except xc.Fault as f:
        second = "parsed fault %d %s" % (f.faultCode, json.dumps(f.faultString))
    except Exception as e:
        second = "parsed REJECTED %s" % type(e).__name__
    write("responses", name, body, [first, second])


def process_info(i, state, statename, description, pid=0):
    group = "grp%d" % (i % 7) if i % 3 else "proc%03d" % i
    return {
        "name": "proc%03d" % i,
        "group": group,
        "start": 1700000000 + i,
        "stop": 0 if pid else 1700000100 + i,
        "now": 1700001000,
        "state": state,
        "statename": statename,
        "spawnerr": "" if state != 200 else "can't find command '/nope'",
        "exitstatus": 0 if pid else i % 3,
        "logfile": "/var/log/supervisor/proc%03d-stdout---supervisor-abc%d.log" % (i, i),
        "stdout_logfile": "/var/log/supervisor/proc%03d-stdout---supervisor-abc%d.log"
        % (i, i),
        "stderr_logfile": "",
        "pid": pid,
        "description": description,
    }


def all_process_info(n):
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(process_info(i, 20, "RUNNING", "pid %d, uptime 1 day, 2:11:57" % (4000 + i), 4000 + i))
        elif kind == 1:
            out.append(process_info(i, 0, "STOPPED", "Nov 14 10:15 PM"))
        elif kind == 2:
            out.append(process_info(i, 200, "FATAL", "can't find command '/nope'"))
        else:
            out.append(process_info(i, 100, "EXITED", "Not started"))
    return out


SPECIAL = 'a < b && c > d "quoted" \'single\' \t tab\nnew line caf\u00e9 \u65e5\u672c \U0001f40d ]]> &amp;'


def requests():
    r = record_request
    r("get_all_process_info", "supervisor.getAllProcessInfo", ())
    r("get_api_version", "supervisor.getAPIVersion", ())
    r("get_state", "supervisor.getState", ())
    r("start_process", "supervisor.startProcess", ("foo:bar", True))
    r("start_process_nowait", "supervisor.startProcess", ("foo:*", False))
    r("stop_process_group", "supervisor.stopProcessGroup", ("grp", True))
    r("read_stdout_log", "supervisor.readProcessStdoutLog", ("x", -100, 0))
    r("tail_stdout_log", "supervisor.tailProcessStdoutLog", ("cat", 0, 1600))
    r("read_log", "supervisor.readLog", (0, 0))
    r("signal_name", "supervisor.signalProcess", ("cat", "HUP"))
    r("signal_number", "supervisor.signalProcess", ("cat", 9))
    r("send_stdin", "supervisor.sendProcessStdin", ("cat", SPECIAL))
    r("send_comm_event", "supervisor.sendRemoteCommEvent", ("mytype", "<data/>"))
    r("add_group", "supervisor.addProcessGroup", ("new",))
    r("method_help", "system.methodHelp", ("supervisor.startProcess",))
    r(
        "multicall",
        "system.multicall",
        (
            [
                {"methodName": "supervisor.getState", "params": []},
                {"methodName": "supervisor.startProcess", "params": ["a:b", False]},
                {"methodName": "supervisor.readLog", "params": [-1600, 0]},
                {"methodName": "system.listMethods", "params": []},
            ],
        ),
    )
    r(
        "all_types",
        "test.echo",
        (
            0,
            2**31 - 1,
            -(2**31),
            True,
            False,
            "",
            "plain",
            0.0,
            -0.0,
            1.5,
            0.1,
            1e16,
            1e15,
            123456789.125,
            1e-05,
            0.0001,
            1.5e-07,
            -2.5e300,
            5e-324,
            1.7976931348623157e308,
            float("inf"),
            float("-inf"),
            xc.DateTime("20240229T23:59:58"),
            xc.Binary(b""),
            xc.Binary(b"text in base64"),
            [],
            {},
            [[[]], {"a": [1, {"b": {}}]}],
            {"key <&>": "value <&>", "caf\u00e9": 1, "": ""},
        ),
    )
    # supervisord decodes base64 to a UTF-8 str and answers 400 when it is not UTF-8; the
    # codec keeps the bytes.
    r("lenient_base64_binary", "test.echo", (xc.Binary(bytes(range(256))),))
    r("with_nil", "test.echo", (None, [None], {"n": None}), allow_none=True)
    # The client sends raw control characters and CR; expat (so supervisord) rejects the
    # first and turns CR LF into LF.
    r("lenient_control_chars", "supervisor.sendProcessStdin", ("cat", "bell\x07 esc\x1b"))
    r("carriage_return", "supervisor.sendProcessStdin", ("cat", "line\r\nline\rend"))

    raw = record_raw_request
    raw("untyped_value", b"<?xml version='1.0'?><methodCall><methodName>supervisor.getProcessInfo</methodName><params><param><value>foo:bar</value></param></params></methodCall>")
    raw("untyped_value_whitespace", b"<methodCall><methodName>x.y</methodName><params><param><value>  two words  </value></param><param><value></value></param><param><value/></param></params></methodCall>")
    raw("i4_and_whitespace", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall>\n  <methodName>supervisor.readLog</methodName>\n  <params>\n    <param><value><i4> -100 </i4></value></param>\n    <param>\n      <value>\n        <int>+7</int>\n      </value>\n    </param>\n  </params>\n</methodCall>\n")
    raw("int_underscores", b"<methodCall><methodName>x.y</methodName><params><param><value><int>1_000_000</int></value></param></params></methodCall>")
    raw("no_params", b"<methodCall><methodName>supervisor.getState</methodName></methodCall>")
    raw("empty_params", b"<methodCall><methodName>supervisor.getState</methodName><params/></methodCall>")
    raw("entities_and_charrefs", b"<methodCall><methodName>supervisor.sendProcessStdin</methodName><params><param><value><string>cat</string></value></param><param><value><string>&lt;&amp;&gt;&quot;&apos; &#65;&#x42;&#233;&#x1F40D;</string></value></param></params></methodCall>")
    raw("cdata", b"<methodCall><methodName>x.y</methodName><params><param><value><string><![CDATA[<not a tag> & stuff]]></string></value></param><param><value><![CDATA[bare]]></value></param></params></methodCall>")
    raw("comments_and_pi", b"<?xml version='1.0'?>\n<!-- a comment --><?pi stuff?><methodCall><!-- c --><methodName>x.y</methodName><params><!-- c --><param><value><string>a<!-- c -->b</string></value></param></params></methodCall><!-- after -->\n")
    raw("nil", b"<methodCall><methodName>x.y</methodName><params><param><value><nil/></value></param></params></methodCall>")
    raw("boolean_values", b"<methodCall><methodName>x.y</methodName><params><param><value><boolean>1</boolean></value></param><param><value><boolean>0</boolean></value></param></params></methodCall>")
    raw("double_forms", b"<methodCall><methodName>x.y</methodName><params><param><value><double> 1e3 </double></value></param><param><value><double>-.5</double></value></param><param><value><double>inf</double></value></param><param><value><double>7</double></value></param></params></methodCall>")
    raw("base64_text", b"<methodCall><methodName>x.y</methodName><params><param><value><base64>aGVs\nbG8=\n</base64></value></param></params></methodCall>")
    raw("struct_duplicate_keys", b"<methodCall><methodName>x.y</methodName><params><param><value><struct><member><name>a</name><value><int>1</int></value></member><member><name>b</name><value><int>2</int></value></member><member><name>a</name><value><int>3</int></value></member></struct></value></param></params></methodCall>")
    raw("struct_empty_name", b"<methodCall><methodName>x.y</methodName><params><param><value><struct><member><name></name><value>v</value></member></struct></value></param></params></methodCall>")
    raw("array_empty_data", b"<methodCall><methodName>x.y</methodName><params><param><value><array><data/></array></value></param></params></methodCall>")
    raw("method_name_spaces", b"<methodCall><methodName> supervisor.getState </methodName></methodCall>")
    raw("text_beside_typed_value", b"<methodCall><methodName>x.y</methodName><params><param><value>junk<int>5</int>junk</value></param></params></methodCall>")
    raw("non_ascii_method_and_text", "<methodCall><methodName>caf\u00e9.m\u00e9thode</methodName><params><param><value>\u65e5\u672c\U0001f40d</value></param></params></methodCall>".encode("utf-8"))
    raw("crlf_in_string", b"<methodCall><methodName>x.y</methodName><params><param><value><string>a\r\nb\rc&#13;d</string></value></param></params></methodCall>")
    # Bodies supervisord answers with HTTP 400 ("bad_" cases: the codec refuses them too).
    raw("bad_empty_body", b"")
    raw("bad_garbage", b"\x00\x01garbage")
    raw("bad_truncated", b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n<param>\n<value><string>abc")
    raw("bad_no_method_name", b"<methodCall><params/></methodCall>")
    raw("bad_empty_method_name", b"<methodCall><methodName></methodName></methodCall>")
    raw("bad_int", b"<methodCall><methodName>x.y</methodName><params><param><value><int>12abc</int></value></param></params></methodCall>")
    raw("bad_int_empty", b"<methodCall><methodName>x.y</methodName><params><param><value><int></int></value></param></params></methodCall>")
    raw("bad_double", b"<methodCall><methodName>x.y</methodName><params><param><value><double>one</double></value></param></params></methodCall>")
    raw("bad_mismatched_tags", b"<methodCall><methodName>x.y</methodName><params></param></methodCall>")
    raw("bad_undefined_entity", b"<methodCall><methodName>x.y</methodName><params><param><value>&nbsp;</value></param></params></methodCall>")
    raw("bad_two_roots", b"<methodCall><methodName>x.y</methodName></methodCall><methodCall/>")
    raw("bad_param_without_value", b"<methodCall><methodName>x.y</methodName><params><param/></params></methodCall>")
    raw("lenient_array_without_data", b"<methodCall><methodName>x.y</methodName><params><param><value><array/></value></param></params></methodCall>")
    raw("bad_member_without_value", b"<methodCall><methodName>x.y</methodName><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodCall>")
    raw("bad_base64", b"<methodCall><methodName>x.y</methodName><params><param><value><base64>abc</base64></value></param></params></methodCall>")
    raw("bad_invalid_utf8", b"<methodCall><methodName>x.y</methodName><params><param><value>\xff\xfe</value></param></params></methodCall>")
    # Bodies supervisord reads but this codec refuses on purpose (see the module docs);
    # "lenient_" cases above are the reverse.
    raw("strict_wrong_root", b"<methodResponse><methodName>x.y</methodName></methodResponse>")
    raw("strict_unknown_type", b"<methodCall><methodName>x.y</methodName><params><param><value><foo>1</foo></value></param></params></methodCall>")
    raw("strict_boolean_word", b"<methodCall><methodName>x.y</methodName><params><param><value><boolean>true</boolean></value></param></params></methodCall>")
    # Read by both, with different values: supervisord takes the text of a type tag it does not
    # know (here "8589934592"); the codec reads <i8> as Python's client does.
    raw("differs_i8", b"<methodCall><methodName>x.y</methodName><params><param><value><i8>8589934592</i8></value></param></params></methodCall>")


def responses():
    r = record_response
    r("true", True)
    r("false", False)
    r("api_version", "3.0")
    r("supervisor_version", "4.2.5")
    r("pid", 4242)
    r("int_limits", [2**31 - 1, -(2**31), 0, -1])
    r("state", {"statecode": 1, "statename": "RUNNING"})
    r("process_info", all_process_info(1)[0])
    r("all_process_info_4", all_process_info(4))
    r("all_process_info_100", all_process_info(100))
    r("all_process_info_empty", [])
    r("read_log_special", SPECIAL)
    r("read_log_empty", "")
    r("read_log_control_chars", "bell\x07 esc\x1b nul-free")
    r("read_log_carriage_return", "progress 10%\rprogress 20%\r\ndone")
    r("tail_log", ["tail text\n", 1600, False])
    r("reload_config", [[["added1"], ["changed1", "changed2"], []]])
    r(
        "start_group_results",
        [
            {"name": "a", "group": "g", "status": 80, "description": "OK"},
            {"name": "b", "group": "g", "status": 50, "description": "SPAWN_ERROR: b"},
        ],
    )
    r(
        "multicall_results",
        [["RUNNING"], {"faultCode": 10, "faultString": "BAD_NAME: nope"}, [True]],
    )
    r("list_methods", ["supervisor.addProcessGroup", "system.listMethods", "system.multicall"])
    r(
        "doubles",
        [0.0, -0.0, 1.0, 1.5, 0.1, 0.3, 2.0 / 3.0, 1e15, 1e16, 123456789012345.6,
         1234567890123456.7, 1e-4, 1e-5, 1.5e-7, 1e22, 1e100, -2.5e300, 5e-324,
         1.7976931348623157e308, 2.2250738585072014e-308, 3.141592653589793,
         float("inf"), float("-inf"), float("nan"), 100.0, 12345.678, 9.999999999999999e15]
        + [((i * 7919) % 10007) / 97.0 * 10.0 ** ((i % 41) - 20) for i in range(120)],
    )
    r("datetime", xc.DateTime("20240229T23:59:58"))
    r("base64_short", xc.Binary(b"hello"))
    r("base64_empty", xc.Binary(b""))
    r("base64_lines", xc.Binary(bytes(range(256)) * 2))
    r("base64_57", xc.Binary(b"x" * 57))
    r("base64_58", xc.Binary(b"y" * 58))
    r("nested", {"a": [1, [2, [3, {"b": {"c": []}}]]], "d": {}})
    r("struct_special_keys", {"k <&>": "v", "caf\u00e9": "\U0001f40d", "": 0})
    r("nil_allow_none_form", None)
    r("fault_bad_name", xc.Fault(10, "BAD_NAME: foo"))
    r("fault_special", xc.Fault(2, 'INCORRECT_PARAMETERS: <&> "x" caf\u00e9'))
    r("fault_negative", xc.Fault(-32700, "parse error"))
    r("fault_shutdown", xc.Fault(6, "SHUTDOWN_STATE"))


def main():
    for folder in ("requests", "responses"):
        path = os.path.join(HERE, folder)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    requests()
    responses()
    print("recorded %d requests and %d responses with Python %s" % (
        len(os.listdir(os.path.join(HERE, "requests"))) // 2,
        len(os.listdir(os.path.join(HERE, "responses"))) // 2,
        sys.version.split()[0],
    ))


if __name__ == "__main__":
    main()
