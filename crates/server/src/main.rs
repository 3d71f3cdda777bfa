//! The `switchyard` binary. See `switchyard --help`.

mod admission;
mod call_thread;
mod cli;
mod config;
mod export;
mod http;
mod secret;
mod seed;
mod serve;
mod sip_transport;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cli::{Cli, Command, ConfigCommand, DbArgs, LogFormat, RoleArg, TokenCommand};
use config::ConfigFile;
use std::path::PathBuf;
use switchyard_store::{Page, Role, Store};

/// Data directory and database, resolved.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: String,
    /// SIP digest realm (part of every stored HA1).
    pub(crate) sip_realm: String,
}

impl Settings {
    pub(crate) fn resolve(db: &DbArgs, file: &ConfigFile) -> Settings {
        let data_dir = db
            .data_dir
            .clone()
            .or(file.server.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = db
            .database_url
            .clone()
            .or(file.server.database_url.clone())
            .unwrap_or_else(|| {
                let abs = std::path::absolute(&data_dir).unwrap_or(data_dir.clone());
                format!("sqlite://{}", abs.join("switchyard.db").display())
            });
        let sip_realm = db
            .sip_realm
            .clone()
            .or(file.server.sip_realm.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| switchyard_store::DEFAULT_SIP_REALM.to_owned());
        Settings {
            data_dir,
            database_url,
            sip_realm,
        }
    }
}

/// Creates the data dir, connects and migrates.
pub(crate) async fn open_store(s: &Settings) -> Result<Store> {
    std::fs::create_dir_all(&s.data_dir)
        .with_context(|| format!("creating {}", s.data_dir.display()))?;
    let store = Store::connect(&s.database_url)
        .await
        .context("connecting to the database")?
        .with_sip_realm(&s.sip_realm);
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

fn load_file(path: &Option<PathBuf>) -> Result<ConfigFile> {
    match path {
        Some(p) => ConfigFile::load(p),
        None => Ok(ConfigFile::default()),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => b.init(),
        LogFormat::Json => b.json().init(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let file = load_file(&args.db.config)?;
            let cfg = serve::ServeSettings::resolve(args, &file)?;
            init_logging(cfg.log_format);
            serve::run(cfg, file).await
        }
        Command::Migrate(db) => {
            init_logging(LogFormat::Text);
            let s = Settings::resolve(&db, &load_file(&db.config)?);
            let store = open_store(&s).await?;
            store.close().await;
            println!("database schema is up to date ({})", s.database_url);
            Ok(())
        }
        Command::Token(TokenCommand::Create(t)) => {
            init_logging(LogFormat::Text);
            let s = Settings::resolve(&t.db, &load_file(&t.db.config)?);
            let store = open_store(&s).await?;
            let secret = create_token(&store, &t).await;
            store.close().await;
            println!("{}", secret?);
            Ok(())
        }
        Command::Config(ConfigCommand::Check { file }) => {
            let c = ConfigFile::load(&file)?;
            let queues: usize = c.tenants.iter().map(|t| t.queues.len()).sum();
            let agents: usize = c.tenants.iter().map(|t| t.agents.len()).sum();
            println!(
                "{}: OK ({} tenants, {queues} queues, {agents} agents)",
                file.display(),
                c.tenants.len()
            );
            Ok(())
        }
        Command::Config(ConfigCommand::Export {
            db,
            tenant,
            with_secrets,
        }) => {
            init_logging(LogFormat::Text);
            let s = Settings::resolve(&db, &load_file(&db.config)?);
            let store = open_store(&s).await?;
            let text = export::export(&store, tenant.as_deref(), with_secrets).await;
            store.close().await;
            print!("{}", text?);
            Ok(())
        }
    }
}

async fn create_token(store: &Store, t: &cli::TokenCreate) -> Result<String> {
    let all = Page {
        limit: i64::MAX,
        offset: 0,
    };
    let tenant = match &t.tenant {
        None => None,
        Some(x) => {
            let found = match x.parse::<i64>() {
                Ok(id) => store.tenant(id).await.ok(),
                Err(_) => store.tenant_by_name(x).await?,
            };
            Some(found.with_context(|| format!("no tenant {x:?}"))?)
        }
    };
    let role = match t.role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Supervisor => Role::Supervisor,
        RoleArg::Agent => Role::Agent,
    };
    if role != Role::Admin && tenant.is_none() {
        bail!("--tenant is required for the {role:?} role");
    }
    let agent = match (&t.agent, &tenant) {
        (Some(a), Some(tn)) => {
            let agents = store.list_agents(tn.id, None, all).await?;
            let found = agents
                .into_iter()
                .find(|x| x.name == *a || x.id.to_string() == *a);
            Some(
                found
                    .with_context(|| format!("no agent {a:?} in tenant {:?}", tn.name))?
                    .id,
            )
        }
        (Some(_), None) => bail!("--agent needs --tenant"),
        (None, _) => None,
    };
    if (role == Role::Agent) != agent.is_some() {
        bail!("--agent is required for, and only for, the agent role");
    }
    let (_, secret) = store
        .create_token(tenant.map(|x| x.id), role, agent, &t.name, None)
        .await?;
    Ok(secret)
}
