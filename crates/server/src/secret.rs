//! A string that must never reach a log line: passwords and tokens read from the
//! command line, the environment or a config file. Its `Debug` prints `***`, so a
//! `{:?}` of the CLI arguments, the resolved settings or a config section is safe.

use serde::Deserialize;

/// A secret string; read it with [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn debug_of_the_cli_args_and_config_never_shows_a_secret() {
        let cli = crate::cli::Cli::try_parse_from([
            "switchyard",
            "serve",
            "--admin-token",
            "admin-token-abcdefgh-123",
            "--sip-trunk",
            "sip:127.0.0.1:5099",
            "--sip-trunk-user",
            "trunk",
            "--sip-trunk-password",
            "trunk-pw-XYZ",
            "--demo-password",
            "demo-pw-QRS",
        ])
        .unwrap();
        let text = format!("{cli:?}");
        for s in ["admin-token-abcdefgh-123", "trunk-pw-XYZ", "demo-pw-QRS"] {
            assert!(!text.contains(s), "{s} in {text}");
        }
        assert!(text.contains("Secret(***)"), "{text}");
        let crate::cli::Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let file = crate::config::ConfigFile::parse(
            "[server]\nsip_trunk_password = \"file-pw-1\"\n[[tenants]]\nname = \"t\"\n\
             [[tenants.agents]]\nname = \"a\"\nsip_username = \"1\"\nsip_password = \"sip-pw-2\"\n\
             chat_login = \"a\"\nchat_password = \"chat-pw-3\"\n",
        )
        .unwrap();
        let settings = crate::serve::ServeSettings::resolve(args, &file).unwrap();
        let text = format!("{file:?} {settings:?}");
        for s in [
            "admin-token-abcdefgh-123",
            "trunk-pw-XYZ",
            "demo-pw-QRS",
            "file-pw-1",
            "sip-pw-2",
            "chat-pw-3",
        ] {
            assert!(!text.contains(s), "{s} in {text}");
        }
    }
}
