//! `switchyard-bench`: load tool for a running Switchyard server.
//!
//! `switchyard-bench chat --url URL --token ADMIN_TOKEN --waiters N --agents M
//! [--queues Q] [--duration S] [--samples K] [--server-pid PID] [--json]` creates its own
//! tenant, queues and agents over REST, opens real WebSockets and measures pickup
//! latency, position fan-out, waiters held and server memory. Loopback only, bounded
//! in count and time; the tenant is deleted at the end.

mod client;
mod error;
mod report;
mod rest;
mod scenario;
mod waiters;

use clap::{Args, Parser, Subcommand};
use error::{Error, Result};
use std::net::{SocketAddr, ToSocketAddrs};

/// Load tool for Switchyard.
#[derive(Debug, Parser)]
#[command(name = "switchyard-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chat customers waiting and agents picking up, over real WebSockets.
    Chat(ChatArgs),
}

/// Options of `switchyard-bench chat`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChatArgs {
    /// Server base URL (loopback only), e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub(crate) url: String,
    /// Deployment-wide admin token (creates and deletes the bench tenant).
    #[arg(long, env = "SWITCHYARD_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) token: String,
    /// Waiting customers to hold (1..=100000).
    #[arg(long, default_value_t = 1000)]
    pub(crate) waiters: usize,
    /// Agents serving the waiters' queues (1..=1000); one more idle agent is added.
    #[arg(long, default_value_t = 4)]
    pub(crate) agents: usize,
    /// Queues the waiters are spread over (1..=1000).
    #[arg(long, default_value_t = 1)]
    pub(crate) queues: usize,
    /// Seconds to hold the full load before measuring memory (0..=600).
    #[arg(long, default_value_t = 5)]
    pub(crate) duration: u64,
    /// Pickups measured per kind (1..=10000).
    #[arg(long, default_value_t = 100)]
    pub(crate) samples: usize,
    /// Least time between two pickup samples, ms: by default long enough for the
    /// previous pickup's position fan-out to finish (0: back to back, within the
    /// per-socket rate limit).
    #[arg(long, default_value_t = 250)]
    pub(crate) spacing_ms: u64,
    /// The server's process id, to read its VmRSS from /proc (else /metrics).
    #[arg(long)]
    pub(crate) server_pid: Option<u32>,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub(crate) json: bool,
}

fn check(a: &ChatArgs) -> Result<SocketAddr> {
    if !(1..=100_000).contains(&a.waiters) {
        return Err(Error::Usage("--waiters must be 1..=100000"));
    }
    if !(1..=1000).contains(&a.agents) || !(1..=1000).contains(&a.queues) {
        return Err(Error::Usage("--agents and --queues must be 1..=1000"));
    }
    if a.duration > 600 || !(1..=10_000).contains(&a.samples) {
        return Err(Error::Usage("--duration at most 600, --samples 1..=10000"));
    }
    let hostport = a
        .url
        .strip_prefix("http://")
        .ok_or(Error::Usage("--url must be http://host:port"))?
        .trim_end_matches('/');
    let addr = hostport
        .to_socket_addrs()
        .map_err(|_| Error::Usage("--url host:port does not resolve"))?
        .find(SocketAddr::is_ipv4)
        .ok_or(Error::Usage("--url must resolve to an IPv4 address"))?;
    if !addr.ip().is_loopback() {
        return Err(Error::Usage("the load tool only targets loopback servers"));
    }
    Ok(addr)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let Command::Chat(args) = cli.command;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchyard-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = rt.block_on(async {
        let addr = check(&args)?;
        scenario::run(&args, addr).await
    });
    match outcome {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                println!("{}", report.human());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchyard-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
