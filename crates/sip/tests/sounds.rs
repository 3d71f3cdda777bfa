//! Every file listed in `sounds/manifest.toml` exists and is what the voice edge can play:
//! WAV, 8000 Hz, mono, 16-bit integer PCM, and not empty.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct Manifest {
    prompt: Vec<Entry>,
    music: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    name: String,
    file: String,
    text: String,
}

fn sounds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(sounds_dir().join("manifest.toml")).expect("manifest.toml");
    toml::from_str(&text).expect("manifest.toml parses")
}

#[test]
fn every_manifest_file_is_8khz_mono_16bit() {
    let m = manifest();
    assert!(!m.music.is_empty(), "music on hold is listed");
    for e in m.prompt.iter().chain(&m.music) {
        assert!(!e.text.is_empty(), "{} has its text", e.name);
        let path = sounds_dir().join(&e.file);
        let reader = hound::WavReader::open(&path)
            .unwrap_or_else(|err| panic!("{}: {} does not open: {err}", e.name, path.display()));
        let spec = reader.spec();
        assert_eq!(spec.sample_rate, 8000, "{}", e.name);
        assert_eq!(spec.channels, 1, "{}", e.name);
        assert_eq!(spec.bits_per_sample, 16, "{}", e.name);
        assert_eq!(spec.sample_format, hound::SampleFormat::Int, "{}", e.name);
        assert!(reader.duration() > 800, "{} lasts more than 0.1 s", e.name);
    }
}

#[test]
fn the_prompts_the_voice_edge_needs_are_listed() {
    let m = manifest();
    let names: Vec<&str> = m.prompt.iter().map(|e| e.name.as_str()).collect();
    let mut needed: Vec<String> = (0..20).map(|n| format!("num-{n}")).collect();
    needed.extend((2..10).map(|t| format!("num-{t}0")));
    for n in [
        "num-hundred",
        "num-thousand",
        "caller-number",
        "estimated-wait",
        "minutes",
        "minute",
        "seconds",
        "less-than-a-minute",
        "agents-busy",
        "menu",
        "voicemail-greeting",
        "beep",
        "closed",
        "callback-confirmed",
        "enter-phone-number",
        "invalid-choice",
        "goodbye",
    ] {
        needed.push(n.to_owned());
    }
    for n in &needed {
        assert!(names.contains(&n.as_str()), "prompt {n} is missing");
    }
}

#[test]
fn music_on_hold_lasts_half_a_minute_or_more() {
    let m = manifest();
    let path = sounds_dir().join(&m.music[0].file);
    let reader = hound::WavReader::open(path).unwrap();
    let secs = reader.duration() / reader.spec().sample_rate;
    assert!((30..=60).contains(&secs), "{secs} s");
}
