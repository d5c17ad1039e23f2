//! Catching panics of runnables, with their message and location.
//!
//! `catch_unwind` gives the payload but not the location; a panic hook does.
//! The first supervisor installs, once per process, a hook that chains to the
//! previous one: while a runnable is being polled on this thread it records the
//! location in a thread-local and stays quiet (the supervisor reports the panic
//! through `tracing` instead); everywhere else it defers to the previous hook.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

use crate::BoxError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Outside,
    Catching,
    Propagating,
}

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Outside) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub(crate) fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let mode = MODE.with(Cell::get);
            if mode != Mode::Outside {
                LOCATION.with(|l| *l.borrow_mut() = info.location().map(|l| l.to_string()));
            }
            if mode != Mode::Catching {
                previous(info);
            }
        }));
    });
}

/// A caught panic.
pub(crate) struct Panic {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
    pub(crate) payload: Box<dyn Any + Send>,
}

/// How a runnable's panics are handled while it is polled.
#[derive(Clone, Copy)]
pub(crate) struct Catch(Mode);

impl Catch {
    pub(crate) fn new(propagate: bool) -> Self {
        Self(if propagate {
            Mode::Propagating
        } else {
            Mode::Catching
        })
    }

    /// Polls a runnable's future with panics caught. Generic, so that the
    /// runnable's future lives inline in its task (no extra box per run).
    pub(crate) fn poll<F>(
        self,
        fut: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Result<(), BoxError>, Box<Panic>>>
    where
        F: Future<Output = Result<(), BoxError>>,
    {
        let outer = MODE.with(|m| m.replace(self.0));
        let result = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        MODE.with(|m| m.set(outer));
        match result {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(r)) => Poll::Ready(Ok(r)),
            Err(payload) => {
                let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
                    (*s).to_owned()
                } else if let Some(s) = payload.downcast_ref::<String>() {
                    s.clone()
                } else {
                    "Box<dyn Any>".to_owned()
                };
                let location = LOCATION.with(|l| l.borrow_mut().take());
                Poll::Ready(Err(Box::new(Panic {
                    message,
                    location,
                    payload,
                })))
            }
        }
    }
}
