//! Prompts: 8 kHz mono 16-bit WAV files, loaded once and played as 20 ms frames.

use crate::{Error, FRAME_SAMPLES, Result, SAMPLE_RATE};
use std::path::Path;

/// A loaded prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Vec<i16>,
}

impl Prompt {
    /// Loads and checks a prompt file.
    pub fn load(path: &Path) -> Result<Prompt> {
        let bad = |why: String| Error::Sound {
            path: path.to_path_buf(),
            why,
        };
        let reader = hound::WavReader::open(path).map_err(|e| bad(e.to_string()))?;
        let spec = reader.spec();
        if spec.sample_rate != SAMPLE_RATE || spec.channels != 1 || spec.bits_per_sample != 16 {
            return Err(bad(format!(
                "{} Hz, {} channel(s), {} bit: prompts must be 8000 Hz mono 16-bit",
                spec.sample_rate, spec.channels, spec.bits_per_sample
            )));
        }
        let samples = reader
            .into_samples::<i16>()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Prompt { samples })
    }

    /// A prompt from samples (tests, synthesized tones).
    pub fn from_samples(samples: Vec<i16>) -> Prompt {
        Prompt { samples }
    }

    /// Length in 20 ms frames (the last one padded with silence).
    pub fn frames(&self) -> usize {
        self.samples.len().div_ceil(FRAME_SAMPLES)
    }

    /// Frame `n`, padded with silence at the end.
    pub fn frame(&self, n: usize) -> [i16; FRAME_SAMPLES] {
        let mut out = [0i16; FRAME_SAMPLES];
        let start = (n * FRAME_SAMPLES).min(self.samples.len());
        let end = (start + FRAME_SAMPLES).min(self.samples.len());
        out[..end - start].copy_from_slice(&self.samples[start..end]);
        out
    }
}

/// Plays a sequence of prompts frame by frame, then loops `background` (music on
/// hold) when the sequence is over.
#[derive(Debug, Clone, Default)]
pub struct Playlist {
    queue: std::collections::VecDeque<std::sync::Arc<Prompt>>,
    frame: usize,
    background: Option<(std::sync::Arc<Prompt>, usize)>,
}

impl Playlist {
    /// Appends prompts to play next.
    pub fn push(&mut self, p: std::sync::Arc<Prompt>) {
        self.queue.push_back(p);
    }

    /// Sets the loop played when nothing else is queued.
    pub fn set_background(&mut self, p: Option<std::sync::Arc<Prompt>>) {
        self.background = p.map(|p| (p, 0));
    }

    /// Whether foreground prompts are still playing.
    pub fn busy(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Drops the queued prompts (a key was pressed, the call was answered).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.frame = 0;
    }

    /// The next 20 ms of audio.
    pub fn next_frame(&mut self) -> [i16; FRAME_SAMPLES] {
        while let Some(p) = self.queue.front() {
            if self.frame < p.frames() {
                self.frame += 1;
                return p.frame(self.frame - 1);
            }
            self.queue.pop_front();
            self.frame = 0;
        }
        match &mut self.background {
            Some((p, pos)) if p.frames() > 0 => {
                let f = p.frame(*pos);
                *pos = (*pos + 1) % p.frames();
                f
            }
            _ => [0; FRAME_SAMPLES],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn plays_prompts_in_order_then_loops_the_background() {
        let a = Arc::new(Prompt::from_samples(vec![1; 200])); // 2 frames, 2nd padded
        let b = Arc::new(Prompt::from_samples(vec![2; 160]));
        let moh = Arc::new(Prompt::from_samples(
            (0..320).map(|i| if i < 160 { 7 } else { 8 }).collect(),
        ));
        let mut pl = Playlist::default();
        pl.set_background(Some(moh));
        pl.push(a);
        pl.push(b);
        let frames: Vec<_> = (0..6).map(|_| pl.next_frame()).collect();
        assert_eq!(frames[0], [1; 160]);
        assert_eq!(&frames[1][..40], &[1; 40]);
        assert_eq!(&frames[1][40..], &[0; 120]);
        assert_eq!(frames[2], [2; 160]);
        assert_eq!((frames[3][0], frames[4][0], frames[5][0]), (7, 8, 7));
        assert!(!pl.busy());
    }

    #[test]
    fn every_shipped_sound_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds");
        let manifest = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
        let files: Vec<_> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("file = \""))
            .map(|f| f.trim_end_matches('"'))
            .collect();
        assert!(files.len() > 30, "manifest lists the prompts");
        for f in files {
            let p = Prompt::load(&dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(p.frames() > 0, "{f} is empty");
        }
        let moh = Prompt::load(&dir.join("moh/default.wav")).unwrap();
        assert!(moh.frames() > 50 * 20, "music on hold lasts more than 20 s");
    }

    #[test]
    fn refuses_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cd.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        w.write_sample(0i16).unwrap();
        w.write_sample(0i16).unwrap();
        w.finalize().unwrap();
        let err = Prompt::load(&path).unwrap_err().to_string();
        assert!(err.contains("44100 Hz, 2 channel(s)"), "{err}");
    }
}
