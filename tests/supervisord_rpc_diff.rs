//! Differential test of the XML-RPC interface: the example daemon against Python
//! supervisord 4.2.5 (from the same venv as the stock supervisorctl), same config,
//! ~120 calls compared after masking pids, times and temp paths. The driver is
//! `tests/supervisord_rpc_diff.py` (Python's own `xmlrpc.client` reads both).

mod supervisord_support;
use supervisord_support as support;

#[test]
fn xmlrpc_responses_match_python_supervisord() {
    let ctl = require_python_ctl!();
    let bin = ctl.parent().expect("venv bin dir");
    let python_supervisord = bin.join("supervisord");
    if !python_supervisord.exists() {
        eprintln!(
            "SKIPPED: {} has no Python supervisord next to it",
            ctl.display()
        );
        return;
    }
    let python = if bin.join("python3").exists() {
        bin.join("python3")
    } else {
        "python3".into()
    };
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/supervisord_rpc_diff.py");
    let (out, code) = support::run(
        std::process::Command::new(python)
            .arg(script)
            .arg(support::example_bin("supervisord"))
            .arg(python_supervisord),
    );
    assert_eq!(code, 0, "responses differ from Python supervisord:\n{out}");
    assert!(out.contains(", 0 differences"), "{out}");
}
