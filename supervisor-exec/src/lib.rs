//! OS processes as supervised runnables (work in progress: see the project's issues).
#![forbid(unsafe_code)]
