//! Shared driver of the supervisor-core workload benches (`core_w1` ..
//! `core_shutdown`), defined in `../shared/bench/core-workloads.md`.
//!
//! * `cargo bench --bench core_wN`: runs each configuration R times (env
//!   `CORE_BENCH_R`, default 5), every run a fresh process (this binary
//!   re-executed with `CORE_BENCH_CHILD=<config>`), the configurations in
//!   turn (round r of each, then round r + 1: the machine's speed drifts, so
//!   configurations compared with each other are measured in the same
//!   minutes), prints one JSON line per run in the peers' format and a `#`
//!   summary line per configuration with the median over runs of each
//!   statistic (`peers/summarize.py` reads the JSON lines).
//! * `CORE_BENCH_CHILD="w1 n=1000 settle_ms=1"`: one run, one JSON line.
//! * Without `--bench` (as under `cargo test --all-targets`): a tiny smoke
//!   pass of the same code, well under a second.
//!
//! Logging: no `tracing` subscriber is installed (events and spans are then
//! disabled at their callsites). Backoff: `BackoffPolicy::immediate()` (zero
//! delay) on every runnable that may die; that is the minimum.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use supervisor::{BackoffPolicy, Child, Context, Runnable, Signal, Supervisor};
use tokio::sync::{mpsc, oneshot, Notify};

pub const PEER: &str = "rust-supervisor-core";

/// `key=value` arguments of a configuration.
pub struct Args(Vec<(String, String)>);

impl Args {
    pub fn parse(s: &str) -> (String, Args) {
        let mut it = s.split_whitespace();
        let w = it.next().unwrap_or("").to_owned();
        let kv = it
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (w, Args(kv))
    }

    pub fn get(&self, key: &str, def: u64) -> u64 {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.parse().expect("numeric argument"))
            .unwrap_or(def)
    }
}

/// The bench's `main`: `configs` are the measured configurations
/// (`"w2 d=14"`), `smoke` the ones run in-process without `--bench`. Returns
/// the JSON lines of each measured configuration, in `configs` order (none
/// when not measuring).
pub fn main(configs: &[&str], smoke: &[&str], run: fn(&str, &Args) -> String) -> Vec<Vec<String>> {
    if let Ok(cfg) = std::env::var("CORE_BENCH_CHILD") {
        let (w, args) = Args::parse(&cfg);
        println!("{}", run(&w, &args));
        // Do not wait for the tree to be torn down.
        std::process::exit(0);
    }
    if !std::env::args().any(|a| a == "--bench") {
        for cfg in smoke {
            let (w, args) = Args::parse(cfg);
            let line = run(&w, &args);
            assert!(line.starts_with('{'), "{line}");
        }
        return Vec::new();
    }
    let r: usize = std::env::var("CORE_BENCH_R")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("CORE_BENCH_ONLY").ok();
    let measured = |cfg: &&str| only.as_deref().is_none_or(|o| cfg.starts_with(o));
    let exe = std::env::current_exe().expect("current exe");
    let mut lines = vec![Vec::new(); configs.len()];
    for _ in 0..r {
        for (cfg, lines) in configs.iter().zip(&mut lines).filter(|(c, _)| measured(c)) {
            let out = std::process::Command::new(&exe)
                .env("CORE_BENCH_CHILD", cfg)
                .output()
                .expect("run child");
            assert!(
                out.status.success(),
                "{cfg}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if line.starts_with('{') {
                    println!("{line}");
                    lines.push(line.to_owned());
                }
            }
        }
    }
    for (cfg, lines) in configs.iter().zip(&lines).filter(|(c, _)| measured(c)) {
        println!(
            "# {cfg}: median over R={} runs: {}",
            lines.len(),
            medians(lines)
        );
    }
    lines
}

/// Median over runs of every numeric field (nested objects flattened).
fn medians(lines: &[String]) -> String {
    let mut fields: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut order = Vec::new();
    for line in lines {
        let mut prefix = String::new();
        let mut key = String::new();
        let mut rest = line.as_str();
        // A tiny scanner for the flat JSON we print ourselves.
        while let Some(c) = rest.chars().next() {
            match c {
                '"' => {
                    let end = rest[1..].find('"').unwrap() + 1;
                    key = rest[1..end].to_owned();
                    rest = &rest[end + 1..];
                }
                '{' if !key.is_empty() => {
                    prefix = format!("{key}.");
                    rest = &rest[1..];
                }
                '}' => {
                    prefix.clear();
                    rest = &rest[1..];
                }
                ':' => {
                    let v = &rest[1..];
                    let end = v.find([',', '}']).unwrap_or(v.len());
                    if let Ok(x) = v[..end].parse::<f64>() {
                        let k = format!("{prefix}{key}");
                        if !fields.contains_key(&k) {
                            order.push(k.clone());
                        }
                        fields.entry(k).or_default().push(x);
                    }
                    rest = &rest[1..];
                }
                _ => rest = &rest[c.len_utf8()..],
            }
        }
    }
    order
        .iter()
        .map(|k| {
            let mut v = fields[k].clone();
            v.sort_by(f64::total_cmp);
            format!("{k}={}", v[v.len() / 2])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The default multi-thread runtime (as `#[tokio::main]`; env
/// `CORE_BENCH_RT=time` enables the time driver only).
pub fn runtime() -> tokio::runtime::Runtime {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if std::env::var("CORE_BENCH_RT").is_ok_and(|v| v == "time") {
        b.enable_time();
    } else {
        b.enable_all();
    }
    b.build().expect("runtime")
}

/// Runs `f` on a fresh runtime and leaks the runtime: its teardown (dropping
/// every task of the tree) is not part of any measurement, and the process
/// exits right after.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = runtime();
    let out = rt.block_on(f);
    std::mem::forget(rt);
    out
}

pub fn workers() -> usize {
    tokio::runtime::Handle::current().metrics().num_workers()
}

pub fn proc_status_kb(field: &str) -> i64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for l in s.lines() {
        if let Some(rest) = l.strip_prefix(field).and_then(|r| r.strip_prefix(':')) {
            return rest
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1);
        }
    }
    -1
}

/// Process CPU time (user + sys), seconds.
pub fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let rest = &s[s.rfind(") ").expect("stat") + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// The latency statistics of core-workloads.md.
pub fn summarize(mut d: Vec<Duration>) -> String {
    d.sort();
    let n = d.len();
    let us = |x: Duration| x.as_nanos() as f64 / 1000.0;
    let mean = d.iter().map(|x| us(*x)).sum::<f64>() / n as f64;
    format!(
        "{{\"N\":{n},\"MedianUs\":{:.3},\"P99Us\":{:.3},\"MinUs\":{:.3},\"MaxUs\":{:.3},\"MeanUs\":{:.3}}}",
        us(d[n / 2]),
        us(d[(n * 99).div_ceil(100) - 1]),
        us(d[0]),
        us(d[n - 1]),
        mean
    )
}

// ----- W1 / W3: the {a, b} group -----

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    A,
    B,
}

pub enum Ev {
    Healthy(Role, Instant, Option<oneshot::Sender<()>>),
    Canceled(Role, Instant),
    Died(Role, Instant),
}

#[derive(Debug)]
struct Killed;

impl std::fmt::Display for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("killed on command")
    }
}

impl std::error::Error for Killed {}

/// The group `{a: A, b: B}` of W1, both with the minimum backoff (zero).
pub fn ab_group(tx: mpsc::UnboundedSender<Ev>) -> [Child; 2] {
    let ta = tx.clone();
    let a = Child::new("a", move |ctx: Context| {
        let tx = ta.clone();
        async move {
            ctx.signal(Signal::Healthy)?;
            let _ = tx.send(Ev::Healthy(Role::A, Instant::now(), None));
            ctx.cancelled().await;
            let _ = tx.send(Ev::Canceled(Role::A, Instant::now()));
            Ok::<_, supervisor::core::BoxError>(())
        }
    })
    .backoff(BackoffPolicy::immediate());
    let b = Child::new("b", move |ctx: Context| {
        let tx = tx.clone();
        async move {
            ctx.signal(Signal::Healthy)?;
            let (kill, killed) = oneshot::channel();
            let _ = tx.send(Ev::Healthy(Role::B, Instant::now(), Some(kill)));
            tokio::select! {
                _ = ctx.cancelled() => {
                    let _ = tx.send(Ev::Canceled(Role::B, Instant::now()));
                    Ok::<(), supervisor::core::BoxError>(())
                }
                _ = killed => {
                    let _ = tx.send(Ev::Died(Role::B, Instant::now()));
                    Err(Killed.into())
                }
            }
        }
    })
    .backoff(BackoffPolicy::immediate());
    [a, b]
}

/// The W1 driver loop.
pub async fn ab_measure(
    rx: &mut mpsc::UnboundedReceiver<Ev>,
    n: usize,
    settle: Duration,
) -> Vec<Duration> {
    let mut kill = None;
    let (mut ha, mut hb) = (false, false);
    while !(ha && hb) {
        if let Ev::Healthy(role, _, k) = rx.recv().await.expect("event") {
            match role {
                Role::A => ha = true,
                Role::B => {
                    hb = true;
                    kill = k;
                }
            }
        }
    }
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        if !settle.is_zero() {
            tokio::time::sleep(settle).await;
        }
        let _ = kill.take().expect("kill switch").send(());
        let (mut t0, mut tc, mut ta, mut tb) = (None, None, None, None);
        while ta.is_none() || tb.is_none() || t0.is_none() || tc.is_none() {
            match rx.recv().await.expect("event") {
                Ev::Died(Role::B, t) => t0 = Some(t),
                Ev::Canceled(Role::A, t) => tc = Some(t),
                Ev::Healthy(Role::A, t, _) => ta = Some(t),
                Ev::Healthy(Role::B, t, k) => {
                    tb = Some(t);
                    kill = k;
                }
                _ => {}
            }
        }
        let (t0, tc, ta, tb) = (t0.unwrap(), tc.unwrap(), ta.unwrap(), tb.unwrap());
        // The group restarts as one: neither new member before the old A returned.
        assert!(tc >= t0 && ta >= tc && tb >= tc, "ordering violated");
        lat.push(ta.max(tb) - t0);
    }
    lat
}

// ----- W2 / W3 / shutdown: the full binary tree -----

pub struct TreeDone {
    pub nodes: i64,
    remaining: AtomicI64,
    returned: AtomicI64,
    end: Mutex<Option<Instant>>,
    all_returned: Mutex<Option<Instant>>,
    healthy: Notify,
    gone: Notify,
}

impl TreeDone {
    pub fn new(depth: u32) -> Arc<Self> {
        let nodes = (1i64 << (depth + 1)) - 1;
        Arc::new(Self {
            nodes,
            remaining: AtomicI64::new(nodes),
            returned: AtomicI64::new(0),
            end: Mutex::new(None),
            all_returned: Mutex::new(None),
            healthy: Notify::new(),
            gone: Notify::new(),
        })
    }

    /// Waits until every node is healthy; the time the last one was.
    pub async fn all_healthy(&self) -> Instant {
        loop {
            if let Some(t) = *self.end.lock().unwrap() {
                return t;
            }
            self.healthy.notified().await;
        }
    }

    /// Waits until every runnable has returned; the time the last one did.
    pub async fn all_returned(&self) -> Instant {
        loop {
            if let Some(t) = *self.all_returned.lock().unwrap() {
                return t;
            }
            self.gone.notified().await;
        }
    }
}

/// A node at `level` of a full binary tree of depth `depth`.
pub struct TreeNode {
    pub level: u32,
    pub depth: u32,
    pub done: Arc<TreeDone>,
}

impl Runnable for TreeNode {
    type Error = supervisor::Error;

    fn run(
        &self,
        ctx: Context,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send {
        let (level, depth, done) = (self.level, self.depth, self.done.clone());
        async move {
            if level < depth {
                let child = |name| {
                    Child::new(
                        name,
                        TreeNode {
                            level: level + 1,
                            depth,
                            done: done.clone(),
                        },
                    )
                };
                ctx.run_group([child("a"), child("b")]).await?;
            }
            ctx.signal(Signal::Healthy)?;
            if done.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                *done.end.lock().unwrap() = Some(Instant::now());
                done.healthy.notify_one();
            }
            ctx.cancelled().await;
            if done.returned.fetch_add(1, Ordering::AcqRel) + 1 == done.nodes {
                *done.all_returned.lock().unwrap() = Some(Instant::now());
                done.gone.notify_one();
            }
            Ok(())
        }
    }
}

// ----- W4: churn -----

pub struct ChurnShared {
    pub base: Instant,
    pub starts: AtomicU64,
    /// Worst death-to-healthy-again wait (ns) since the last reset.
    pub max_wait_ns: AtomicU64,
    pub timer: ChurnTimer,
    pub period: Duration,
}

pub struct ChurnSlot {
    pub starts: AtomicU64,
    died_at_ns: AtomicU64,
}

impl ChurnSlot {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            starts: AtomicU64::new(0),
            died_at_ns: AtomicU64::new(0),
        })
    }
}

#[derive(Debug)]
struct Churned;

impl std::fmt::Display for Churned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("churn period over")
    }
}

impl std::error::Error for Churned {}

/// Which timer the churn wait uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ChurnTimer {
    /// `tokio::time::sleep`: 1 ms ticks, deadlines rounded up.
    Tokio,
    /// [`precise_sleep`]: one thread, no rounding.
    Precise,
    /// No timer: one yield to the scheduler (`period_ms=0`), the supervisor's
    /// own rate.
    None,
}

/// The churn wait: `period` on the chosen timer.
pub async fn churn_wait(timer: ChurnTimer, period: Duration) {
    match timer {
        ChurnTimer::Tokio => tokio::time::sleep(period).await,
        ChurnTimer::Precise => precise_sleep(period).await,
        ChurnTimer::None => tokio::task::yield_now().await,
    }
}

/// A deadline on the precise timer: one thread that keeps every pending
/// deadline in a heap and waits on a condvar (a futex with a high-resolution
/// timeout) until the earliest, then wakes every task whose deadline has
/// passed. Deadlines are never rounded, so a 10 ms wait lasts 10 ms plus the
/// thread's wake-up latency (~0.1 ms here), where tokio's wheel adds ~1.2 ms.
/// One kernel timer serves all deadlines: a timerfd per task, tried first,
/// makes 100 000 timer interrupts a second, which this VM cannot deliver on
/// time (a 10 ms timerfd then lasts 11.5 ms).
pub fn precise_sleep(d: Duration) -> impl std::future::Future<Output = ()> {
    PreciseSleep {
        at: Instant::now() + d,
        armed: false,
    }
}

struct PreciseSleep {
    at: Instant,
    armed: bool,
}

struct Deadline {
    at: Instant,
    waker: std::task::Waker,
}

// Ordered by deadline, the earliest greatest (for the max-heap).
impl Ord for Deadline {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.at.cmp(&self.at)
    }
}

impl PartialOrd for Deadline {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Deadline {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Deadline {}

struct PreciseTimer {
    heap: Mutex<std::collections::BinaryHeap<Deadline>>,
    earlier: std::sync::Condvar,
}

fn precise_timer() -> &'static PreciseTimer {
    static TIMER: std::sync::OnceLock<&'static PreciseTimer> = std::sync::OnceLock::new();
    TIMER.get_or_init(|| {
        let t: &'static PreciseTimer = Box::leak(Box::new(PreciseTimer {
            heap: Mutex::default(),
            earlier: Default::default(),
        }));
        std::thread::spawn(move || {
            let mut due = Vec::new();
            let mut heap = t.heap.lock().unwrap();
            loop {
                let now = Instant::now();
                while heap.peek().is_some_and(|d| d.at <= now) {
                    due.push(heap.pop().unwrap().waker);
                }
                if !due.is_empty() {
                    drop(heap);
                    due.drain(..).for_each(std::task::Waker::wake);
                    heap = t.heap.lock().unwrap();
                    continue;
                }
                heap = match heap.peek().map(|d| d.at - now) {
                    Some(wait) => t.earlier.wait_timeout(heap, wait).unwrap().0,
                    None => t.earlier.wait(heap).unwrap(),
                };
            }
        });
        t
    })
}

impl std::future::Future for PreciseSleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if Instant::now() >= self.at {
            return std::task::Poll::Ready(());
        }
        // Registered once: the churn task is only polled again when woken.
        if !self.armed {
            self.armed = true;
            let t = precise_timer();
            let mut heap = t.heap.lock().unwrap();
            let earliest = heap.peek().is_none_or(|d| self.at < d.at);
            heap.push(Deadline {
                at: self.at,
                waker: cx.waker().clone(),
            });
            drop(heap);
            if earliest {
                t.earlier.notify_one();
            }
        }
        std::task::Poll::Pending
    }
}

pub fn churn(shared: Arc<ChurnShared>, slot: Arc<ChurnSlot>) -> impl Runnable {
    move |ctx: Context| {
        let (shared, slot) = (shared.clone(), slot.clone());
        async move {
            ctx.signal(Signal::Healthy)?;
            let now = shared.base.elapsed().as_nanos() as u64;
            let died = slot.died_at_ns.load(Ordering::Relaxed);
            if died != 0 {
                shared
                    .max_wait_ns
                    .fetch_max(now.saturating_sub(died), Ordering::Relaxed);
            }
            shared.starts.fetch_add(1, Ordering::Relaxed);
            slot.starts.fetch_add(1, Ordering::Relaxed);
            tokio::select! {
                () = churn_wait(shared.timer, shared.period) => {
                    slot.died_at_ns.store(shared.base.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    Err::<(), supervisor::core::BoxError>(Churned.into())
                }
                _ = ctx.cancelled() => Ok(()),
            }
        }
    }
}

/// A root runnable: `setup`, then Healthy, then wait.
pub fn start_root<F, Fut>(setup: F) -> Supervisor
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), supervisor::Error>> + Send + 'static,
{
    let setup = Arc::new(setup);
    Supervisor::new(move |ctx: Context| {
        let setup = setup.clone();
        async move {
            setup(ctx.clone()).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, supervisor::Error>(())
        }
    })
}
