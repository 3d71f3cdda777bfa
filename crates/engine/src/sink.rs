//! The event log writer: every router event goes to the history table and, as one
//! Asterisk-format line, to the `queue_log` file. It runs as its own task so the router
//! never waits on a disk or a database. When log rotation renames or removes the file,
//! the next batch goes to a fresh file at the same path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use switchyard_store::{NewEvent, Store};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const BATCH: usize = 256;
/// How long the writer gathers events after the first of a batch: a call produces a few
/// events milliseconds apart, and each batch costs a database transaction and a file
/// write (several thread hand-offs), so at 100 calls/s this turns hundreds of small
/// writes a second into at most 1 s / COALESCE. Events reach the history this much later.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// Spawns and owns the event-log task.
#[derive(Debug)]
pub struct EventWriter {
    task: JoinHandle<()>,
}

impl EventWriter {
    /// Starts the writer; feed it with the returned sender (give it to
    /// [`crate::Engine::spawn`]). `store` receives the history, `queue_log` the lines.
    pub fn spawn(
        store: Option<Store>,
        queue_log: Option<PathBuf>,
    ) -> (mpsc::UnboundedSender<NewEvent>, EventWriter) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(rx, store, queue_log));
        (tx, EventWriter { task })
    }

    /// Waits until every event sent before all senders were dropped is written.
    pub async fn finish(self) {
        let _ = self.task.await;
    }
}

/// The queue_log file, reopened when log rotation moved or removed it. Its calls block:
/// the writer runs them on tokio's blocking pool, once per batch.
#[derive(Debug)]
struct LogFile {
    path: PathBuf,
    file: Option<File>,
}

impl LogFile {
    fn open(path: &Path) -> Option<File> {
        match OpenOptions::new().create(true).append(true).open(path) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot open queue_log; events go to the database only");
                None
            }
        }
    }

    /// Whether the path still names the file we hold (logrotate renames it away).
    fn rotated(&self) -> bool {
        let Some(f) = &self.file else { return true };
        match (std::fs::metadata(&self.path), f.metadata()) {
            #[cfg(unix)]
            (Ok(on_disk), Ok(held)) => {
                use std::os::unix::fs::MetadataExt;
                on_disk.ino() != held.ino() || on_disk.dev() != held.dev()
            }
            #[cfg(not(unix))]
            (Ok(_), Ok(_)) => false,
            _ => true,
        }
    }

    fn append(&mut self, text: &str) {
        if self.rotated() {
            self.file = Self::open(&self.path);
        }
        if let Some(f) = &mut self.file
            && let Err(e) = f.write_all(text.as_bytes())
        {
            tracing::error!(error = %e, "queue_log write failed");
        }
    }

    fn close(&mut self) {
        if let Some(f) = &mut self.file {
            let _ = f.sync_all();
        }
    }
}

/// Runs `f` on the log file on the blocking pool and gives the file back.
async fn on_file(mut log: LogFile, f: impl FnOnce(&mut LogFile) + Send + 'static) -> LogFile {
    let path = log.path.clone();
    tokio::task::spawn_blocking(move || {
        f(&mut log);
        log
    })
    .await
    .unwrap_or_else(|_| LogFile { path, file: None })
}

async fn run(
    mut rx: mpsc::UnboundedReceiver<NewEvent>,
    store: Option<Store>,
    path: Option<PathBuf>,
) {
    let mut log = match path {
        Some(path) => Some(
            on_file(LogFile { path, file: None }, |l| {
                l.file = LogFile::open(&l.path)
            })
            .await,
        ),
        None => None,
    };
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if batch.len() < BATCH && !rx.is_closed() {
            tokio::time::sleep(COALESCE).await;
            while batch.len() < BATCH
                && let Ok(e) = rx.try_recv()
            {
                batch.push(e);
            }
        }
        // The file (on the blocking pool) and the database at the same time.
        let file = async {
            let l = log.take()?;
            let mut text = String::with_capacity(batch.len() * 96);
            for e in &batch {
                text.push_str(&e.queue_log);
                text.push('\n');
            }
            Some(on_file(l, move |l| l.append(&text)).await)
        };
        let db = async {
            let Some(store) = &store else { return };
            // Retry a short outage; the file has the lines either way.
            let mut attempt = 0;
            while let Err(e) = store.insert_events(&batch).await {
                attempt += 1;
                if attempt >= 5 {
                    tracing::error!(error = %e, dropped = batch.len(), "event history write failed");
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
            }
        };
        (log, ()) = tokio::join!(file, db);
        batch.clear();
    }
    if let Some(l) = log {
        on_file(l, LogFile::close).await;
    }
    tracing::debug!("event log writer finished");
}
