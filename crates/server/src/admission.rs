//! SIP admission settings (who may call, how much): `--sip-trunks-in`, the call caps, and
//! `[[server.sip_trunk_in]]` tables for trunks with credentials, tenants or their own
//! limits. Resolved into the SIP endpoint's [`AdmissionConfig`].

use crate::cli::ServeArgs;
use crate::config::ServerSection;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use switchyard_store::Store;
use switchyard_voice::{AdmissionConfig, CallLimits, Cidr, RateLimit, TrunkIn};

/// `[[server.sip_trunk_in]]`: one inbound trunk.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrunkInSpec {
    /// Its name in logs and metrics.
    pub(crate) name: String,
    /// Source addresses / CIDR blocks.
    pub(crate) sources: Vec<String>,
    /// Digest user name the trunk must answer our 407 with (with `password`).
    pub(crate) user: Option<String>,
    /// Digest password (keep the file private).
    pub(crate) password: Option<String>,
    /// Names of the tenants whose numbers it may call (empty: any).
    #[serde(default)]
    pub(crate) tenants: Vec<String>,
    /// Calls up at once over this trunk.
    pub(crate) max_calls: Option<u32>,
    /// New calls per second, `PER_SEC[,BURST]`.
    pub(crate) call_rate: Option<String>,
    /// SIP datagrams per second per source address, `PER_SEC[,BURST]`.
    pub(crate) rate_limit: Option<String>,
}

/// Admission resolved from flags, environment and file; trunks' tenant names still names.
#[derive(Clone, Debug)]
pub(crate) struct AdmissionSettings {
    config: AdmissionConfig,
    tenant_names: Vec<Vec<String>>,
}

/// `PER_SEC[,BURST]` (burst twice the rate by default); `0` turns the limit off.
pub(crate) fn parse_rate(s: &str, what: &str) -> Result<RateLimit> {
    let bad = || format!("{what}: PER_SEC[,BURST], whole numbers");
    let (rate, burst) = match s.split_once(',') {
        Some((r, b)) => (r.trim(), Some(b.trim())),
        None => (s.trim(), None),
    };
    let per_second: u32 = rate.parse().with_context(bad)?;
    let burst = match burst {
        Some(b) => b.parse().with_context(bad)?,
        None => per_second.saturating_mul(2),
    };
    if burst < per_second {
        bail!("{what}: the burst must be at least the rate");
    }
    Ok(RateLimit { per_second, burst })
}

impl AdmissionSettings {
    /// Command line / environment first, then the config file, then defaults.
    pub(crate) fn resolve(args: &ServeArgs, s: &ServerSection) -> Result<AdmissionSettings> {
        let rate = |arg: &Option<String>, file: &Option<String>, default: RateLimit, what| match arg
            .as_deref()
            .or(file.as_deref())
        {
            Some(v) => parse_rate(v, what),
            None => Ok(default),
        };
        let trunk_defaults = CallLimits {
            max_concurrent: args
                .sip_trunk_max_calls
                .or(s.sip_trunk_max_calls)
                .unwrap_or(CallLimits::TRUNK.max_concurrent),
            rate: rate(
                &args.sip_trunk_call_rate,
                &s.sip_trunk_call_rate,
                CallLimits::TRUNK.rate,
                "--sip-trunk-call-rate",
            )?,
        };
        let trunk_datagrams = rate(
            &args.sip_trunk_rate_limit,
            &s.sip_trunk_rate_limit,
            TrunkIn::DATAGRAMS,
            "--sip-trunk-rate-limit",
        )?;
        let mut config = AdmissionConfig {
            per_source: CallLimits {
                max_concurrent: args
                    .sip_source_max_calls
                    .or(s.sip_source_max_calls)
                    .unwrap_or(CallLimits::SOURCE.max_concurrent),
                rate: rate(
                    &args.sip_source_call_rate,
                    &s.sip_source_call_rate,
                    CallLimits::SOURCE.rate,
                    "--sip-source-call-rate",
                )?,
            },
            global: CallLimits {
                max_concurrent: args
                    .sip_max_calls
                    .or(s.sip_max_calls)
                    .unwrap_or(CallLimits::GLOBAL.max_concurrent),
                rate: rate(
                    &args.sip_call_rate,
                    &s.sip_call_rate,
                    CallLimits::GLOBAL.rate,
                    "--sip-call-rate",
                )?,
            },
            ..AdmissionConfig::default()
        };
        let mut tenant_names = Vec::new();
        let list = args.sip_trunks_in.as_deref().or(s.sip_trunks_in.as_deref());
        for cidr in Cidr::parse_list(list.unwrap_or("")).map_err(anyhow::Error::msg)? {
            config.trunks.push(TrunkIn {
                limits: trunk_defaults,
                datagrams: trunk_datagrams,
                ..TrunkIn::new(cidr.to_string(), vec![cidr])
            });
            tenant_names.push(Vec::new());
        }
        for t in &s.sip_trunk_in {
            let ctx = || format!("[[server.sip_trunk_in]] {:?}", t.name);
            let sources = Cidr::parse_list(&t.sources.join(","))
                .map_err(anyhow::Error::msg)
                .with_context(ctx)?;
            if sources.is_empty() {
                bail!("{}: at least one source address", ctx());
            }
            let credentials = match (&t.user, &t.password) {
                (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => {
                    Some((u.clone(), p.clone()))
                }
                (None, None) => None,
                _ => bail!("{}: user and password go together", ctx()),
            };
            config.trunks.push(TrunkIn {
                name: t.name.clone(),
                sources,
                credentials,
                tenants: Vec::new(),
                limits: CallLimits {
                    max_concurrent: t.max_calls.unwrap_or(trunk_defaults.max_concurrent),
                    rate: rate(&None, &t.call_rate, trunk_defaults.rate, "call_rate")
                        .with_context(ctx)?,
                },
                datagrams: rate(&None, &t.rate_limit, trunk_datagrams, "rate_limit")
                    .with_context(ctx)?,
            });
            tenant_names.push(t.tenants.clone());
        }
        Ok(AdmissionSettings {
            config,
            tenant_names,
        })
    }

    /// The endpoint's settings, with trunks' tenant names turned into ids.
    pub(crate) async fn config(&self, store: &Store) -> Result<AdmissionConfig> {
        let mut config = self.config.clone();
        for (trunk, names) in config.trunks.iter_mut().zip(&self.tenant_names) {
            for name in names {
                let t = store
                    .tenant_by_name(name)
                    .await?
                    .with_context(|| format!("SIP trunk {:?}: no tenant {name:?}", trunk.name))?;
                trunk.tenants.push(t.id as u64);
            }
            let auth = if trunk.credentials.is_some() {
                "digest"
            } else {
                "address"
            };
            tracing::info!(trunk = trunk.name, sources = ?trunk.sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
                auth, tenants = ?trunk.tenants, "inbound SIP trunk");
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["switchyard", "serve"];
        argv.extend(extra);
        match Cli::parse_from(argv).command {
            Command::Serve(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn flags_file_and_defaults() {
        let file = crate::config::ConfigFile::parse(
            r#"
            [server]
            sip_source_max_calls = 3
            [[server.sip_trunk_in]]
            name = "carrier"
            sources = ["198.51.100.0/28"]
            user = "carrier"
            password = "s3cret-trunk"
            tenants = ["acme"]
            call_rate = "50"
            "#,
        )
        .unwrap();
        let a = AdmissionSettings::resolve(
            &args(&[
                "--sip-trunks-in",
                "10.0.0.0/24,192.0.2.7",
                "--sip-call-rate",
                "300,600",
            ]),
            &file.server,
        )
        .unwrap();
        let c = &a.config;
        assert_eq!(c.trunks.len(), 3);
        assert_eq!(c.trunks[0].name, "10.0.0.0/24");
        assert_eq!(c.trunks[1].limits, CallLimits::TRUNK);
        assert_eq!(c.trunks[1].datagrams, TrunkIn::DATAGRAMS);
        assert_eq!(
            c.trunks[2].credentials,
            Some(("carrier".into(), "s3cret-trunk".into()))
        );
        assert_eq!(
            c.trunks[2].limits.rate,
            RateLimit {
                per_second: 50,
                burst: 100
            }
        );
        assert_eq!(a.tenant_names[2], ["acme"]);
        assert_eq!(c.per_source.max_concurrent, 3);
        assert_eq!(c.per_source.rate, CallLimits::SOURCE.rate);
        assert_eq!(
            c.global.rate,
            RateLimit {
                per_second: 300,
                burst: 600
            }
        );
        assert_eq!(c.global.max_concurrent, CallLimits::GLOBAL.max_concurrent);
        let none = AdmissionSettings::resolve(&args(&[]), &file.server).unwrap();
        assert_eq!(none.config.trunks.len(), 1, "only the file's");
        for bad in [
            &["--sip-trunks-in", "10.0.0.0/99"][..],
            &["--sip-call-rate", "10,5"],
            &["--sip-source-call-rate", "x"],
        ] {
            assert!(
                AdmissionSettings::resolve(&args(bad), &file.server).is_err(),
                "{bad:?}"
            );
        }
    }
}
