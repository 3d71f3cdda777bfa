//! Sounds: WAV uploads validated with hound and converted to the prompt format the
//! media edge plays (8 kHz, mono, 16-bit PCM).

use crate::AppState;
use crate::error::{ApiError, Result};
use crate::extract::{Caller, List, P, Paging, Q, TenantPath};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::io::Cursor;
use switchyard_store::SoundRecord;
use utoipa::IntoParams;

/// The sample rate prompts are stored at.
pub(crate) const PROMPT_RATE: u32 = 8000;
const MAX_SECS: u64 = 600;

/// `{tenant}/sounds/{name}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct SoundPath {
    /// Tenant id.
    pub tenant: i64,
    /// Sound name (letters, digits, `-`, `_`, `.`; at most 64).
    pub name: String,
}

fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "name",
            "1-64 letters, digits, - _ . (not starting with .)",
        ))
    }
}

/// A decoded, converted prompt.
#[derive(Debug, PartialEq)]
pub struct Prompt {
    /// 8 kHz mono 16-bit PCM WAV file.
    pub wav: Vec<u8>,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

/// Validates a WAV file (any common rate, 1–8 channels, 8/16/24/32-bit integer, 32-bit
/// float, or G.711 µ-law/A-law) and converts it to 8 kHz mono 16-bit PCM.
pub fn convert(bytes: &[u8]) -> Result<Prompt> {
    let bad = |d: String| ApiError::invalid("body", d);
    let (rate, channels, samples) = match crate::g711::decode(bytes) {
        Some(Ok(d)) => (d.rate, d.channels, d.samples),
        Some(Err(e)) => return Err(bad(e)),
        None => decode_pcm(bytes).map_err(bad)?,
    };
    if !(4000..=192_000).contains(&rate) {
        return Err(bad(format!("unsupported sample rate {rate}")));
    }
    if !(1..=8).contains(&channels) {
        return Err(bad(format!("unsupported channel count {channels}")));
    }
    let frames = (samples.len() / channels as usize) as u64;
    if frames == 0 || frames / rate as u64 > MAX_SECS {
        return Err(bad(format!(
            "duration must be between 1 sample and {MAX_SECS} s"
        )));
    }
    let ch = channels as usize;
    let mono: Vec<f32> = samples
        .chunks(ch)
        .map(|f| f.iter().sum::<f32>() / f.len() as f32)
        .collect();
    let out = resample(&mono, rate, PROMPT_RATE);
    let mut wav = Vec::new();
    let spec_out = hound::WavSpec {
        channels: 1,
        sample_rate: PROMPT_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    {
        let mut w = hound::WavWriter::new(Cursor::new(&mut wav), spec_out)
            .map_err(|_| ApiError::Internal)?;
        for s in &out {
            w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
                .map_err(|_| ApiError::Internal)?;
        }
        w.finalize().map_err(|_| ApiError::Internal)?;
    }
    Ok(Prompt {
        wav,
        duration_ms: (out.len() as i64 * 1000) / PROMPT_RATE as i64,
    })
}

/// Reads integer or float PCM with hound: (rate, channels, interleaved samples).
fn decode_pcm(bytes: &[u8]) -> Result<(u32, u16, Vec<f32>), String> {
    let mut r =
        hound::WavReader::new(Cursor::new(bytes)).map_err(|e| format!("not a WAV file: {e}"))?;
    let spec = r.spec();
    let samples: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => r.samples::<f32>().collect::<Result<_, _>>(),
        (hound::SampleFormat::Int, b @ (8 | 16 | 24 | 32)) => {
            let scale = (1u64 << (b - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
        }
        (f, b) => return Err(format!("unsupported sample format {f:?}/{b} bits")),
    }
    .map_err(|e| format!("corrupt WAV data: {e}"))?;
    Ok((spec.sample_rate, spec.channels, samples))
}

/// Linear-interpolation resampling; when going down, a moving average over one input
/// period of the output rate first keeps most aliasing out. Simple, and enough for
/// telephone-band prompts.
fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to {
        return x.to_vec();
    }
    let smoothed: Vec<f32> = if from > to {
        let w = (from as f64 / to as f64).round().max(1.0) as usize;
        let mut acc = 0.0f32;
        let mut out = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            acc += x[i];
            if i >= w {
                acc -= x[i - w];
            }
            out.push(acc / (i + 1).min(w) as f32);
        }
        out
    } else {
        x.to_vec()
    };
    let n = ((x.len() as u64 * to as u64) / from as u64).max(1) as usize;
    let step = from as f64 / to as f64;
    (0..n)
        .map(|i| {
            let pos = i as f64 * step;
            let j = pos.floor() as usize;
            let frac = (pos - j as f64) as f32;
            let a = smoothed[j.min(smoothed.len() - 1)];
            let b = smoothed[(j + 1).min(smoothed.len() - 1)];
            a + (b - a) * frac
        })
        .collect()
}

/// Uploads (or replaces) a sound: the body is a WAV file.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/sounds/{name}", tag = "sounds", params(SoundPath),
    request_body(content = Vec<u8>, content_type = "audio/wav"),
    responses((status = 200, body = SoundRecord), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn upload(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<SoundPath>,
    body: Bytes,
) -> Result<Json<SoundRecord>> {
    c.admin(p.tenant)?;
    check_name(&p.name)?;
    let prompt = tokio::task::spawn_blocking(move || convert(&body))
        .await
        .map_err(|_| ApiError::Internal)??;
    let dir = s.sounds_dir.join(p.tenant.to_string());
    let file_name = format!("{}/{}.wav", p.tenant, p.name);
    let tmp = dir.join(format!(".{}.tmp", p.name));
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "writing a sound failed");
        ApiError::Unavailable
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    tokio::fs::write(&tmp, &prompt.wav).await.map_err(io)?;
    tokio::fs::rename(&tmp, dir.join(format!("{}.wav", p.name)))
        .await
        .map_err(io)?;
    let rec = s
        .store
        .upsert_sound(
            p.tenant,
            &p.name,
            &file_name,
            PROMPT_RATE as i64,
            prompt.duration_ms,
            prompt.wav.len() as i64,
        )
        .await?;
    Ok(Json(rec))
}

/// Lists a tenant's sounds.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/sounds", tag = "sounds", params(TenantPath, Paging),
    responses((status = 200, body = List<SoundRecord>)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(pg): Q<Paging>,
) -> Result<Json<List<SoundRecord>>> {
    c.supervisor(p.tenant)?;
    let page = pg.page()?;
    Ok(Json(List::new(
        s.store.list_sounds(p.tenant, page).await?,
        page,
    )))
}

/// One sound's metadata.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/sounds/{name}", tag = "sounds", params(SoundPath),
    responses((status = 200, body = SoundRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<SoundPath>,
) -> Result<Json<SoundRecord>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.sound(p.tenant, &p.name).await?))
}

/// The converted WAV file.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/sounds/{name}/audio", tag = "sounds", params(SoundPath),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn audio(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<SoundPath>,
) -> Result<impl IntoResponse> {
    c.supervisor(p.tenant)?;
    let rec = s.store.sound(p.tenant, &p.name).await?;
    let bytes = tokio::fs::read(s.sounds_dir.join(&rec.file_name))
        .await
        .map_err(|_| ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "audio/wav")], bytes))
}

/// Deletes a sound and its file.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/sounds/{name}", tag = "sounds", params(SoundPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<SoundPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    let rec = s.store.sound(p.tenant, &p.name).await?;
    s.store.delete_sound(p.tenant, &p.name).await?;
    let _ = tokio::fs::remove_file(s.sounds_dir.join(&rec.file_name)).await;
    Ok(StatusCode::NO_CONTENT)
}
