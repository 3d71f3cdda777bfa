//! The prompts and music on hold, loaded once at start-up from a `sounds/` directory
//! (`prompts/<name>.wav`, `moh/default.wav`, 8 kHz mono 16-bit). A missing or invalid
//! file is logged and played as nothing: a caller hears silence, never a dropped call.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchyard_media::prompt::Prompt;

/// Loaded sounds.
#[derive(Debug, Default, Clone)]
pub struct Sounds {
    prompts: HashMap<String, Arc<Prompt>>,
    moh: Option<Arc<Prompt>>,
}

impl Sounds {
    /// Loads every `prompts/*.wav` and `moh/default.wav` under the first of `dirs` that
    /// has a `prompts` directory; files under later directories do not mix in.
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
        Sounds { prompts, moh }
    }

    /// Prompts by name, skipping unknown ones.
    pub fn prompts(&self, names: &[&str]) -> Vec<Arc<Prompt>> {
        names
            .iter()
            .filter_map(|n| self.prompts.get(*n).cloned())
            .collect()
    }

    /// The music on hold.
    pub fn moh(&self) -> Option<Arc<Prompt>> {
        self.moh.clone()
    }
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
mod tests {
    use super::*;

    #[test]
    fn loads_the_shipped_sounds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds");
        let s = Sounds::load(&[PathBuf::from("/nonexistent"), dir]);
        assert!(s.moh().is_some());
        assert_eq!(s.prompts(&["caller-number", "num-3", "no-such"]).len(), 2);
    }
}
