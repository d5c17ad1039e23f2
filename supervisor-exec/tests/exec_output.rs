//! Output sinks: rotated log files, tail buffers, the output channel,
//! callbacks, merged stderr, stdin.

mod support;

use std::path::Path;

use supervisor_core::{BackoffPolicy, Restart};
use supervisor_exec::{Command, LogFile, Output, ProcessState, Stream};
use support::*;

fn seq(n: u32) -> Vec<u8> {
    (1..=n)
        .map(|i| format!("{i}\n"))
        .collect::<String>()
        .into_bytes()
}

/// The backups of `log` (oldest first) and the current file, concatenated;
/// and how many backups there are.
fn read_rotated(log: &LogFile) -> (Vec<u8>, u32) {
    let mut n = 0;
    while log.backup_path(n + 1).exists() {
        n += 1;
    }
    let mut all = Vec::new();
    for i in (1..=n).rev() {
        all.extend(std::fs::read(log.backup_path(i)).expect("backup"));
    }
    if log.path().exists() {
        all.extend(std::fs::read(log.path()).expect("log"));
    }
    (all, n)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("metadata").len()
}

/// Runs `cmd` once, to its end.
async fn run_once(cmd: Command) -> supervisor_exec::ProcessHandle {
    let handle = cmd.handle();
    // A clone of a command that already ran starts out `Exited`: wait for
    // the end of this run, the next spawn.
    let spawn = handle.status().spawns + 1;
    let (_sup, _events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    wait_status(&handle, "the end", |s| {
        s.spawns == spawn && s.state == ProcessState::Exited
    })
    .await;
    handle
}

#[tokio::test]
async fn file_rotation_loses_and_reorders_nothing_over_100k_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let max = 64 * 1024;
    let cmd = Command::new("seq").arg("100000").stdout(
        Output::new().file(
            LogFile::new(dir.path().join("seq.log"))
                .max_bytes(max)
                .backups(100),
        ),
    );
    let handle = run_once(cmd).await;
    let log = handle.log_file(Stream::Stdout).expect("log file");
    let (all, backups) = read_rotated(&log);
    let expected = seq(100_000);
    assert!(
        all == expected,
        "{} bytes read, {} expected",
        all.len(),
        expected.len()
    );
    // Each rotation happened once the file reached max_bytes.
    assert!(
        backups as u64 >= expected.len() as u64 / max - 1,
        "{backups} backups"
    );
    for i in 1..=backups {
        assert!(size(&log.backup_path(i)) >= max);
    }
    assert!(size(log.path()) < max);
}

#[tokio::test]
async fn file_rotation_keeps_only_the_newest_backups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cmd = Command::new("seq").arg("100000").stdout(
        Output::new().file(
            LogFile::new(dir.path().join("seq.log"))
                .max_bytes(32 * 1024)
                .backups(3),
        ),
    );
    let handle = run_once(cmd).await;
    let log = handle.log_file(Stream::Stdout).expect("log file");
    let (all, backups) = read_rotated(&log);
    assert_eq!(backups, 3);
    assert!(!log.backup_path(4).exists());
    let expected = seq(100_000);
    assert!(
        expected.ends_with(&all),
        "the files hold a suffix of the output"
    );
    assert!(all.len() as u64 >= 3 * 32 * 1024);
}

#[tokio::test]
async fn max_bytes_zero_never_rotates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cmd = Command::new("seq")
        .arg("20000")
        .stdout(Output::new().file(LogFile::new(dir.path().join("seq.log")).max_bytes(0)));
    let handle = run_once(cmd).await;
    let log = handle.log_file(Stream::Stdout).expect("log file");
    assert_eq!(read_rotated(&log), (seq(20_000), 0));
}

#[tokio::test]
async fn the_file_and_tail_carry_on_across_restarts() {
    // Three runs: the first two crash, the third exits cleanly.
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("runs");
    let script = format!(
        "n=$(cat {c} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {c}; \
         seq -f \"run$n %g\" 1 2000; [ $n -ge 3 ]",
        c = counter.display()
    );
    let cmd = Command::shell(script).stdout(
        Output::new()
            .file(
                LogFile::new(dir.path().join("runs.log"))
                    .max_bytes(10_000)
                    .backups(50),
            )
            .tail(100),
    );
    let handle = cmd.handle();
    let (_sup, _events) = supervise(
        cmd.child("job")
            .restart(Restart::Transient)
            .backoff(BackoffPolicy::immediate()),
    )
    .await;
    wait_status(&handle, "the third run to end", |s| {
        s.spawns == 3 && s.state == ProcessState::Exited
    })
    .await;
    let log = handle.log_file(Stream::Stdout).expect("log file");
    let (all, _) = read_rotated(&log);
    let expected: String = (1..=3)
        .flat_map(|run| (1..=2000).map(move |i| format!("run{run} {i}\n")))
        .collect();
    assert!(
        all == expected.as_bytes(),
        "the log holds every line of every run, in order"
    );
    let tail = handle.tail(Stream::Stdout).expect("tail");
    assert_eq!(tail.end(), expected.len() as u64);
    assert_eq!(tail.start(), expected.len() as u64 - 100);
    assert_eq!(
        tail.tail(100).data,
        expected.as_bytes()[expected.len() - 100..]
    );
}

#[tokio::test]
async fn tail_buffer_offsets_are_absolute() {
    let cmd = Command::shell("printf 0123456789; printf abcdefghij")
        .stdout(Output::new().tail(8).channel());
    let mut out = cmd.handle().subscribe_output();
    let handle = run_once(cmd).await;
    let tail = handle.tail(Stream::Stdout).expect("tail");
    assert_eq!((tail.start(), tail.end()), (12, 20));
    let t = tail.read(0, 100);
    assert_eq!(
        (t.data.as_slice(), t.start, t.end),
        (&b"cdefghij"[..], 12, 20)
    );
    let t = tail.read(15, 3);
    assert_eq!((t.data.as_slice(), t.start), (&b"fgh"[..], 15));
    assert_eq!(tail.read(20, 10).data, b"");
    // The channel's chunks carry the same offsets, contiguous.
    let mut next = 0;
    while let Ok(chunk) = out.try_recv() {
        assert_eq!(chunk.offset, next);
        next += chunk.data.len() as u64;
    }
    assert_eq!(next, 20);
}

/// What a subscriber received so far (it was subscribed before the run).
fn received(rx: &mut tokio::sync::broadcast::Receiver<supervisor_exec::OutputChunk>) -> Vec<u8> {
    let mut got = Vec::new();
    while let Ok(chunk) = rx.try_recv() {
        got.extend_from_slice(&chunk.data);
    }
    got
}

/// The output channel's capacity may be set after the outputs: the sinks
/// send to the channel the subscribers get, with that capacity.
#[tokio::test]
async fn output_channel_capacity_after_the_outputs() {
    let cmd = Command::shell("printf hello")
        .stdout(Output::new().channel())
        .output_channel_capacity(8);
    let mut out = cmd.handle().subscribe_output();
    run_once(cmd).await;
    assert_eq!(received(&mut out), b"hello");

    // Capacity 1, set last, applies: a subscriber that reads nothing lags.
    let cmd = Command::new("seq")
        .arg("100000")
        .stdout(Output::new().channel())
        .output_channel_capacity(1);
    let mut lagging = cmd.handle().subscribe_output();
    run_once(cmd).await;
    assert!(
        matches!(
            lagging.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))
        ),
        "the capacity set after the output is the channel's"
    );
}

/// A subscriber may come before the outputs are configured.
#[tokio::test]
async fn subscribe_before_the_outputs() {
    let cmd = Command::shell("printf hello; printf ' world' >&2");
    let mut out = cmd.handle().subscribe_output();
    let cmd = cmd
        .stdout(Output::new().channel())
        .stderr(Output::new().channel());
    let mut later = cmd.handle().subscribe_output();
    run_once(cmd).await;
    let mut got = received(&mut out);
    got.sort_unstable();
    let mut want = b"hello world".to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "both streams, to the early subscriber");
    let mut got = received(&mut later);
    got.sort_unstable();
    assert_eq!(got, want, "and to a later one: one channel");
}

#[tokio::test]
async fn stdin_writes_reach_the_child() {
    let cmd = Command::new("cat")
        .stdin(true)
        .stdout(Output::new().channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let (_sup, _events) = supervise(cmd.child("cat").restart(Restart::Temporary)).await;
    wait_status(&handle, "spawn", |s| s.pid.is_some()).await;
    handle.write_stdin(b"hello\n").await.expect("write");
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "hello\n").await;
    handle.write_stdin(b"world\n").await.expect("write");
    wait_output(&mut out, &mut seen, "world\n").await;
    assert!(handle.close_stdin());
    // cat exits 0 at end-of-file.
    let status = wait_status(&handle, "cat to end", |s| s.state == ProcessState::Exited).await;
    assert!(status.last_exit.expect("exit").expected);
    assert!(handle
        .write_stdin(b"late")
        .await
        .expect_err("no process")
        .is_not_running());
}

#[tokio::test]
async fn stderr_merged_into_stdout_keeps_order() {
    let handle = run_once(
        Command::shell("echo one; echo two >&2; echo three")
            .merge_stderr(true)
            .stdout(Output::new().tail(1024))
            .stderr(Output::new().tail(1024)),
    )
    .await;
    let out = handle.tail(Stream::Stdout).expect("tail").tail(1024).data;
    assert_eq!(out, b"one\ntwo\nthree\n");
}

#[tokio::test]
async fn stdout_and_stderr_go_to_their_own_sinks() {
    let handle = run_once(
        Command::shell("echo out; echo err >&2")
            .stdout(Output::new().tail(1024))
            .stderr(Output::new().tail(1024)),
    )
    .await;
    assert_eq!(
        handle.tail(Stream::Stdout).expect("tail").tail(99).data,
        b"out\n"
    );
    assert_eq!(
        handle.tail(Stream::Stderr).expect("tail").tail(99).data,
        b"err\n"
    );
}

#[tokio::test]
async fn clear_logs_removes_the_file_and_empties_the_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Clones share the log file and tail: each `run_once` is one more run.
    let cmd = Command::shell("echo before").stdout(
        Output::new()
            .file(LogFile::new(dir.path().join("c.log")))
            .tail(1024),
    );
    let handle = run_once(cmd.clone()).await;
    let log = handle.log_file(Stream::Stdout).expect("log");
    assert_eq!(std::fs::read(log.path()).expect("log"), b"before\n");
    handle.clear_logs().expect("clear");
    assert!(!log.path().exists());
    let tail = handle.tail(Stream::Stdout).expect("tail");
    assert_eq!((tail.start(), tail.end()), (7, 7));
    // The next write starts a new file.
    run_once(cmd.clone()).await;
    assert_eq!(std::fs::read(log.path()).expect("log"), b"before\n");
    // Reopen after an external rotation: the next write creates the file
    // again instead of appending to the moved one.
    let moved = dir.path().join("c.log.moved");
    std::fs::rename(log.path(), &moved).expect("rename");
    handle.reopen_logs();
    run_once(cmd).await;
    assert_eq!(std::fs::read(log.path()).expect("log"), b"before\n");
    assert_eq!(std::fs::read(&moved).expect("moved"), b"before\n");
}

#[tokio::test]
async fn a_cloned_command_keeps_its_state_across_rebuilds_of_its_parent() {
    use supervisor_core::{Context, Signal, Supervisor};
    let cmd = Command::shell("echo up; exec sleep 1000").stdout(Output::new().tail(1024).channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let sup = Supervisor::builder()
        .propagate_panics(true)
        .start(move |ctx: Context| {
            let cmd = cmd.clone();
            async move {
                ctx.run_group([cmd.child("web")]).await?;
                ctx.signal(Signal::Healthy)?;
                ctx.cancelled().await;
                Ok::<_, supervisor_core::Error>(())
            }
        });
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "up\n").await;
    let first = handle.pid();
    guard("restart", sup.restart("root"))
        .await
        .expect("restart");
    wait_output(&mut out, &mut seen, "up\nup\n").await;
    let second = wait_status(&handle, "second run", |s| s.spawns == 2 && s.pid.is_some()).await;
    assert_ne!(first, second.pid);
    let tail = handle.tail(Stream::Stdout).expect("tail");
    assert_eq!(tail.tail(100).data, b"up\nup\n");
    guard("shutdown", sup.shutdown(std::time::Duration::from_secs(5)))
        .await
        .expect("shutdown");
}

/// Waits until `cond` holds (polling; [`guard`] bounds the wait).
async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    guard(what, async {
        while !cond() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
}

/// What a callback saw: the bytes, and whether each chunk's offset was
/// where the previous one ended.
#[derive(Default)]
struct Seen {
    data: Vec<u8>,
    contiguous: bool,
    chunks: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_see_every_chunk_in_order_over_every_run() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Seen {
        contiguous: true,
        ..Seen::default()
    }));
    let sink = seen.clone();
    // Slower than `seq` for its first chunks: the reader waits for it (and
    // `seq` for the reader) instead of skipping anything. Meanwhile a
    // channel subscriber that reads nothing falls behind and misses chunks.
    let cmd =
        Command::new("seq")
            .arg("100000")
            .output_channel_capacity(1)
            .stdout(Output::new().channel().callback(
                move |chunk: &supervisor_exec::OutputChunk| {
                    let mut s = sink.lock().unwrap();
                    s.contiguous &=
                        chunk.offset == s.data.len() as u64 && chunk.stream == Stream::Stdout;
                    s.chunks += 1;
                    if s.chunks <= 20 {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    s.data.extend_from_slice(&chunk.data);
                },
            ));
    let mut lagging = cmd.handle().subscribe_output();
    // Two runs (clones share their sinks): the callback carries on.
    let expected = [seq(100_000), seq(100_000)].concat();
    run_once(cmd.clone()).await;
    wait_for("the first run's output", || {
        seen.lock().unwrap().data.len() >= expected.len() / 2
    })
    .await;
    run_once(cmd).await;
    wait_for("the second run's output", || {
        seen.lock().unwrap().data.len() >= expected.len()
    })
    .await;
    let s = seen.lock().unwrap();
    assert!(
        s.data == expected,
        "{} bytes of {}",
        s.data.len(),
        expected.len()
    );
    assert!(
        s.contiguous,
        "each chunk starts where the previous one ended"
    );
    assert!(
        matches!(
            lagging.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))
        ),
        "the channel subscriber that did not keep up missed chunks"
    );
}

#[tokio::test]
async fn a_panicking_callback_is_dropped_and_the_others_carry_on() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let panics = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (p, s) = (panics.clone(), seen.clone());
    let cmd = Command::shell("echo one").stdout(
        Output::new()
            .tail(64)
            .callback(move |_: &supervisor_exec::OutputChunk| {
                p.fetch_add(1, Ordering::SeqCst);
                panic!("a callback that panics");
            })
            .callback(move |chunk: &supervisor_exec::OutputChunk| {
                s.lock().unwrap().extend_from_slice(&chunk.data)
            }),
    );
    let handle = run_once(cmd.clone()).await;
    wait_for("the first run's output", || seen.lock().unwrap().len() >= 4).await;
    run_once(cmd).await;
    wait_for("the second run's output", || {
        seen.lock().unwrap().len() >= 8
    })
    .await;
    assert_eq!(*seen.lock().unwrap(), b"one\none\n");
    assert_eq!(
        panics.load(Ordering::SeqCst),
        1,
        "called once, then dropped"
    );
    assert_eq!(
        handle.tail(Stream::Stdout).expect("tail").tail(64).data,
        b"one\none\n"
    );
}
