//! The prompts and music on hold: the shipped ones, loaded once at start-up from a
//! `sounds/` directory (`prompts/<name>.wav`, `moh/default.wav`, 8 kHz mono 16-bit), and
//! each tenant's uploads (`<uploads>/<tenant>/<name>.wav`, `moh.wav` for the music on
//! hold, written by the REST API), which win over the shipped ones and are picked up
//! live: every lookup stats the tenant's directory (its listing is re-read when it
//! changed) and each uploaded file it uses, and reloads a file when its inode, size or
//! modification time changed, so an upload, a replacement or a delete is heard by the
//! next caller without a restart. A missing or invalid file is logged and played as the
//! shipped prompt (or nothing): a caller hears silence, never a dropped call.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use switchyard_core::TenantId;
use switchyard_media::prompt::Prompt;

/// The name a tenant uploads its music on hold under.
pub const MOH_NAME: &str = "moh";

/// The shipped sounds and a live view of the tenants' uploads. Cloning shares the cache.
#[derive(Debug, Default, Clone)]
pub struct Sounds {
    prompts: HashMap<String, Arc<Prompt>>,
    moh: Option<Arc<Prompt>>,
    uploads: Option<PathBuf>,
    cache: Arc<Mutex<HashMap<(TenantId, String), Cached>>>,
    listings: Arc<Mutex<HashMap<TenantId, Listing>>>,
}

/// The names of a tenant's uploads as of one version of its directory (an upload, a
/// replacement by rename or a delete changes the directory's stamp): a name not listed
/// costs no system call, so a tenant without uploads costs one `stat` per lookup.
#[derive(Debug)]
struct Listing {
    stamp: Stamp,
    names: Arc<HashSet<String>>,
}

/// What identifies one version of an uploaded file (the API replaces files by rename,
/// so a replacement has a new inode even within one mtime tick).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

/// One tenant file as last seen: `None` when it did not load (logged once per version).
#[derive(Debug)]
struct Cached {
    stamp: Stamp,
    prompt: Option<Arc<Prompt>>,
}

/// Where a prompt came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The tenant's upload.
    Tenant,
    /// The shipped `sounds/`.
    Shipped,
}

impl Sounds {
    /// Loads every `prompts/*.wav` and `moh/default.wav` under the first of `dirs` that
    /// has a `prompts` directory; files under later directories do not mix in. No tenant
    /// uploads are looked at until [`Sounds::with_uploads`].
    pub fn load(dirs: &[PathBuf]) -> Sounds {
        let Some(dir) = dirs.iter().find(|d| d.join("prompts").is_dir()) else {
            tracing::warn!(
                ?dirs,
                "no sounds directory found: callers will hear silence"
            );
            return Sounds::default();
        };
        let mut prompts = HashMap::new();
        if let Ok(entries) = std::fs::read_dir(dir.join("prompts")) {
            for e in entries.flatten() {
                let path = e.path();
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                if path.extension().is_some_and(|x| x == "wav")
                    && let Some(p) = load(&path)
                {
                    prompts.insert(name.to_owned(), p);
                }
            }
        }
        let moh = load(&dir.join("moh/default.wav"));
        tracing::info!(dir = %dir.display(), prompts = prompts.len(), moh = moh.is_some(), "sounds loaded");
        Sounds {
            prompts,
            moh,
            ..Sounds::default()
        }
    }

    /// Also looks for tenants' uploads under `dir` (`<dir>/<tenant>/<name>.wav`).
    pub fn with_uploads(mut self, dir: Option<PathBuf>) -> Sounds {
        self.uploads = dir;
        self
    }

    /// The shipped prompts by name, skipping unknown ones.
    pub fn prompts(&self, names: &[&str]) -> Vec<Arc<Prompt>> {
        names
            .iter()
            .filter_map(|n| self.prompts.get(*n).cloned())
            .collect()
    }

    /// The shipped music on hold.
    pub fn moh(&self) -> Option<Arc<Prompt>> {
        self.moh.clone()
    }

    /// Prompts by name for a tenant's caller: the tenant's current upload where there is
    /// a valid one, else the shipped prompt; names with neither are skipped.
    pub fn prompts_for(&self, tenant: TenantId, names: &[&str]) -> Vec<Arc<Prompt>> {
        let uploaded = self.uploaded(tenant);
        names
            .iter()
            .filter_map(|n| self.choose(tenant, n, uploaded.as_deref()).map(|(p, _)| p))
            .collect()
    }

    /// One prompt for a tenant's caller, and where it came from.
    pub fn prompt_for(&self, tenant: TenantId, name: &str) -> Option<(Arc<Prompt>, Source)> {
        self.choose(tenant, name, self.uploaded(tenant).as_deref())
    }

    fn choose(
        &self,
        tenant: TenantId,
        name: &str,
        uploaded: Option<&HashSet<String>>,
    ) -> Option<(Arc<Prompt>, Source)> {
        match self.tenant_file(tenant, name, uploaded) {
            Some(p) => Some((p, Source::Tenant)),
            None => self.prompts.get(name).map(|p| (p.clone(), Source::Shipped)),
        }
    }

    /// The music on hold for a tenant's caller: its upload named [`MOH_NAME`] if valid,
    /// else the shipped one.
    pub fn moh_for(&self, tenant: TenantId) -> Option<Arc<Prompt>> {
        let uploaded = self.uploaded(tenant);
        self.tenant_file(tenant, MOH_NAME, uploaded.as_deref())
            .or_else(|| self.moh())
    }

    /// The names in the tenant's upload directory now (`None`: no directory).
    fn uploaded(&self, tenant: TenantId) -> Option<Arc<HashSet<String>>> {
        let dir = self.uploads.as_ref()?.join(tenant.0.to_string());
        let lock = || self.listings.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => Stamp::of(&m),
            _ => {
                lock().remove(&tenant);
                return None;
            }
        };
        if let Some(l) = lock().get(&tenant)
            && l.stamp == stamp
        {
            return Some(l.names.clone());
        }
        let names: HashSet<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let n = e.file_name().into_string().ok()?;
                        n.strip_suffix(".wav").map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let names = Arc::new(names);
        lock().insert(
            tenant,
            Listing {
                stamp,
                names: names.clone(),
            },
        );
        Some(names)
    }

    /// The tenant's current upload of `name`, reloaded when the file changed.
    /// `uploaded` is [`Sounds::uploaded`] for the tenant, read once per lookup.
    fn tenant_file(
        &self,
        tenant: TenantId,
        name: &str,
        uploaded: Option<&HashSet<String>>,
    ) -> Option<Arc<Prompt>> {
        let key = (tenant, name.to_owned());
        let Some((path, stamp)) = self.upload_file(tenant, name, uploaded) else {
            // Not uploaded, or deleted since.
            if let Some(old) = self.lock().remove(&key) {
                tracing::info!(
                    tenant = tenant.0,
                    name,
                    was_valid = old.prompt.is_some(),
                    "tenant prompt removed: shipped one used"
                );
            }
            return None;
        };
        if let Some(c) = self.lock().get(&key)
            && c.stamp == stamp
        {
            return c.prompt.clone();
        }
        // Not preloaded (or changed since): read here. Outside the lock: files are at
        // most 10 minutes (9.6 MB) and change rarely.
        let prompt = load(&path);
        self.loaded(tenant, name.to_owned(), stamp, prompt.clone());
        prompt
    }

    /// The tenant's upload of `name` as it is on disk now (path and stamp), if `name` is
    /// a safe name listed in `uploaded` and the file is there.
    fn upload_file(
        &self,
        tenant: TenantId,
        name: &str,
        uploaded: Option<&HashSet<String>>,
    ) -> Option<(PathBuf, Stamp)> {
        let dir = self.uploads.as_ref()?;
        if !safe_name(name) || !uploaded.is_some_and(|u| u.contains(name)) {
            return None;
        }
        let path = dir.join(tenant.0.to_string()).join(format!("{name}.wav"));
        let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
        Some((path, Stamp::of(&meta)))
    }

    fn loaded(&self, tenant: TenantId, name: String, stamp: Stamp, prompt: Option<Arc<Prompt>>) {
        if let Some(p) = &prompt {
            tracing::info!(
                tenant = tenant.0,
                name,
                frames = p.frames(),
                "tenant prompt loaded"
            );
        }
        self.lock().insert((tenant, name), Cached { stamp, prompt });
    }

    /// Reads, on tokio's blocking pool, the tenant's uploads among `names` and its music
    /// on hold that are new or changed since they were last read, so that the lookups
    /// that follow find them cached: reading a 10-minute upload takes tens of
    /// milliseconds, which the call thread (every call's media) must not wait for.
    pub async fn preload(&self, tenant: TenantId, names: &[&str]) {
        let stale = self.stale(tenant, names);
        if stale.is_empty() {
            return;
        }
        let loaded = tokio::task::spawn_blocking(move || {
            stale
                .into_iter()
                .map(|(name, path, stamp)| (name, stamp, load(&path)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for (name, stamp, prompt) in loaded {
            self.loaded(tenant, name, stamp, prompt);
        }
    }

    /// The uploads among `names` and the music on hold whose cached version is not the
    /// file's current one: name, path, stamp.
    fn stale(&self, tenant: TenantId, names: &[&str]) -> Vec<(String, PathBuf, Stamp)> {
        let Some(uploaded) = self.uploaded(tenant) else {
            return Vec::new();
        };
        let mut stale: Vec<(String, PathBuf, Stamp)> = Vec::new();
        for &name in names.iter().chain(std::iter::once(&MOH_NAME)) {
            if stale.iter().any(|(n, ..)| n == name) {
                continue;
            }
            let Some((path, stamp)) = self.upload_file(tenant, name, Some(&uploaded)) else {
                continue;
            };
            let key = (tenant, name.to_owned());
            if self.lock().get(&key).is_none_or(|c| c.stamp != stamp) {
                stale.push((key.1, path, stamp));
            }
        }
        stale
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, String), Cached>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The names the API accepts (letters, digits, `-`, `_`, `.`, not starting with `.`):
/// anything else never reaches the file system.
fn safe_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn load(path: &Path) -> Option<Arc<Prompt>> {
    match Prompt::load(path) {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "sound not loaded");
            None
        }
    }
}

#[cfg(test)]
#[path = "sounds_tests.rs"]
mod tests;
