//! The task that owns the Switchyard [`Router`].
//!
//! The router is a pure state machine; this crate is its thin driver. One tokio task
//! owns it. Everything else holds a cloneable [`Engine`] handle and runs closures on it
//! with [`Engine::call`]: the closure gets `&mut Router` and the current [`Time`] (the
//! system clock is read here, at the edge, in milliseconds). After every closure and
//! every timer the task drains [`Router::poll_output`] and hands each [`Output`] to:
//! - a [`tokio::sync::broadcast`] of `Arc<Output>` that the edges (SIP, chat) subscribe to
//!   with [`Engine::subscribe`];
//! - the event log ([`EventWriter`]): the history table and the Asterisk `queue_log` file;
//! - Prometheus metrics ([`metrics`]);
//! - optionally the runtime mirror: waiting interactions written to a
//!   `switchyard_runtime::RuntimeStore` (Redis) so a restart puts them back in line
//!   ([`Engine::restore`]).
//!
//! Between inputs the task sleeps until [`Router::poll_timeout`] and then calls
//! [`Router::handle_timeout`]. Because one task owns the router, inputs are applied one
//! at a time: there are no races between edges.

pub mod alarms;
pub mod callbacks;
mod fanout;
mod load;
pub mod metrics;
mod mirror;
mod sink;

pub use load::{LoadReport, load_from_store};
pub use sink::EventWriter;
pub use switchyard_router::{Output, Router};

use alarms::Webhook;
pub use callbacks::{CallbackDenied, CallbackGate, CallbackLimits};
use fanout::Fanout;
use mirror::Mirror;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchyard_core::{InteractionId, Time};
use switchyard_router::Input;
use switchyard_runtime::{Change, WaitingRecord};
use switchyard_store::NewEvent;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

/// Result with the engine's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call into the engine failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine task has stopped (shutting down).
    #[error("the routing engine has stopped")]
    Stopped,
    /// The router refused the input (the caller's mistake; nothing changed).
    #[error(transparent)]
    Router(#[from] switchyard_router::Error),
}

type Job = Box<dyn FnOnce(&mut Router, Time) + Send>;

enum Msg {
    Job(Job),
    Restore(Vec<WaitingRecord>, oneshot::Sender<usize>),
    Stop(oneshot::Sender<()>),
}

/// Where the engine sends what the router decides, besides the broadcast.
#[derive(Debug, Default)]
pub struct Sinks {
    /// Router events for the [`EventWriter`].
    pub events: Option<mpsc::UnboundedSender<NewEvent>>,
    /// Waiting-line changes for a `switchyard_runtime::Persister`.
    pub runtime: Option<mpsc::UnboundedSender<Change>>,
    /// Where max-wait / max-depth alarms are POSTed, if anywhere.
    pub alarms: Option<Webhook>,
}

/// A cloneable handle on the router task.
#[derive(Clone, Debug)]
pub struct Engine {
    tx: mpsc::Sender<Msg>,
    callbacks: Arc<CallbackGate>,
    outputs: broadcast::Sender<Arc<Output>>,
    next_interaction: Arc<AtomicU64>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Job(_) => "Job",
            Msg::Restore(..) => "Restore",
            Msg::Stop(_) => "Stop",
        })
    }
}

/// The system clock in milliseconds: the only clock read feeding the router.
pub fn system_now() -> Time {
    Time(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    )
}

impl Engine {
    /// Spawns the task owning `router`. Router events go to `events` (the
    /// [`EventWriter`]'s sender), if given.
    pub fn spawn(
        router: Router,
        events: Option<mpsc::UnboundedSender<NewEvent>>,
    ) -> (Engine, JoinHandle<()>) {
        Engine::spawn_with(
            router,
            Sinks {
                events,
                runtime: None,
                alarms: None,
            },
        )
    }

    /// Spawns the task owning `router` with every sink.
    pub fn spawn_with(router: Router, sinks: Sinks) -> (Engine, JoinHandle<()>) {
        // Install the recorder before the first output is counted.
        metrics::handle();
        let (tx, rx) = mpsc::channel(1024);
        let (outputs, _) = broadcast::channel(4096);
        let mut fanout = Fanout::new(outputs.clone(), sinks.events);
        fanout.mirror = sinks.runtime.map(Mirror::new);
        fanout.alarms = sinks.alarms;
        let task = tokio::spawn(run(router, rx, fanout));
        // Interaction ids: start from the clock so ids stay unique across restarts
        // (a thousand ids per millisecond of downtime would be needed to collide).
        let start = system_now().as_millis().saturating_mul(1000);
        let engine = Engine {
            tx,
            callbacks: Arc::default(),
            outputs,
            next_interaction: Arc::new(AtomicU64::new(start)),
        };
        (engine, task)
    }

    /// Runs `f` on the router task with the current time and returns its result.
    /// Outputs the closure caused are distributed before the next input is taken.
    pub async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Router, Time) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |router, now| {
            let _ = tx.send(f(router, now));
        });
        self.tx
            .send(Msg::Job(job))
            .await
            .map_err(|_| Error::Stopped)?;
        rx.await.map_err(|_| Error::Stopped)
    }

    /// Applies one input at the current time.
    pub async fn handle(&self, input: Input) -> Result<()> {
        self.call(move |r, now| r.handle(now, input)).await??;
        Ok(())
    }

    /// The callback check every edge passes (tenant policies and rate limits).
    pub fn callbacks(&self) -> &CallbackGate {
        &self.callbacks
    }

    /// Subscribes to every output the router produces from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Output>> {
        self.outputs.subscribe()
    }

    /// A fresh interaction id, unique in this deployment.
    pub fn mint_interaction_id(&self) -> InteractionId {
        InteractionId(self.next_interaction.fetch_add(1, Ordering::Relaxed))
    }

    /// Refreshes the per-queue and per-agent gauges (before a Prometheus scrape:
    /// waits grow without any output).
    pub async fn refresh_metrics(&self) -> Result<()> {
        self.call(|r, now| metrics::refresh_gauges(r, now)).await
    }

    /// Puts interactions read back from the runtime store in line again, at their
    /// original arrival time, and returns how many were restored. Voice calls cannot be
    /// restored (their SIP dialog died with the node that had them) and records the
    /// router refuses (queue gone) are dropped from the store. Restoring is not logged
    /// as new arrivals.
    pub async fn restore(&self, records: Vec<WaitingRecord>) -> Result<usize> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Msg::Restore(records, tx))
            .await
            .map_err(|_| Error::Stopped)?;
        rx.await.map_err(|_| Error::Stopped)
    }

    /// Stops the task after the inputs already queued; outputs are flushed to the event
    /// writer, which then drains and exits once every sender is gone.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Stop(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(mut router: Router, mut rx: mpsc::Receiver<Msg>, mut fanout: Fanout) {
    loop {
        let sleep = router.poll_timeout().map(|deadline| {
            let wait = Duration::from_millis(
                deadline
                    .as_millis()
                    .saturating_sub(system_now().as_millis()),
            );
            tokio::time::Instant::now() + wait
        });
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Job(job)) => {
                    let now = system_now();
                    let started = std::time::Instant::now();
                    job(&mut router, now);
                    metrics::record_decision(started.elapsed());
                    fanout.drain(&mut router, now);
                }
                Some(Msg::Restore(records, done)) => {
                    let n = restore(&mut router, &mut fanout, records);
                    let _ = done.send(n);
                }
                Some(Msg::Stop(done)) => {
                    fanout.drain(&mut router, system_now());
                    drop(fanout);
                    let _ = done.send(());
                    return;
                }
                None => return,
            },
            _ = tokio::time::sleep_until(sleep.unwrap_or_else(tokio::time::Instant::now)), if sleep.is_some() => {
                let now = system_now();
                let started = std::time::Instant::now();
                router.handle_timeout(now);
                metrics::record_decision(started.elapsed());
                fanout.drain(&mut router, now);
            }
        }
    }
}

fn restore(router: &mut Router, fanout: &mut Fanout, records: Vec<WaitingRecord>) -> usize {
    let now = system_now();
    let mut restored = 0;
    for rec in records {
        let ok = rec.survives_node_loss() && router.handle(now, Input::Join(rec.to_join())).is_ok();
        if let Some(m) = &mut fanout.mirror {
            if ok {
                m.restored(rec);
            } else {
                m.forget(rec.id);
            }
        }
        restored += usize::from(ok);
    }
    // The re-joins' events (ENTERQUEUE…) describe no new arrival: they are not logged.
    // Anything else (an offer, should an agent already be available) goes out as usual.
    while let Some(out) = router.poll_output() {
        if !matches!(out, Output::Event(_)) {
            fanout.forward(out);
        }
    }
    restored
}
