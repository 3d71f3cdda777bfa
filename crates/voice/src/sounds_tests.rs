use super::*;

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds")
}

/// An 8 kHz mono 16-bit WAV file of `samples` samples of a constant value.
fn wav(samples: usize, value: i16) -> Vec<u8> {
    let data = (samples * 2) as u32;
    let mut b = Vec::with_capacity(44 + data as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for _ in 0..samples {
        b.extend_from_slice(&value.to_le_bytes());
    }
    b
}

/// Writes as the API does: a temporary file renamed over the old one.
fn upload(root: &Path, tenant: u64, name: &str, bytes: &[u8]) {
    let dir = root.join(tenant.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, dir.join(format!("{name}.wav"))).unwrap();
}

fn sounds(uploads: &Path) -> Sounds {
    Sounds::load(&[shipped_dir()]).with_uploads(Some(uploads.to_path_buf()))
}

const T1: TenantId = TenantId(1);
const T2: TenantId = TenantId(2);

#[test]
fn loads_the_shipped_sounds() {
    let s = Sounds::load(&[PathBuf::from("/nonexistent"), shipped_dir()]);
    assert!(s.moh().is_some());
    assert_eq!(s.prompts(&["caller-number", "num-3", "no-such"]).len(), 2);
}

#[test]
fn without_uploads_the_shipped_prompt_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    let shipped = s.prompts(&["caller-number"]).remove(0);
    let (p, src) = s.prompt_for(T1, "caller-number").unwrap();
    assert_eq!(src, Source::Shipped);
    assert_eq!(p, shipped);
    assert!(s.prompt_for(T1, "no-such").is_none());
}

#[test]
fn an_upload_wins_and_replacements_and_deletes_are_seen_on_the_next_lookup() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    let shipped_frames = s.prompts(&["caller-number"])[0].frames();

    upload(tmp.path(), 1, "caller-number", &wav(8000 * 3, 1000));
    let (p, src) = s.prompt_for(T1, "caller-number").unwrap();
    assert_eq!(src, Source::Tenant);
    assert_eq!(p.frames(), 150, "3 s = 150 frames");

    // A second lookup of the same version is the cached Arc.
    let (again, _) = s.prompt_for(T1, "caller-number").unwrap();
    assert!(Arc::ptr_eq(&p, &again));

    upload(tmp.path(), 1, "caller-number", &wav(8000, 2000));
    let (p, src) = s.prompt_for(T1, "caller-number").unwrap();
    assert_eq!(src, Source::Tenant);
    assert_eq!(p.frames(), 50, "the replacement (1 s)");

    std::fs::remove_file(tmp.path().join("1/caller-number.wav")).unwrap();
    let (p, src) = s.prompt_for(T1, "caller-number").unwrap();
    assert_eq!(src, Source::Shipped);
    assert_eq!(p.frames(), shipped_frames);
}

#[test]
fn an_in_place_rewrite_of_another_length_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    upload(tmp.path(), 1, "goodbye", &wav(160, 5));
    assert_eq!(s.prompts_for(T1, &["goodbye"])[0].frames(), 1);
    std::fs::write(tmp.path().join("1/goodbye.wav"), wav(1600, 5)).unwrap();
    assert_eq!(s.prompts_for(T1, &["goodbye"])[0].frames(), 10);
}

#[test]
fn tenants_do_not_hear_each_others_uploads() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    upload(tmp.path(), 1, "num-3", &wav(8000 * 2, 7));
    upload(tmp.path(), 2, MOH_NAME, &wav(8000, 9));
    assert_eq!(s.prompt_for(T1, "num-3").unwrap().1, Source::Tenant);
    assert_eq!(s.prompt_for(T2, "num-3").unwrap().1, Source::Shipped);
    let shipped_moh = s.moh().unwrap();
    assert_eq!(s.moh_for(T1).unwrap(), shipped_moh);
    let t2_moh = s.moh_for(T2).unwrap();
    assert_eq!(t2_moh.frames(), 50);
    assert_ne!(t2_moh, shipped_moh);
}

#[test]
fn a_broken_upload_falls_back_to_the_shipped_prompt_until_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    upload(tmp.path(), 1, "caller-number", b"not a wav file at all");
    assert_eq!(
        s.prompt_for(T1, "caller-number").unwrap().1,
        Source::Shipped
    );
    // 16 kHz is not a prompt format either.
    let mut wrong_rate = wav(800, 1);
    wrong_rate[24..28].copy_from_slice(&16000u32.to_le_bytes());
    upload(tmp.path(), 1, "caller-number", &wrong_rate);
    assert_eq!(
        s.prompt_for(T1, "caller-number").unwrap().1,
        Source::Shipped
    );
    upload(tmp.path(), 1, "caller-number", &wav(800, 1));
    assert_eq!(s.prompt_for(T1, "caller-number").unwrap().1, Source::Tenant);
}

#[test]
fn unsafe_names_never_reach_the_file_system() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(&tmp.path().join("uploads"));
    // A file a path-traversing name would reach.
    std::fs::write(tmp.path().join("secret.wav"), wav(800, 1)).unwrap();
    assert!(s.prompt_for(T1, "../../secret").is_none());
    assert!(s.prompt_for(T1, ".hidden").is_none());
    assert!(s.prompt_for(T1, "").is_none());
}

#[test]
fn clones_share_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    let c = s.clone();
    upload(tmp.path(), 1, "beep", &wav(1600, 3));
    let (a, _) = s.prompt_for(T1, "beep").unwrap();
    let (b, _) = c.prompt_for(T1, "beep").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn the_listing_follows_the_tenant_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    // No directory yet: shipped prompts.
    assert_eq!(s.prompt_for(T1, "beep").unwrap().1, Source::Shipped);
    upload(tmp.path(), 1, "goodbye", &wav(160, 5));
    assert_eq!(s.prompt_for(T1, "goodbye").unwrap().1, Source::Tenant);
    assert_eq!(s.prompt_for(T1, "beep").unwrap().1, Source::Shipped);
    // A second upload into the same directory is listed at the next lookup.
    upload(tmp.path(), 1, "beep", &wav(320, 5));
    let both = s.prompts_for(T1, &["beep", "goodbye"]);
    assert_eq!(both.iter().map(|p| p.frames()).collect::<Vec<_>>(), [2, 1]);
    // The whole directory removed: shipped again.
    std::fs::remove_dir_all(tmp.path().join("1")).unwrap();
    assert_eq!(s.prompt_for(T1, "goodbye").unwrap().1, Source::Shipped);
}

#[tokio::test]
async fn preload_reads_new_and_changed_uploads_off_the_caller_path() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sounds(tmp.path());
    upload(tmp.path(), 1, "goodbye", &wav(160, 5));
    upload(tmp.path(), 1, MOH_NAME, &wav(320, 5));
    let names = |v: Vec<(String, std::path::PathBuf, Stamp)>| {
        let mut n: Vec<String> = v.into_iter().map(|(n, ..)| n).collect();
        n.sort();
        n
    };
    // Shipped-only names and unsafe ones are never stale; the music on hold always counts.
    assert_eq!(
        names(s.stale(T1, &["goodbye", "beep", "../x"])),
        ["goodbye", MOH_NAME]
    );
    s.preload(T1, &["goodbye", "beep"]).await;
    assert!(s.stale(T1, &["goodbye"]).is_empty());
    let (p, src) = s.prompt_for(T1, "goodbye").unwrap();
    assert_eq!((p.frames(), src), (1, Source::Tenant));
    assert_eq!(s.moh_for(T1).unwrap().frames(), 2);
    // A replacement is stale again until preloaded; tenant 2 has nothing to load.
    upload(tmp.path(), 1, "goodbye", &wav(1600, 5));
    assert_eq!(names(s.stale(T1, &["goodbye"])), ["goodbye"]);
    s.preload(T1, &["goodbye"]).await;
    assert_eq!(s.prompt_for(T1, "goodbye").unwrap().0.frames(), 10);
    assert!(s.stale(T2, &["goodbye"]).is_empty());
}
