//! Fuzzing WAV uploads (issue 14): files built with hound (8/16/24/32-bit, float, 1-3
//! channels, odd rates), then corrupted where the sizes and formats are, through
//! `convert_wav` and through `PUT /sounds/{name}` (also as G.711 μ-law/A-law headers):
//! converted or refused with a problem document, never a panic or a 5xx.
//!
//! Bounded for CI; `FUZZ_CASES=N` runs N files.

mod fuzzgen;

use fuzzgen::{call, cases, fixture};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use switchyard_api::convert_wav;

/// A WAV built with hound, then corrupted: header fields, sizes and bytes.
fn wav(seed: u64) -> Vec<u8> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let bits = [8u16, 16, 24, 32][rng.random_range(0..4)];
    let float = bits == 32 && rng.random_bool(0.5);
    let spec = hound::WavSpec {
        channels: rng.random_range(1..4),
        sample_rate: [8000, 16000, 44100, 4000, 192_000, 1][rng.random_range(0..6)],
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut cur = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cur, spec).unwrap();
        for i in 0..rng.random_range(0..2000u32) * u32::from(spec.channels) {
            let x = (i as f32 / 7.0).sin();
            let _ = if float {
                w.write_sample(x)
            } else {
                let max = (1i64 << (bits - 1)) - 1;
                w.write_sample((x * max as f32) as i32)
            };
        }
        w.finalize().unwrap();
    }
    let mut b = cur.into_inner();
    for _ in 0..rng.random_range(0..4) {
        // Mostly in the 44-byte header, where the sizes and formats are.
        let i = if rng.random_bool(0.8) {
            rng.random_range(0..44.min(b.len()))
        } else {
            rng.random_range(0..b.len())
        };
        match rng.random_range(0..3) {
            0 => b[i] = rng.random(),
            1 => b[i] = 0xff,
            _ => b.truncate(i),
        }
        if b.is_empty() {
            break;
        }
    }
    b
}

#[test]
fn wav_uploads_are_converted_or_refused_with_a_problem() {
    let mut runner = TestRunner::new(Config {
        cases: cases(300),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&any::<u64>(), |seed| {
            let _ = convert_wav(&wav(seed));
            Ok(())
        })
        .unwrap();
    // And a few through the route, with G.711 (format 6/7) headers too.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(fixture());
    let mut runner = TestRunner::new(Config {
        cases: cases(40),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(any::<u64>(), any::<bool>()), |(seed, g711)| {
            let mut b = wav(seed);
            if g711 && b.len() > 34 {
                b[20] = 6 + (seed % 2) as u8;
                b[34] = 8;
            }
            let uri = format!("/api/v1/tenants/{}/sounds/fuzz", f.tenant);
            rt.block_on(call(&f, "PUT", &uri, Some("audio/wav"), b))
                .map_err(TestCaseError::fail)?;
            Ok(())
        })
        .unwrap();
}
