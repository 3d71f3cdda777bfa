//! Command line: `switchyard serve | migrate | token create | config check`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Switchyard: an open-source ACD. Callers, chats and callbacks wait in the same queues;
/// one router hands each to the right agent.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
// Parsed once at start: the size of `serve`'s options does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    /// Run the server: REST API, router, event log (and, when built in, the SIP edge).
    #[command(
        after_long_help = "Each option can also be set with its SWITCHYARD_* environment \
variable, and all but --config, --admin-token and the --demo options in the config file's [server] table; \
the command line wins over the environment, which wins over the file. Log verbosity follows RUST_LOG \
(default: info,sqlx=warn). On an empty store a demo tenant is created when the HTTP listener is on \
loopback (or with --demo) unless --no-demo; its passwords are generated and printed once. \
SIGTERM or SIGINT stops the server gracefully."
    )]
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with config-as-code files.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Where the data lives; shared by every subcommand touching the database.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArgs {
    /// Data directory: SQLite database, queue_log, sounds, generated admin token.
    /// [default: ./data]
    #[arg(long, env = "SWITCHYARD_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `postgres://user@host/db` for PostgreSQL, `sqlite://path` for a
    /// SQLite file. [default: sqlite://<data-dir>/switchyard.db]
    #[arg(long, env = "SWITCHYARD_DATABASE_URL", value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// TOML file with `[server]` settings and tenants/queues/agents/schedules to apply.
    #[arg(long, short = 'c', env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// SIP digest realm, fixed per deployment: SIP passwords are stored as HA1, which
    /// includes it, so changing it means setting every SIP password again.
    /// [default: switchyard]
    #[arg(long, env = "SWITCHYARD_SIP_REALM", value_name = "REALM")]
    pub(crate) sip_realm: Option<String>,
}

/// `switchyard serve` options. Each also reads a `SWITCHYARD_…` environment variable;
/// the command line wins over the environment, which wins over the config file's
/// `[server]` table.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    /// Database and data directory.
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Address of the HTTP server (REST API, /docs, /metrics). [default: 127.0.0.1:8080]
    #[arg(long, env = "SWITCHYARD_HTTP_LISTEN", value_name = "ADDR")]
    pub(crate) http_listen: Option<SocketAddr>,
    /// Address the SIP edge listens on (UDP and TCP). [default: 127.0.0.1:5060]
    #[arg(long, env = "SWITCHYARD_SIP_LISTEN", value_name = "ADDR")]
    pub(crate) sip_listen: Option<SocketAddr>,
    /// SIP digest algorithms offered to phones, most preferred first (`SHA-256,MD5`
    /// follows RFC 8760; phones that only know MD5 and take the first challenge, such
    /// as SIPp 3.6.1, need `MD5,SHA-256`). [default: SHA-256,MD5]
    #[arg(long, env = "SWITCHYARD_SIP_ALGORITHMS", value_name = "LIST")]
    pub(crate) sip_algorithms: Option<String>,
    /// Seconds between OPTIONS probes to registered phones; a phone that stops
    /// answering is unreachable (no calls). 0 turns probing off. [default: 30]
    #[arg(long, env = "SWITCHYARD_SIP_QUALIFY_SECS", value_name = "SECS")]
    pub(crate) sip_qualify_secs: Option<u64>,
    /// Most SIP datagrams one source address may send per second, with a burst
    /// allowance (`PER_SEC[,BURST]`, burst twice the rate by default; 0 turns the limit
    /// off). Excess is dropped before parsing, so a flood cannot starve phones and calls
    /// in progress. Raise it for a trunk or load generator carrying many calls from one
    /// address. [default: 1000,2000]
    #[arg(
        long,
        env = "SWITCHYARD_SIP_RATE_LIMIT",
        value_name = "PER_SEC[,BURST]"
    )]
    pub(crate) sip_rate_limit: Option<String>,
    /// Trusted inbound SIP trunks (carriers, SBCs): source addresses or CIDR blocks,
    /// comma-separated, each its own trunk (`10.0.0.0/24,192.0.2.7`). Their calls are
    /// accepted without authentication, their headers feed queues' SIP rules, and they
    /// get the --sip-trunk-* limits instead of the per-source ones. Trunks with digest
    /// credentials, tenants or their own limits: `[[server.sip_trunk_in]]` in the config
    /// file. Any other source must be an agent's phone (digest, 407) or call a tenant
    /// with `allow_anonymous_calls`; everything else gets 403. [default: none]
    #[arg(long, env = "SWITCHYARD_SIP_TRUNKS_IN", value_name = "CIDRS")]
    pub(crate) sip_trunks_in: Option<String>,
    /// Most calls up at once over one inbound trunk (excess: 503). [default: 10000]
    #[arg(long, env = "SWITCHYARD_SIP_TRUNK_MAX_CALLS", value_name = "N")]
    pub(crate) sip_trunk_max_calls: Option<u32>,
    /// New calls per second one inbound trunk may deliver, `PER_SEC[,BURST]` (excess:
    /// 503 with Retry-After; 0 turns it off). [default: 500,1000]
    #[arg(
        long,
        env = "SWITCHYARD_SIP_TRUNK_CALL_RATE",
        value_name = "PER_SEC[,BURST]"
    )]
    pub(crate) sip_trunk_call_rate: Option<String>,
    /// SIP datagrams per second from one trunk address, replacing --sip-rate-limit for
    /// trunks; the default carries 200 calls/s from one address. [default: 5000,10000]
    #[arg(
        long,
        env = "SWITCHYARD_SIP_TRUNK_RATE_LIMIT",
        value_name = "PER_SEC[,BURST]"
    )]
    pub(crate) sip_trunk_rate_limit: Option<String>,
    /// Most calls up at once from one source address that is not a trunk (agents'
    /// phones, anonymous callers; excess: 503). [default: 10]
    #[arg(long, env = "SWITCHYARD_SIP_SOURCE_MAX_CALLS", value_name = "N")]
    pub(crate) sip_source_max_calls: Option<u32>,
    /// New calls per second from one source address that is not a trunk,
    /// `PER_SEC[,BURST]` (excess: 503 with Retry-After). [default: 5,10]
    #[arg(
        long,
        env = "SWITCHYARD_SIP_SOURCE_CALL_RATE",
        value_name = "PER_SEC[,BURST]"
    )]
    pub(crate) sip_source_call_rate: Option<String>,
    /// Most calls up at once in all (excess: 503). [default: 20000]
    #[arg(long, env = "SWITCHYARD_SIP_MAX_CALLS", value_name = "N")]
    pub(crate) sip_max_calls: Option<u32>,
    /// New calls per second in all, `PER_SEC[,BURST]` (excess: 503 with Retry-After).
    /// [default: 1000,2000]
    #[arg(long, env = "SWITCHYARD_SIP_CALL_RATE", value_name = "PER_SEC[,BURST]")]
    pub(crate) sip_call_rate: Option<String>,
    /// External addresses, RTP ports, SIPS and SIP transport limits.
    #[command(flatten)]
    pub(crate) sip_transport: crate::sip_transport::SipTransportArgs,
    /// Outbound SIP trunk that callbacks are dialled through, `sip:host[:port]`: once an
    /// agent's phone has answered a callback, Switchyard calls `sip:<number>@host` and
    /// bridges the two. Without it callbacks are offered to agents' desktops, which show
    /// the number to dial.
    #[arg(long, env = "SWITCHYARD_SIP_TRUNK", value_name = "URI")]
    pub(crate) sip_trunk: Option<String>,
    /// User name for the trunk's digest challenges (401/407).
    #[arg(long, env = "SWITCHYARD_SIP_TRUNK_USER", value_name = "USER")]
    pub(crate) sip_trunk_user: Option<String>,
    /// Password for the trunk's digest challenges. Prefer the environment variable.
    #[arg(
        long,
        env = "SWITCHYARD_SIP_TRUNK_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub(crate) sip_trunk_password: Option<crate::secret::Secret>,
    /// Caller ID customers see on callbacks. [default: switchyard]
    #[arg(long, env = "SWITCHYARD_SIP_TRUNK_CALLER_ID", value_name = "NUMBER")]
    pub(crate) sip_trunk_caller_id: Option<String>,
    /// Seconds a customer's phone may ring on a callback before the attempt counts as
    /// failed (retried per the queue's callback policy). [default: 30]
    #[arg(long, env = "SWITCHYARD_CALLBACK_RING_SECS", value_name = "SECS")]
    pub(crate) callback_ring_secs: Option<u64>,
    /// Most callback requests for one number (per tenant) in a window, `COUNT/SECS`
    /// (0 turns the limit off). Counted over the widget, REST and the phone menu.
    /// [default: 3/3600]
    #[arg(
        long,
        env = "SWITCHYARD_CALLBACK_LIMIT_PER_NUMBER",
        value_name = "COUNT/SECS"
    )]
    pub(crate) callback_limit_per_number: Option<String>,
    /// Most callback requests from one source (widget client address, API token,
    /// calling number) per tenant in a window, `COUNT/SECS`, refused numbers included
    /// (0 turns the limit off). [default: 10/3600]
    #[arg(
        long,
        env = "SWITCHYARD_CALLBACK_LIMIT_PER_SOURCE",
        value_name = "COUNT/SECS"
    )]
    pub(crate) callback_limit_per_source: Option<String>,
    /// Redis URL for runtime state (`redis://host:6379`): waiting chats and callbacks
    /// are mirrored there and put back in line after a restart. Without it runtime
    /// state lives only in this process's memory.
    #[arg(long, env = "SWITCHYARD_REDIS_URL", value_name = "URL")]
    pub(crate) redis_url: Option<String>,
    /// Key prefix in Redis; give each deployment sharing one Redis its own.
    /// [default: switchyard]
    #[arg(long, env = "SWITCHYARD_REDIS_PREFIX", value_name = "PREFIX")]
    pub(crate) redis_prefix: Option<String>,
    /// URL that max-wait and max-depth alarms are POSTed to as JSON (`http://…` or
    /// `https://…`); 3 attempts each, in the background, never delaying routing.
    #[arg(long, env = "SWITCHYARD_ALARM_WEBHOOK", value_name = "URL")]
    pub(crate) alarm_webhook: Option<String>,
    /// Log format on stderr. [default: text]
    #[arg(long, env = "SWITCHYARD_LOG_FORMAT", value_enum, value_name = "FORMAT")]
    pub(crate) log_format: Option<LogFormat>,
    /// Bootstrap admin token (deployment-wide) instead of a generated one; handy for
    /// automation. Keep it secret.
    #[arg(
        long,
        env = "SWITCHYARD_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub(crate) admin_token: Option<crate::secret::Secret>,
    /// Failed logins in a row that lock an account (SIP user name or chat login) for
    /// the lockout time; 0 turns account lockout off. [default: 5]
    #[arg(long, env = "SWITCHYARD_AUTH_MAX_FAILURES", value_name = "N")]
    pub(crate) auth_max_failures: Option<u32>,
    /// Failed logins in a row from one source IP address (any account) that lock the
    /// address; keep it above the number of phones behind one NAT. 0 turns it off.
    /// [default: 20]
    #[arg(long, env = "SWITCHYARD_AUTH_SOURCE_MAX_FAILURES", value_name = "N")]
    pub(crate) auth_source_max_failures: Option<u32>,
    /// Length of a first lock in seconds; each further lock of the same account or
    /// address doubles it, up to --auth-lockout-max-secs. [default: 60]
    #[arg(long, env = "SWITCHYARD_AUTH_LOCKOUT_SECS", value_name = "SECS")]
    pub(crate) auth_lockout_secs: Option<u64>,
    /// Longest lock in seconds. [default: 3600]
    #[arg(long, env = "SWITCHYARD_AUTH_LOCKOUT_MAX_SECS", value_name = "SECS")]
    pub(crate) auth_lockout_max_secs: Option<u64>,
    /// Do not create the demo tenant on an empty store.
    #[arg(long, env = "SWITCHYARD_NO_DEMO", conflicts_with = "demo")]
    pub(crate) no_demo: bool,
    /// Create the demo tenant on an empty store even though the HTTP listener is not on
    /// a loopback address (by default the demo is only created on loopback).
    #[arg(long, env = "SWITCHYARD_DEMO")]
    pub(crate) demo: bool,
    /// Password of every demo agent (SIP and chat) instead of generated ones, for tests
    /// and scripted demos; at least 8 characters. Without it each demo password is
    /// generated at first start and printed once.
    #[arg(
        long,
        env = "SWITCHYARD_DEMO_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub(crate) demo_password: Option<crate::secret::Secret>,
    /// HTTP and WebSocket limits, operational endpoints.
    #[command(flatten)]
    pub(crate) http: crate::http::HttpArgs,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `switchyard token …`
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create an API token and print its secret (shown only once).
    Create(TokenCreate),
}

/// `switchyard token create` options.
#[derive(Debug, Args)]
pub(crate) struct TokenCreate {
    /// Database and data directory.
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Tenant name or id the token is scoped to; omit for a deployment-wide admin token.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Role: admin (everything in scope), supervisor (read + live actions), agent (own presence).
    #[arg(long, value_enum, default_value = "admin")]
    pub(crate) role: RoleArg,
    /// For the agent role: the agent's name or id.
    #[arg(long)]
    pub(crate) agent: Option<String>,
    /// A label for the token.
    #[arg(long, default_value = "cli")]
    pub(crate) name: String,
}

/// Token roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    /// Everything within its scope.
    Admin,
    /// Read everything of its tenant; live actions.
    Supervisor,
    /// Its own agent's presence only.
    Agent,
}

/// `switchyard config …`
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Parse and validate a config file without touching any database.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print the stored tenants, skills, schedules, queues, agents and memberships as a
    /// config file (to keep a deployment's configuration in version control).
    Export {
        /// Database and data directory.
        #[command(flatten)]
        db: DbArgs,
        /// Only this tenant (name).
        #[arg(long)]
        tenant: Option<String>,
        /// Include SIP passwords (stored in clear for digest auth). Chat passwords are
        /// stored hashed and can never be exported.
        #[arg(long)]
        with_secrets: bool,
    },
}
