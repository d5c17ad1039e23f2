//! The error type of supervisor-grpc.

use std::io;

/// Why a server runnable ended with an error, or a control-plane helper failed.
///
/// A server that returns one of these dies: the supervisor restarts it after
/// its backoff. The Display text names the address and the cause, but its
/// wording is not stable: match on the variant, not on the text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound: typically `AddrInUse` (another process
    /// holds the port, or a live server holds the unix socket), or
    /// `PermissionDenied`.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address, as `127.0.0.1:50051` or `unix:/run/app.sock`.
        addr: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A ready listener handed to the server could not be used (duplicating
    /// its file descriptor or making it non-blocking failed).
    #[error("cannot use the listener on {addr}: {source}")]
    Listener {
        /// The listener's address.
        addr: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Accepting a connection failed with an error that is not transient
    /// (transient ones, such as running out of file descriptors or a
    /// connection reset before it was accepted, are logged and retried).
    #[error("cannot accept connections on {addr}: {source}")]
    Accept {
        /// The listening address.
        addr: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The supervisor refused a request (a signal out of order, an unknown
    /// DN, a supervisor that has ended, ...).
    #[error(transparent)]
    Supervisor(#[from] supervisor_core::Error),
}
