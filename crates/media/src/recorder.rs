//! Voicemail recording: 8 kHz 16-bit mono WAV, written to a hidden `.part` file and
//! renamed into place only when complete, so a hang-up, a crash or a full disk never
//! leaves a half-written message where the voicemail list would show it.

use crate::{Result, SAMPLE_RATE};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// When recording stops by itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Longest message.
    pub max_length: Duration,
    /// Silence that ends the message.
    pub max_silence: Duration,
    /// RMS level (of 32768) under which a 20 ms frame counts as silence.
    pub silence_rms: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_length: Duration::from_secs(180),
            max_silence: Duration::from_secs(8),
            silence_rms: 300.0,
        }
    }
}

/// Whether to keep recording after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Keep going.
    Recording,
    /// The maximum length is reached.
    MaxLength,
    /// The caller has been silent too long.
    Silence,
}

/// A finished recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The WAV file, in place.
    pub path: PathBuf,
    /// Length of audio.
    pub duration: Duration,
    /// RMS level over the whole message (0–32768).
    pub rms: f64,
}

/// A recording in progress.
pub struct Recorder {
    part: PathBuf,
    path: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    limits: Limits,
    samples: u64,
    sum_squares: f64,
    silent_samples: u64,
}

impl Recorder {
    /// Starts a recording that will be `dir/name` once finished.
    pub fn create(dir: &Path, name: &str, limits: Limits) -> Result<Recorder> {
        fs::create_dir_all(dir)?;
        let path = dir.join(name);
        let part = dir.join(format!(".{name}.part"));
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(&part, spec)?;
        Ok(Recorder {
            part,
            path,
            writer: Some(writer),
            limits,
            samples: 0,
            sum_squares: 0.0,
            silent_samples: 0,
        })
    }

    /// Appends audio (typically one 20 ms frame).
    pub fn push(&mut self, pcm: &[i16]) -> Result<Progress> {
        let w = self.writer.as_mut().expect("not finished");
        let mut frame_sq = 0.0;
        for &s in pcm {
            w.write_sample(s)?;
            frame_sq += f64::from(s) * f64::from(s);
        }
        self.samples += pcm.len() as u64;
        self.sum_squares += frame_sq;
        let frame_rms = if pcm.is_empty() {
            0.0
        } else {
            (frame_sq / pcm.len() as f64).sqrt()
        };
        if frame_rms < self.limits.silence_rms {
            self.silent_samples += pcm.len() as u64;
        } else {
            self.silent_samples = 0;
        }
        let secs = |n: u64| Duration::from_millis(n * 1000 / u64::from(SAMPLE_RATE));
        Ok(if secs(self.samples) >= self.limits.max_length {
            Progress::MaxLength
        } else if secs(self.silent_samples) >= self.limits.max_silence {
            Progress::Silence
        } else {
            Progress::Recording
        })
    }

    /// Completes the file (header, flush, fsync) and moves it into place.
    pub fn finish(mut self) -> Result<Recording> {
        let writer = self.writer.take().expect("finished once");
        writer.finalize()?;
        File::open(&self.part)?.sync_all()?;
        fs::rename(&self.part, &self.path)?;
        let rms = if self.samples == 0 {
            0.0
        } else {
            (self.sum_squares / self.samples as f64).sqrt()
        };
        Ok(Recording {
            path: self.path.clone(),
            duration: Duration::from_millis(self.samples * 1000 / u64::from(SAMPLE_RATE)),
            rms,
        })
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("samples", &self.samples)
            .finish()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Dropped unfinished (error path, cancelled): leave nothing behind.
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.part);
        }
    }
}

/// Removes `.part` files a crash left behind; returns how many.
pub fn sweep_partial(dir: &Path) -> Result<usize> {
    let mut n = 0;
    if !dir.exists() {
        return Ok(0);
    }
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') && name.ends_with(".part") {
            fs::remove_file(&p)?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, amp: f64) -> Vec<i16> {
        (0..n)
            .map(|i| (amp * (i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 8000.0).sin()) as i16)
            .collect()
    }

    #[test]
    fn only_a_finished_recording_is_visible() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recorder::create(dir.path(), "vm1.wav", Limits::default()).unwrap();
        for chunk in tone(8000, 10_000.0).chunks(160) {
            assert_eq!(r.push(chunk).unwrap(), Progress::Recording);
        }
        assert!(
            !dir.path().join("vm1.wav").exists(),
            "not visible while recording"
        );
        let rec = r.finish().unwrap();
        assert_eq!(rec.duration, Duration::from_secs(1));
        assert!(
            (rec.rms - 10_000.0 / 2f64.sqrt()).abs() < 100.0,
            "rms {}",
            rec.rms
        );
        let back = hound::WavReader::open(&rec.path).unwrap();
        assert_eq!(
            (back.spec().sample_rate, back.spec().channels, back.len()),
            (8000, 1, 8000)
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no .part left"
        );
    }

    #[test]
    fn an_abandoned_recording_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recorder::create(dir.path(), "vm2.wav", Limits::default()).unwrap();
        r.push(&tone(160, 5000.0)).unwrap();
        drop(r);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn stops_on_silence_and_on_length() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            max_length: Duration::from_secs(3),
            max_silence: Duration::from_secs(1),
            silence_rms: 300.0,
        };
        let mut r = Recorder::create(dir.path(), "a.wav", limits).unwrap();
        r.push(&tone(1600, 8000.0)).unwrap();
        let mut last = Progress::Recording;
        for _ in 0..50 {
            last = r.push(&[0; 160]).unwrap();
            if last != Progress::Recording {
                break;
            }
        }
        assert_eq!(last, Progress::Silence);
        let mut r = Recorder::create(dir.path(), "b.wav", limits).unwrap();
        let mut frames = 0;
        while r.push(&tone(160, 8000.0)).unwrap() == Progress::Recording {
            frames += 1;
        }
        assert_eq!(frames + 1, 150, "3 s of 20 ms frames");
    }

    #[test]
    fn sweep_removes_crash_leftovers_only() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".x.wav.part"), b"half").unwrap();
        fs::write(dir.path().join("kept.wav"), b"whole").unwrap();
        assert_eq!(sweep_partial(dir.path()).unwrap(), 1);
        assert!(dir.path().join("kept.wav").exists());
    }
}
