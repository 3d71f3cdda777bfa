//! The call thread: one OS thread with its own single-threaded tokio runtime that runs
//! the router task, the SIP voice edge (SIP driver, voice actor, every call's media task)
//! and the chat edge's dispatcher (which follows every router output). The web side
//! (HTTP, WebSockets, the event log, the database, Redis) stays on the main
//! multi-threaded runtime.
//!
//! Why: a call is a chain of small hand-offs between tasks (a SIP packet to the driver,
//! to the voice actor, to the router, its decision back to the actor, a command to the
//! driver). On one thread each hand-off is a queue push; spread over worker threads it is
//! a futex wake and context switches on both sides, which cost more than the work itself
//! (`bench/sip/README.md`). It also keeps music on hold and RTP relaying from waiting
//! behind web work such as a position fan-out to thousands of chat sockets.

use anyhow::{Context, Result};
use std::future::Future;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The running call thread; it stops when dropped, which must come after everything
/// running on it has been shut down.
#[derive(Debug)]
pub(crate) struct CallThread {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CallThread {
    /// Starts the thread and its runtime.
    pub(crate) fn start() -> Result<CallThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the call thread's runtime")?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("switchyard-calls".into())
            .spawn(move || {
                // Drives every task spawned on `handle` until told to stop.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .context("starting the call thread")?;
        Ok(CallThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `f` with the call thread's runtime as the current one: the tasks it
    /// `tokio::spawn`s run on the call thread.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.handle.enter();
        f()
    }

    /// Runs `fut` on the call thread (the sockets it opens are driven there) and waits
    /// for its result.
    pub(crate) async fn run<F>(&self, fut: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle
            .spawn(fut)
            .await
            .context("the call thread stopped")
    }
}

impl Drop for CallThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
