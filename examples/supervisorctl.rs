//! Our `supervisorctl`: a native client for the supervisord example (and for
//! Python supervisord), with the commands, output and exit codes of Python
//! supervisorctl 4.2.5.
//!
//! ```text
//! cargo run --example supervisorctl -- -c examples/supervisord/sample.conf status
//! ```
//!
//! The same client is built into the daemon: `supervisord ctl ...`, or the
//! daemon binary invoked through a link named `supervisorctl`.

// Only the [supervisorctl] part of the loader is used here (not the daemon's
// converters it re-exports either).
#[allow(dead_code, unused_imports)]
#[path = "supervisord/config.rs"]
mod config;
#[path = "supervisord/ctl.rs"]
mod ctl;
#[allow(dead_code)]
#[path = "supervisord/ini.rs"]
mod ini;
// The server side of the codec (parse_call, write_response, ...) is unused here.
#[allow(dead_code)]
#[path = "supervisord/xmlrpc.rs"]
mod xmlrpc;

fn main() {
    std::process::exit(ctl::main(std::env::args_os().skip(1).collect()));
}
