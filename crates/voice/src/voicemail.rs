//! Voicemail files for the edge: a recording job (where, for whom, how long at most), the
//! recording in progress inside a call's media task (the media crate's [`Recorder`]:
//! a hidden `.part` file renamed into place when complete), and storing the finished
//! message's metadata. Files are `<dir>/<tenant>/<interaction>.wav`; the stored
//! `file_name` is relative to `<dir>` (`<data-dir>/voicemail`, which the REST API serves).

use std::path::{Path, PathBuf};
use std::time::Duration;
use switchyard_media::recorder::{self, Limits, Progress, Recorder, Recording};
use switchyard_store::{NewVoicemail, Store};

/// Messages shorter than this are discarded (a caller who hung up at the beep).
pub const MIN_LENGTH: Duration = Duration::from_secs(1);

/// What to record and for whom.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The voicemail root (`<data-dir>/voicemail`).
    pub dir: PathBuf,
    /// Tenant.
    pub tenant: i64,
    /// The queue the caller was in.
    pub queue: Option<i64>,
    /// The caller's interaction.
    pub interaction: i64,
    /// Caller ID.
    pub caller_id: String,
    /// When recording stops by itself.
    pub limits: Limits,
    /// When the recording started, ms since the epoch.
    pub started_ms: i64,
}

impl Job {
    /// The file, relative to the voicemail root.
    pub fn file_name(&self) -> String {
        format!("{}/{}.wav", self.tenant, self.interaction)
    }
}

/// Why a recording stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The caller pressed a key.
    Key,
    /// The caller was silent for the limit.
    Silence,
    /// The maximum length was reached.
    MaxLength,
    /// The caller hung up.
    HungUp,
    /// Writing failed.
    Failed,
}

/// A finished (or failed) recording, reported back to the edge.
#[derive(Debug)]
pub struct Done {
    /// The job.
    pub job: Job,
    /// Why it stopped.
    pub ended: Ended,
    /// The file in place, or what went wrong (nothing left on disk then).
    pub result: Result<Recording, String>,
}

/// A recording in progress (lives in the call's media task).
#[derive(Debug)]
pub struct Taking {
    job: Job,
    rec: Recorder,
}

impl Taking {
    /// Opens the `.part` file (small synchronous file-system work).
    pub fn start(job: Job) -> Result<Taking, Box<Done>> {
        let dir = job.dir.join(job.tenant.to_string());
        let name = format!("{}.wav", job.interaction);
        match Recorder::create(&dir, &name, job.limits) {
            Ok(rec) => Ok(Taking { job, rec }),
            Err(e) => Err(Box::new(Done {
                job,
                ended: Ended::Failed,
                result: Err(e.to_string()),
            })),
        }
    }

    /// Appends decoded audio; `Some` when the recording must stop.
    pub fn push(&mut self, pcm: &[i16]) -> Option<Ended> {
        match self.rec.push(pcm) {
            Ok(Progress::Recording) => None,
            Ok(Progress::Silence) => Some(Ended::Silence),
            Ok(Progress::MaxLength) => Some(Ended::MaxLength),
            Err(e) => {
                tracing::warn!(error = %e, file = self.job.file_name(), "writing a voicemail failed");
                Some(Ended::Failed)
            }
        }
    }

    /// Completes the file off the runtime's worker threads (fsync, rename).
    pub async fn finish(self, ended: Ended) -> Box<Done> {
        let Taking { job, rec } = self;
        let result = if ended == Ended::Failed {
            drop(rec); // removes the .part
            Err("writing failed".to_owned())
        } else {
            match tokio::task::spawn_blocking(move || rec.finish()).await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        };
        Box::new(Done { job, ended, result })
    }
}

/// Stores a finished message (its row), or discards one that is too short.
/// Returns whether a message was kept.
pub async fn store(store: &Store, done: &Done) -> bool {
    let job = &done.job;
    let rec = match &done.result {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(interaction = job.interaction, error = %e, "voicemail lost");
            return false;
        }
    };
    if rec.duration < MIN_LENGTH {
        let _ = tokio::fs::remove_file(&rec.path).await;
        tracing::info!(
            interaction = job.interaction,
            ms = rec.duration.as_millis() as u64,
            "empty voicemail discarded"
        );
        return false;
    }
    let size = tokio::fs::metadata(&rec.path)
        .await
        .map(|m| m.len() as i64)
        .unwrap_or(0);
    let row = NewVoicemail {
        tenant_id: job.tenant,
        queue_id: job.queue,
        interaction_id: Some(job.interaction),
        caller_id: job.caller_id.clone(),
        file_name: job.file_name(),
        duration_ms: rec.duration.as_millis() as i64,
        size_bytes: size,
        created_ms: job.started_ms,
    };
    match store.insert_voicemail(&row).await {
        Ok(_) => {
            tracing::info!(
                interaction = job.interaction,
                tenant = job.tenant,
                caller_id = %job.caller_id,
                file = %row.file_name,
                duration_ms = row.duration_ms,
                rms = rec.rms as u64,
                ended = ?done.ended,
                "voicemail recorded"
            );
            true
        }
        Err(e) => {
            // The file stays: an operator can still find it next to the others.
            tracing::warn!(file = %rec.path.display(), error = %e, "storing a voicemail's row failed");
            false
        }
    }
}

/// Removes `.part` files a crash left in the tenants' voicemail directories.
pub fn sweep(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        if e.path().is_dir() {
            match recorder::sweep_partial(&e.path()) {
                Ok(k) => n += k,
                Err(err) => {
                    tracing::warn!(dir = %e.path().display(), error = %err, "sweeping voicemail leftovers failed")
                }
            }
        }
    }
    if n > 0 {
        tracing::info!(
            removed = n,
            "unfinished voicemails from before a crash removed"
        );
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(dir: &Path) -> Job {
        Job {
            dir: dir.to_path_buf(),
            tenant: 3,
            queue: Some(4),
            interaction: 99,
            caller_id: "+1555".into(),
            limits: Limits {
                max_length: Duration::from_secs(2),
                ..Limits::default()
            },
            started_ms: 0,
        }
    }

    #[tokio::test]
    async fn records_under_tenant_and_interaction_and_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Taking::start(job(dir.path())).unwrap();
        let frame: Vec<i16> = (0..160)
            .map(|i| if i % 2 == 0 { 4000 } else { -4000 })
            .collect();
        let mut frames = 0;
        let ended = loop {
            frames += 1;
            if let Some(e) = t.push(&frame) {
                break e;
            }
        };
        assert_eq!((ended, frames), (Ended::MaxLength, 100));
        let done = t.finish(ended).await;
        let rec = done.result.as_ref().unwrap();
        assert_eq!(rec.path, dir.path().join("3/99.wav"));
        assert_eq!(done.job.file_name(), "3/99.wav");
        assert_eq!(rec.duration, Duration::from_secs(2));
    }

    #[test]
    fn sweep_cleans_every_tenant() {
        let dir = tempfile::tempdir().unwrap();
        for t in ["1", "2"] {
            std::fs::create_dir_all(dir.path().join(t)).unwrap();
            std::fs::write(dir.path().join(t).join(".5.wav.part"), b"x").unwrap();
        }
        std::fs::write(dir.path().join("1/6.wav"), b"kept").unwrap();
        assert_eq!(sweep(dir.path()), 2);
        assert!(dir.path().join("1/6.wav").exists());
    }
}
