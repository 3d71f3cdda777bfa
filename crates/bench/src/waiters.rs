//! The waiting customers: one task per socket, tracking its position, and the
//! fan-out probe that times how long every waiter of a queue takes to hear of a move.

use crate::client::{self, Client};
use crate::error::Result;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

/// Arms a fan-out measurement on one queue.
#[derive(Debug)]
pub(crate) struct Probe {
    start: Instant,
    /// Measurement number (0: disarmed).
    round: AtomicU64,
    /// Queue index being measured.
    queue: AtomicUsize,
    /// Nanoseconds since `start` when the round was armed.
    armed_at: AtomicU64,
    /// Waiters of the queue updated in this round.
    updated: AtomicUsize,
    /// Latest update time of the round, ns after arming.
    last_ns: AtomicU64,
    samples: Mutex<Vec<u64>>,
}

impl Probe {
    pub(crate) fn new() -> Self {
        Probe {
            start: Instant::now(),
            round: AtomicU64::new(0),
            queue: AtomicUsize::new(usize::MAX),
            armed_at: AtomicU64::new(0),
            updated: AtomicUsize::new(0),
            last_ns: AtomicU64::new(0),
            samples: Mutex::new(Vec::new()),
        }
    }

    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Starts a round on queue `q`; returns the round number.
    pub(crate) fn arm(&self, q: usize) -> u64 {
        self.updated.store(0, Ordering::SeqCst);
        self.last_ns.store(0, Ordering::SeqCst);
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.queue.store(q, Ordering::SeqCst);
        self.armed_at.store(self.now_ns(), Ordering::SeqCst);
        self.round.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn seen(&self, q: usize, last_round: &mut u64) {
        let round = self.round.load(Ordering::SeqCst);
        if round == 0 || *last_round == round || self.queue.load(Ordering::SeqCst) != q {
            return;
        }
        *last_round = round;
        let ns = self
            .now_ns()
            .saturating_sub(self.armed_at.load(Ordering::SeqCst));
        self.last_ns.fetch_max(ns, Ordering::SeqCst);
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ns);
        self.updated.fetch_add(1, Ordering::SeqCst);
    }

    /// Waiters updated so far in this round.
    pub(crate) fn updated(&self) -> usize {
        self.updated.load(Ordering::SeqCst)
    }

    /// (time until the last waiter was updated, per-waiter update times) of the round.
    pub(crate) fn result(&self) -> (Duration, Vec<u64>) {
        let s = self
            .samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (Duration::from_nanos(self.last_ns.load(Ordering::SeqCst)), s)
    }
}

/// One waiting customer as the driver sees it.
#[derive(Debug)]
pub(crate) struct Waiter {
    pub queue: usize,
    pub position: Arc<AtomicU32>,
    pub leave: mpsc::Sender<()>,
}

/// Counts live waiter sockets.
#[derive(Debug, Default)]
pub(crate) struct Live(pub AtomicUsize);

/// Opens `n` waiters round-robin over `queues`, at most `parallel` handshakes at once.
pub(crate) async fn open(
    addr: SocketAddr,
    queues: &[i64],
    n: usize,
    probe: Arc<Probe>,
    live: Arc<Live>,
    progress: impl Fn(usize),
) -> Result<Vec<Waiter>> {
    let gate = Arc::new(Semaphore::new(256));
    let mut joins = Vec::with_capacity(n);
    for k in 0..n {
        let permit = gate.clone().acquire_owned().await.expect("semaphore open");
        let q = k % queues.len();
        let queue_id = queues[q];
        let (probe, live) = (probe.clone(), live.clone());
        joins.push(tokio::spawn(async move {
            let r = one(addr, k, q, queue_id, probe, live).await;
            drop(permit);
            r
        }));
        if k % 500 == 499 {
            progress(k + 1);
        }
    }
    let mut out = Vec::with_capacity(n);
    for j in joins {
        out.push(j.await.expect("waiter task")?);
    }
    Ok(out)
}

async fn one(
    addr: SocketAddr,
    k: usize,
    q: usize,
    queue_id: i64,
    probe: Arc<Probe>,
    live: Arc<Live>,
) -> Result<Waiter> {
    let mut c: Client = client::connect(addr, "/ws/customer", k + 1000).await?;
    c.send(json!({ "type": "join", "queue_id": queue_id, "name": format!("w{k}") }))
        .await?;
    let joined = c.expect("joined", Duration::from_secs(60)).await?;
    let position = Arc::new(AtomicU32::new(
        joined["position"].as_u64().unwrap_or(0) as u32
    ));
    let (leave, mut leave_rx) = mpsc::channel(1);
    live.0.fetch_add(1, Ordering::SeqCst);
    let pos = position.clone();
    tokio::spawn(async move {
        let mut last_round = 0;
        loop {
            tokio::select! {
                m = c.next() => match m {
                    Ok(Some(m)) if m["type"] == "position" => {
                        pos.store(m["position"].as_u64().unwrap_or(0) as u32, Ordering::SeqCst);
                        probe.seen(q, &mut last_round);
                    }
                    Ok(Some(m)) if m["type"] == "ended" => break,
                    Ok(Some(_)) => {}
                    _ => break,
                },
                _ = leave_rx.recv() => {
                    let _ = c.send(json!({ "type": "leave" })).await;
                    break;
                }
            }
        }
        live.0.fetch_sub(1, Ordering::SeqCst);
        c.close().await;
    });
    Ok(Waiter {
        queue: q,
        position,
        leave,
    })
}
