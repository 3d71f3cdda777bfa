//! Secrets stay secret (issue 14): the admin token is shown once on stdout when it is
//! generated and never in the log (stderr), the demo tenant only appears on loopback or
//! with --demo, and its generated passwords are printed once. The real binary, with
//! stdout and stderr captured apart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One run of `switchyard serve` with stdout and stderr in separate files.
struct Run {
    child: Child,
    out: PathBuf,
    err: PathBuf,
    base: String,
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

async fn start(dir: &Path, tag: &str, http: &str, extra: &[&str]) -> Run {
    let out = dir.join(format!("{tag}.stdout"));
    let err = dir.join(format!("{tag}.stderr"));
    let child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--http-listen", http, "--sip-listen", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info")
        .env_remove("SWITCHYARD_DATABASE_URL")
        .env_remove("SWITCHYARD_ADMIN_TOKEN")
        .env_remove("SWITCHYARD_DEMO_PASSWORD")
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .spawn()
        .expect("start switchyard");
    let mut run = Run {
        child,
        out,
        err,
        base: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    run.base = loop {
        if let Some(url) = read(&run.out).lines().find_map(|l| {
            l.trim()
                .strip_prefix("REST API")
                .map(|r| r.trim().to_string())
        }) {
            // 0.0.0.0 is reachable on loopback.
            break url
                .trim_end_matches("/api/v1")
                .replace("0.0.0.0", "127.0.0.1");
        }
        if let Some(st) = run.child.try_wait().unwrap() {
            panic!("exited ({st}):\n{}\n{}", read(&run.out), read(&run.err));
        }
        assert!(Instant::now() < deadline, "no banner:\n{}", read(&run.err));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    run
}

impl Run {
    async fn get(&self, path: &str, token: &str) -> (u16, String) {
        let r = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// SIGTERM, wait, and return (stdout, stderr).
    async fn stop(mut self) -> (String, String) {
        let st = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(st.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (read(&self.out), read(&self.err))
    }
}

#[tokio::test]
async fn admin_token_is_shown_once_on_stdout_and_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), "first", "127.0.0.1:0", &[]).await;
    let token = std::fs::read_to_string(dir.path().join("admin_token"))
        .unwrap()
        .trim()
        .to_string();
    assert!(token.len() >= 32, "{token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("admin_token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "admin_token is private");
    }
    let (code, body) = first.get("/api/v1/tenants", &token).await;
    assert_eq!(code, 200, "the generated token works: {body}");
    let (code, body) = first.get("/api/v1/tenants", "wrong-token-0123456789").await;
    assert_eq!(code, 401);
    assert!(!body.contains(&token));
    let (out, err) = first.stop().await;
    assert_eq!(
        out.matches(&token).count(),
        1,
        "shown once on stdout:\n{out}"
    );
    assert!(!err.contains(&token), "never in the log:\n{err}");
    assert!(err.contains("listening"), "the log was captured:\n{err}");

    let second = start(dir.path(), "second", "127.0.0.1:0", &[]).await;
    let (code, _) = second.get("/api/v1/tenants", &token).await;
    assert_eq!(code, 200, "still valid after a restart");
    let (out, err) = second.stop().await;
    assert!(!out.contains(&token), "not shown again:\n{out}");
    assert!(!err.contains(&token), "not logged:\n{err}");
    assert!(
        out.contains("admin_token (shown only when generated)"),
        "{out}"
    );

    // A token given on the command line is not echoed either.
    let given = "given-admin-token-0123456789";
    let third = start(
        dir.path(),
        "third",
        "127.0.0.1:0",
        &["--admin-token", given],
    )
    .await;
    let (out, err) = third.stop().await;
    assert!(!out.contains(given) && !err.contains(given), "{out}\n{err}");
}

#[tokio::test]
async fn demo_passwords_are_generated_and_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), "first", "127.0.0.1:0", &[]).await;
    let (out, err) = first.stop().await;
    let rows: Vec<(String, String)> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("alice") || l.trim_start().starts_with("bob"))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            // name sip / sip_pw chat / chat_pw
            (w[3].to_string(), w[6].to_string())
        })
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    let mut all = Vec::new();
    for (sip_pw, chat_pw) in &rows {
        for pw in [sip_pw, chat_pw] {
            assert!(pw.len() >= 12, "{pw}");
            assert!(!pw.starts_with("demo-"), "not the old fixed passwords");
            assert!(
                !err.contains(pw.as_str()),
                "a demo password in the log:\n{err}"
            );
            all.push(pw.clone());
        }
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "every password differs");
    assert!(out.contains("shown only this once"), "{out}");
    // Chat passwords are stored hashed: the database file does not hold them.
    let db = std::fs::read(dir.path().join("switchyard.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(&rows[0].1), "chat password stored in clear");

    let second = start(dir.path(), "second", "127.0.0.1:0", &[]).await;
    let (out2, err2) = second.stop().await;
    for pw in &all {
        assert!(!out2.contains(pw.as_str()) && !err2.contains(pw.as_str()));
    }
    assert!(out2.contains("not stored in clear"), "{out2}");
}

#[tokio::test]
async fn no_demo_off_loopback_unless_asked() {
    let token = "secrets-admin-token-0123456789";
    let dir = tempfile::tempdir().unwrap();
    let run = start(dir.path(), "wild", "0.0.0.0:0", &["--admin-token", token]).await;
    let (code, body) = run.get("/api/v1/tenants", token).await;
    assert_eq!(code, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{body}");
    let (out, err) = run.stop().await;
    assert!(err.contains("demo tenant not created"), "{err}");
    assert!(!out.contains("Demo tenant"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let run = start(
        dir.path(),
        "asked",
        "0.0.0.0:0",
        &[
            "--admin-token",
            token,
            "--demo",
            "--demo-password",
            "known-demo-pw",
        ],
    )
    .await;
    let (code, body) = run.get("/api/v1/tenants?name=demo", token).await;
    assert_eq!(code, 200);
    assert!(body.contains("\"demo\""), "{body}");
    let (out, err) = run.stop().await;
    assert!(
        out.contains("password as given with --demo-password"),
        "{out}"
    );
    assert!(!out.contains("known-demo-pw") && !err.contains("known-demo-pw"));

    let dir = tempfile::tempdir().unwrap();
    let run = start(
        dir.path(),
        "loop",
        "127.0.0.1:0",
        &["--admin-token", token, "--no-demo"],
    )
    .await;
    let (_, body) = run.get("/api/v1/tenants", token).await;
    assert!(!body.contains("\"demo\""), "{body}");
    run.stop().await;
}

#[test]
fn a_short_demo_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--demo-password", "short"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 8 characters"), "{err}");
}
