//! The tracing sink: one event per line, inside the node's span.
//!
//! Alone in its own test binary: the capturing subscriber is a thread-local
//! default, and tracing caches each callsite's interest process-wide, so
//! tests running concurrently on other threads (with no subscriber) could
//! register the sink's callsites as never enabled and the events would be lost.

mod support;

use supervisor_core::Restart;
use supervisor_exec::{Command, Output, ProcessState};
use support::*;

/// Runs `cmd` once, to its end.
async fn run_once(cmd: Command) {
    let handle = cmd.handle();
    let (_sup, _events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    wait_status(&handle, "the end", |s| s.state == ProcessState::Exited).await;
}

/// A minimal subscriber that records each event's message, its `stream`
/// field and the `dn` of the innermost entered span (single-threaded use).
mod capture {
    use std::fmt::Debug;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Line {
        pub dn: String,
        pub stream: String,
        pub message: String,
    }

    #[derive(Default)]
    struct State {
        dns: Vec<String>,
        stack: Vec<u64>,
        lines: Vec<Line>,
    }

    #[derive(Clone, Default)]
    pub struct Capture(Arc<Mutex<State>>);

    struct Fields<'a>(&'a mut Vec<(String, String)>);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            self.0.push((field.name().to_owned(), format!("{value:?}")));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push((field.name().to_owned(), value.to_owned()));
        }
    }

    impl Capture {
        pub fn lines(&self) -> Vec<Line> {
            self.0.lock().unwrap().lines.clone()
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = Vec::new();
            span.record(&mut Fields(&mut fields));
            let dn = fields
                .into_iter()
                .find(|(k, _)| k == "dn")
                .map(|(_, v)| v)
                .unwrap_or_default();
            let mut st = self.0.lock().unwrap();
            st.dns.push(dn);
            Id::from_u64(st.dns.len() as u64)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            if event.metadata().target() != "supervisor_exec::output" {
                return;
            }
            let mut fields = Vec::new();
            event.record(&mut Fields(&mut fields));
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut st = self.0.lock().unwrap();
            let dn = st
                .stack
                .last()
                .map(|&i| st.dns[i as usize - 1].clone())
                .unwrap_or_default();
            let line = Line {
                dn,
                stream: get("stream"),
                message: get("message"),
            };
            st.lines.push(line);
        }
        fn enter(&self, span: &Id) {
            self.0.lock().unwrap().stack.push(span.into_u64());
        }
        fn exit(&self, _: &Id) {
            self.0.lock().unwrap().stack.pop();
        }
    }
}

#[test]
fn tracing_sink_emits_one_event_per_line_in_the_node_span() {
    let capture = capture::Capture::default();
    let _default = tracing::subscriber::set_default(capture.clone());
    // A current-thread runtime: every task runs on this thread, under the
    // thread-local subscriber.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        run_once(
            Command::shell("echo first; printf 'second\\nthird'; echo oops >&2")
                .stdout(Output::new().tracing(tracing::Level::INFO))
                .stderr(Output::new().tracing(tracing::Level::WARN)),
        )
        .await;
    });
    let mut lines: Vec<(String, String, String)> = capture
        .lines()
        .into_iter()
        .map(|l| (l.dn, l.stream, l.message))
        .collect();
    lines.sort();
    let own = |s: &str, m: &str| ("root.job".to_owned(), s.to_owned(), m.to_owned());
    assert_eq!(
        lines,
        [
            own("stderr", "oops"),
            own("stdout", "first"),
            own("stdout", "second"),
            own("stdout", "third"),
        ]
    );
}
