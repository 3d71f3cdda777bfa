//! `switchyard serve`: wiring the store, the router task, the event log and the HTTP
//! server, and taking them down in order on SIGTERM/SIGINT.

use crate::call_thread::CallThread;
use crate::cli::{LogFormat, ServeArgs};
use crate::config::ConfigFile;
use crate::secret::Secret;
use crate::seed::{DEMO_TENANT, DemoCredentials};
use crate::{Settings, open_store};
use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use switchyard_api::AppState;
use switchyard_engine::{Engine, EventWriter, Router, Sinks};
use switchyard_runtime::{Persister, RuntimeStore};
use switchyard_store::{Page, Role, Store};

/// What the SIP voice edge (crates/voice) is given.
#[derive(Clone, Debug)]
pub(crate) struct SipSettings {
    /// Address to listen on.
    pub(crate) listen: SocketAddr,
    /// Digest algorithms offered, most preferred first.
    pub(crate) algorithms: Vec<switchyard_voice::Algorithm>,
    /// OPTIONS qualify interval; `None`: off.
    pub(crate) qualify: Option<std::time::Duration>,
    /// The outbound trunk for callbacks.
    pub(crate) trunk: Option<TrunkSettings>,
    /// Per-source datagram limit; `None`: off.
    pub(crate) rate_limit: Option<switchyard_voice::RateLimit>,
    /// Who may call: inbound trunks and call caps.
    pub(crate) admission: crate::admission::AdmissionSettings,
    /// External addresses, RTP ports, SIPS, transport limits.
    pub(crate) transport: switchyard_voice::VoiceTransport,
}

/// Lockout after failed logins (SIP digest and web), from the `--auth-*` settings.
fn login_policy(
    args: &ServeArgs,
    s: &crate::config::ServerSection,
) -> Result<switchyard_voice::LoginPolicy> {
    use std::time::Duration;
    use switchyard_core::lockout::LockoutPolicy;
    let base = args.auth_lockout_secs.or(s.auth_lockout_secs).unwrap_or(60);
    let cap = args
        .auth_lockout_max_secs
        .or(s.auth_lockout_max_secs)
        .unwrap_or(3600);
    if base == 0 || cap < base {
        bail!("--auth-lockout-secs must be at least 1 and at most --auth-lockout-max-secs");
    }
    let (base, cap) = (Duration::from_secs(base), Duration::from_secs(cap));
    let n = |a: Option<u32>, f: Option<u32>, d| a.or(f).unwrap_or(d);
    Ok(switchyard_voice::LoginPolicy {
        account: LockoutPolicy::new(n(args.auth_max_failures, s.auth_max_failures, 5), base, cap),
        source: LockoutPolicy::new(
            n(
                args.auth_source_max_failures,
                s.auth_source_max_failures,
                20,
            ),
            base,
            cap,
        ),
    })
}

/// `PER_SEC[,BURST]`; 0 turns the limit off.
fn parse_rate_limit(s: &str) -> Result<Option<switchyard_voice::RateLimit>> {
    let (rate, burst) = match s.split_once(',') {
        Some((r, b)) => (r.trim(), Some(b.trim())),
        None => (s.trim(), None),
    };
    let per_second: u32 = rate
        .parse()
        .context("--sip-rate-limit: PER_SEC[,BURST], whole numbers")?;
    if per_second == 0 {
        return Ok(None);
    }
    let burst = match burst {
        Some(b) => b
            .parse()
            .context("--sip-rate-limit: PER_SEC[,BURST], whole numbers")?,
        None => per_second.saturating_mul(2),
    };
    if burst < per_second {
        bail!("--sip-rate-limit: the burst must be at least the rate");
    }
    Ok(Some(switchyard_voice::RateLimit { per_second, burst }))
}

/// `COUNT/SECS` of a callback rate limit; `0` turns it off.
fn callback_limit(flag: &str, s: &str) -> Result<switchyard_engine::callbacks::RateLimit> {
    switchyard_engine::callbacks::RateLimit::parse(s).map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

/// `--sip-trunk` and its companions, resolved to an address at start.
#[derive(Clone, Debug)]
pub(crate) struct TrunkSettings {
    pub(crate) uri: String,
    pub(crate) credentials: Option<switchyard_voice::ClientCredentials>,
    pub(crate) caller_id: String,
    pub(crate) ring: std::time::Duration,
}

impl TrunkSettings {
    fn resolve(
        args: &ServeArgs,
        s: &crate::config::ServerSection,
    ) -> Result<Option<TrunkSettings>> {
        let Some(uri) = args
            .sip_trunk
            .clone()
            .or(s.sip_trunk.clone())
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let user = args.sip_trunk_user.clone().or(s.sip_trunk_user.clone());
        let password = args
            .sip_trunk_password
            .clone()
            .or(s.sip_trunk_password.clone());
        let credentials = match (user, password) {
            (Some(username), Some(password)) => Some(switchyard_voice::ClientCredentials {
                username,
                password: password.expose().to_string(),
            }),
            (None, None) => None,
            _ => bail!("--sip-trunk-user and --sip-trunk-password go together"),
        };
        let caller_id = args
            .sip_trunk_caller_id
            .clone()
            .or(s.sip_trunk_caller_id.clone())
            .unwrap_or_else(|| "switchyard".into());
        let secs = args
            .callback_ring_secs
            .or(s.callback_ring_secs)
            .unwrap_or(30);
        if secs == 0 {
            bail!("--callback-ring-secs must be at least 1");
        }
        Ok(Some(TrunkSettings {
            uri,
            credentials,
            caller_id,
            ring: std::time::Duration::from_secs(secs),
        }))
    }

    async fn voice(&self) -> Result<switchyard_voice::Trunk> {
        let (host, addr) = switchyard_voice::Trunk::resolve(&self.uri)
            .await
            .with_context(|| format!("--sip-trunk {}", self.uri))?;
        Ok(switchyard_voice::Trunk {
            addr,
            host,
            credentials: self.credentials.clone(),
            caller_id: self.caller_id.clone(),
            customer_ring: self.ring,
        })
    }
}

/// The resolved `serve` settings.
#[derive(Clone, Debug)]
pub(crate) struct ServeSettings {
    pub(crate) base: Settings,
    pub(crate) http_listen: SocketAddr,
    pub(crate) sip: SipSettings,
    pub(crate) redis_url: Option<String>,
    pub(crate) redis_prefix: String,
    pub(crate) alarm_webhook: Option<String>,
    pub(crate) log_format: LogFormat,
    pub(crate) admin_token: Option<Secret>,
    pub(crate) no_demo: bool,
    /// `--demo`: create the demo tenant even off loopback.
    pub(crate) demo: bool,
    /// `--demo-password`: one known password for every demo agent.
    pub(crate) demo_password: Option<Secret>,
    /// Callback request rate limits.
    pub(crate) callback_limits: switchyard_engine::CallbackLimits,
    pub(crate) http: crate::http::HttpLimits,
    /// Lockout after failed logins, SIP and web alike.
    pub(crate) lockout: switchyard_voice::LoginPolicy,
}

impl ServeSettings {
    /// Command line / environment first, then the config file, then defaults.
    pub(crate) fn resolve(args: ServeArgs, file: &ConfigFile) -> Result<ServeSettings> {
        let s = &file.server;
        let trunk = TrunkSettings::resolve(&args, s)?;
        let admission = crate::admission::AdmissionSettings::resolve(&args, s)?;
        let lockout = login_policy(&args, s)?;
        let redis_url = args.redis_url.or(s.redis_url.clone());
        if let Some(u) = &redis_url
            && !(u.starts_with("redis://") || u.starts_with("rediss://"))
        {
            bail!("--redis-url must start with redis:// or rediss://");
        }
        let alarm_webhook = args
            .alarm_webhook
            .or(s.alarm_webhook.clone())
            .filter(|u| !u.is_empty());
        if let Some(u) = &alarm_webhook
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            bail!("--alarm-webhook must start with http:// or https://");
        }
        // An empty value (compose's `${SWITCHYARD_ADMIN_TOKEN:-}`) means "generate one".
        let admin_token = args.admin_token.filter(|t| !t.expose().is_empty());
        if let Some(t) = &admin_token
            && t.expose().len() < 16
        {
            bail!("--admin-token must be at least 16 characters");
        }
        let demo_password = args.demo_password.filter(|p| !p.expose().is_empty());
        crate::seed::check_demo_password(demo_password.as_ref())?;
        Ok(ServeSettings {
            base: Settings::resolve(&args.db, file),
            http_listen: args
                .http_listen
                .or(s.http_listen)
                .unwrap_or(([127, 0, 0, 1], 8080).into()),
            sip: SipSettings {
                listen: args
                    .sip_listen
                    .or(s.sip_listen)
                    .unwrap_or(([127, 0, 0, 1], 5060).into()),
                algorithms: switchyard_voice::VoiceConfig::parse_algorithms(
                    args.sip_algorithms.as_deref().unwrap_or("SHA-256,MD5"),
                )
                .context("--sip-algorithms")?,
                qualify: match args.sip_qualify_secs.unwrap_or(30) {
                    0 => None,
                    n => Some(std::time::Duration::from_secs(n)),
                },
                trunk,
                transport: args.sip_transport.resolve(s)?,
                rate_limit: parse_rate_limit(
                    args.sip_rate_limit
                        .as_deref()
                        .or(s.sip_rate_limit.as_deref())
                        .unwrap_or("1000,2000"),
                )?,
                admission,
            },
            redis_url,
            redis_prefix: args
                .redis_prefix
                .or(s.redis_prefix.clone())
                .unwrap_or_else(|| "switchyard".into()),
            alarm_webhook,
            log_format: args.log_format.or(s.log_format).unwrap_or(LogFormat::Text),
            admin_token,
            no_demo: args.no_demo,
            demo: args.demo,
            demo_password,
            callback_limits: switchyard_engine::CallbackLimits {
                per_number: callback_limit(
                    "--callback-limit-per-number",
                    args.callback_limit_per_number
                        .as_deref()
                        .or(s.callback_limit_per_number.as_deref())
                        .unwrap_or("3/3600"),
                )?,
                per_source: callback_limit(
                    "--callback-limit-per-source",
                    args.callback_limit_per_source
                        .as_deref()
                        .or(s.callback_limit_per_source.as_deref())
                        .unwrap_or("10/3600"),
                )?,
            },
            http: crate::http::HttpLimits::resolve(&args.http, s)?,
            lockout,
        })
    }
}

/// Runs the server until SIGTERM/SIGINT.
pub(crate) async fn run(cfg: ServeSettings, file: ConfigFile) -> Result<()> {
    let store = open_store(&cfg.base).await?;
    let fresh = store.is_empty().await?;
    let demo = if fresh && file.tenants.is_empty() {
        crate::seed::seed_demo(&store, &cfg).await?
    } else {
        None
    };
    crate::config::apply(&store, &file).await?;
    let admin = bootstrap_admin(
        &store,
        &cfg.base.data_dir,
        cfg.admin_token.as_ref().map(Secret::expose),
    )
    .await?;

    let (events, writer) = EventWriter::spawn(
        Some(store.clone()),
        Some(cfg.base.data_dir.join("queue_log")),
    );
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    // Runtime state: with Redis, waiting chats and callbacks are mirrored there and
    // put back in line after a restart; without it they live in this process only.
    let runtime = match &cfg.redis_url {
        Some(url) => Some(
            RuntimeStore::redis(url, &cfg.redis_prefix)
                .await
                .with_context(|| format!("connecting to Redis at {}", redact(url)))?,
        ),
        None => None,
    };
    let (changes, persister) = match &runtime {
        Some(r) => {
            let (tx, p) = Persister::spawn(r.clone());
            (Some(tx), Some(p))
        }
        None => (None, None),
    };
    let alarms = match &cfg.alarm_webhook {
        Some(url) => {
            let (hook, _task) = switchyard_engine::alarms::Webhook::spawn(url)?;
            tracing::info!(url = %redact(url), "queue alarms are POSTed to the webhook");
            Some(hook)
        }
        None => None,
    };
    let sinks = Sinks {
        events: Some(events),
        runtime: changes,
        alarms,
    };
    // The router and the voice edge run on the call thread (see call_thread.rs).
    let calls = CallThread::start()?;
    let (engine, engine_task) = calls.enter(|| Engine::spawn_with(Router::new(seed), sinks));
    // The router task only ends when told to; if it ends on its own (a bug made it
    // panic) the server is useless: stop, flush what we have and exit non-zero so the
    // supervisor restarts us (runtime state in Redis puts the line back).
    let (died_tx, engine_died) = tokio::sync::oneshot::channel::<()>();
    let engine_task = tokio::spawn(async move {
        let r = engine_task.await;
        let _ = died_tx.send(());
        r
    });
    let crashed = Arc::new(AtomicBool::new(false));
    let loaded = switchyard_engine::load_from_store(&engine, &store).await?;
    engine.callbacks().set_limits(cfg.callback_limits);
    let policies = engine.callbacks().load(&store).await?;
    tracing::info!(tenants = policies, limits = ?cfg.callback_limits, "callback policies loaded");
    if let Some(r) = &runtime {
        let waiting = r.all().await.context("reading runtime state from Redis")?;
        let found = waiting.len();
        let restored = engine.restore(waiting).await?;
        tracing::info!(found, restored, "waiting interactions restored from Redis");
    }
    tracing::info!(
        queues = loaded.queues,
        agents = loaded.agents,
        memberships = loaded.memberships,
        "router loaded"
    );

    // The SIP voice edge (crates/voice): registrar for agents' phones, callers into
    // queues, media anchored here.
    let voice_config = switchyard_voice::VoiceConfig {
        listen: cfg.sip.listen,
        realm: cfg.base.sip_realm.clone(),
        lockout: cfg.lockout,
        algorithms: cfg.sip.algorithms.clone(),
        qualify: cfg.sip.qualify,
        sounds_dirs: sounds_dirs(&cfg.base.data_dir),
        tenant_sounds_dir: Some(cfg.base.data_dir.join("sounds")),
        voicemail_dir: cfg.base.data_dir.join("voicemail"),
        rate_limit: cfg.sip.rate_limit,
        admission: cfg.sip.admission.config(&store).await?,
        transport: cfg.sip.transport.clone(),
        trunk: match &cfg.sip.trunk {
            Some(t) => Some(t.voice().await?),
            None => None,
        },
    };
    let voice = calls
        .run(switchyard_voice::start(
            voice_config,
            store.clone(),
            engine.clone(),
        ))
        .await?
        .context("starting the SIP edge")?;
    let sip_addr = voice.local_addr;
    tracing::info!(sip_listen = %cfg.sip.listen, sip = %sip_addr, "SIP edge listening (UDP and TCP)");
    if let Some(sips) = voice.tls_addr {
        tracing::info!(%sips, "SIP edge listening (TLS)");
    }
    if let Some(u) = &cfg.redis_url {
        tracing::info!(redis = %redact(u), prefix = %cfg.redis_prefix, "runtime state mirrored to Redis");
    }

    let listener = tokio::net::TcpListener::bind(cfg.http_listen)
        .await
        .with_context(|| format!("binding {}", cfg.http_listen))?;
    let addr = listener.local_addr()?;
    let sounds_dir = cfg.base.data_dir.join("sounds");
    std::fs::create_dir_all(&sounds_dir)
        .with_context(|| format!("creating {}", sounds_dir.display()))?;
    let voicemail_dir = cfg.base.data_dir.join("voicemail");
    std::fs::create_dir_all(&voicemail_dir)
        .with_context(|| format!("creating {}", voicemail_dir.display()))?;
    let state = AppState {
        store: store.clone(),
        engine: engine.clone(),
        sounds_dir,
        voicemail_dir,
    };
    banner(&store, &cfg, addr, sip_addr, &admin, demo.as_ref()).await?;

    // The web edge (chat WebSockets and the widget/agent/supervisor pages): issue 4.
    // Its dispatcher follows every router output: on the call thread with the router.
    let chat_config = switchyard_chat::ChatConfig {
        lockout: cfg.lockout,
        ping_interval: cfg.http.ws_ping,
        idle_timeout: cfg.http.ws_idle,
        ..switchyard_chat::ChatConfig::default()
    };
    let chat =
        calls.enter(|| switchyard_chat::ChatState::new(store.clone(), engine.clone(), chat_config));
    let ops = switchyard_api::OpsAccess {
        public: cfg.http.public_ops,
        token: cfg.http.ops_token.clone(),
    };
    let ops_router = switchyard_api::ops(state.clone());
    let app = switchyard_api::app(state.clone())
        .merge(switchyard_chat::routes(chat.clone()))
        .layer(axum::middleware::from_fn_with_state(
            (state, ops),
            switchyard_api::ops_guard,
        ));
    let app = crate::http::with_limits(app, &cfg.http);
    // `--ops-listen`: the operational endpoints without a token, on their own address.
    let (ops_stop, ops_stopped) = tokio::sync::oneshot::channel::<()>();
    let ops_task = match cfg.http.ops_listen {
        Some(a) => {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("binding --ops-listen {a}"))?;
            tracing::info!(ops = %l.local_addr()?, "operational endpoints listening");
            let limits = cfg.http.clone();
            let ops_app = crate::http::with_limits(ops_router, &limits);
            Some(tokio::spawn(async move {
                crate::http::serve(l, ops_app, &limits, async {
                    let _ = ops_stopped.await;
                })
                .await
            }))
        }
        None => None,
    };
    crate::http::serve(
        listener,
        app,
        &cfg.http,
        stop_when(shutdown_signal(), engine_died, crashed.clone()),
    )
    .await
    .context("HTTP server")?;
    let _ = ops_stop.send(());
    if let Some(t) = ops_task {
        let _ = t.await;
    }

    tracing::info!("shutting down: stopping the router, flushing the event log");
    voice.shutdown().await;
    chat.shutdown().await;
    engine.shutdown().await;
    let _ = engine_task.await;
    drop(engine);
    writer.finish().await;
    if let Some(p) = persister {
        // Redis may be away at shutdown; do not hang on it forever.
        if tokio::time::timeout(std::time::Duration::from_secs(10), p.finish())
            .await
            .is_err()
        {
            tracing::warn!("runtime state writes still pending after 10 s; giving up");
        }
    }
    store.close().await;
    drop(calls);
    if crashed.load(Ordering::SeqCst) {
        anyhow::bail!("the routing engine stopped unexpectedly (see the log above)");
    }
    tracing::info!("bye");
    Ok(())
}

/// Where prompts and music on hold are looked for: uploads in the data directory, the
/// working directory's `sounds/`, the source tree's (development builds), the packaged copy.
fn sounds_dirs(data_dir: &Path) -> Vec<PathBuf> {
    vec![
        data_dir.join("sounds"),
        PathBuf::from("sounds"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds"),
        PathBuf::from("/usr/share/switchyard/sounds"),
    ]
}

/// Resolves on SIGTERM/SIGINT, or when the routing engine task ends by itself.
async fn stop_when(
    signal: impl std::future::Future<Output = ()>,
    engine_died: tokio::sync::oneshot::Receiver<()>,
    crashed: Arc<AtomicBool>,
) {
    tokio::select! {
        _ = signal => {}
        _ = engine_died => {
            crashed.store(true, Ordering::SeqCst);
            tracing::error!("the routing engine stopped unexpectedly; shutting down");
        }
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
        _ => url.to_string(),
    }
}

/// The bootstrap admin token, when it was generated by this start (shown once), and
/// where it is.
pub(crate) struct Admin {
    token: Option<String>,
    source: String,
}

/// Ensures a deployment-wide admin token exists and returns it when we know it.
async fn bootstrap_admin(store: &Store, data_dir: &Path, given: Option<&str>) -> Result<Admin> {
    if let Some(t) = given {
        if !store.token_exists(t).await? {
            store
                .create_token(
                    None,
                    Role::Admin,
                    None,
                    "bootstrap (--admin-token)",
                    Some(t),
                )
                .await?;
        }
        return Ok(Admin {
            token: None,
            source: "the one given with --admin-token / SWITCHYARD_ADMIN_TOKEN".into(),
        });
    }
    let file: PathBuf = data_dir.join("admin_token");
    if let Ok(t) = std::fs::read_to_string(&file) {
        let t = t.trim().to_string();
        if store.token_exists(&t).await? {
            // Shown only when generated: later starts point at the file.
            return Ok(Admin {
                token: None,
                source: format!("in {} (shown only when generated)", file.display()),
            });
        }
    }
    let roots = store
        .list_tokens(
            None,
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .await?;
    if !roots.is_empty() {
        return Ok(Admin {
            token: None,
            source: "created earlier; make another with `switchyard token create`".into(),
        });
    }
    let (_, secret) = store
        .create_token(None, Role::Admin, None, "bootstrap (generated)", None)
        .await?;
    write_private(&file, &secret)?;
    Ok(Admin {
        token: Some(secret),
        source: format!(
            "generated now and shown only this once; also in {} (mode 0600)",
            file.display()
        ),
    })
}

fn write_private(path: &Path, secret: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(f, "{secret}")?;
    Ok(())
}

async fn banner(
    store: &Store,
    cfg: &ServeSettings,
    addr: SocketAddr,
    sip: SocketAddr,
    admin: &Admin,
    demo: Option<&DemoCredentials>,
) -> Result<()> {
    let base = format!("http://{addr}");
    let mut out = String::new();
    out.push_str("\nSwitchyard is running.\n");
    out.push_str(&format!("  REST API      {base}/api/v1\n"));
    out.push_str(&format!(
        "  API docs      {base}/docs   (OpenAPI: {base}/api/v1/openapi.json)\n"
    ));
    out.push_str(&format!(
        "  health        {base}/healthz  {base}/readyz  {base}/metrics\n"
    ));
    if !cfg.http.public_ops {
        out.push_str("                (/metrics and /docs need a bearer token; see --public-ops, --ops-listen)\n");
    }
    out.push_str(&format!(
        "  web pages     {base}/demo (chat widget)  {base}/agent  {base}/supervisor\n"
    ));
    out.push_str(&format!(
        "  SIP           {sip} (UDP and TCP; dial a queue's number)\n"
    ));
    out.push_str(&format!(
        "  data dir      {}\n",
        cfg.base.data_dir.display()
    ));
    out.push_str(&format!(
        "  database      {}\n",
        redact(&cfg.base.database_url)
    ));
    out.push_str(&format!(
        "  queue_log     {}\n",
        cfg.base.data_dir.join("queue_log").display()
    ));
    match &admin.token {
        Some(t) => out.push_str(&format!("  admin token   {t}   ({})\n", admin.source)),
        None => out.push_str(&format!("  admin token   ({})\n", admin.source)),
    }
    if let Some(t) = store.tenant_by_name(DEMO_TENANT).await? {
        out.push_str(&format!(
            "\nDemo tenant {:?} (id {}): queues sales (dial 500) and support (dial 501).\n",
            t.name, t.id
        ));
        crate::seed::describe(&mut out, demo);
    }
    // stdout, not the log: the one place a generated secret is shown.
    println!("{out}");
    tracing::info!(http = %addr, "listening");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("signal received: no new connections, finishing requests");
}
