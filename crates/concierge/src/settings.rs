//! Loads configuration: defaults < TOML file < `CONCIERGE_*` environment
//! (double underscore nests: `CONCIERGE_DATABASE__URL`) < command-line flags.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{bail, Context};
use concierge_core::config::Config;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::ExposeSecret;

/// Reads and validates the configuration.
pub fn load(
    file: Option<&Path>,
    data_dir: Option<&Path>,
    listen: Option<SocketAddr>,
) -> anyhow::Result<Config> {
    let mut fig = Figment::new();
    if let Some(path) = file {
        if !path.exists() {
            bail!("configuration file {} does not exist", path.display());
        }
        fig = fig.merge(Toml::file_exact(path));
    }
    fig = fig.merge(Env::prefixed("CONCIERGE_").split("__"));
    if let Some(d) = data_dir {
        fig = fig.merge(("data_dir", d));
    }
    if let Some(l) = listen {
        fig = fig.merge(("server.listen", l.to_string()));
    }
    let config: Config = fig.extract().map_err(|e| anyhow::anyhow!(describe(e)))?;
    Ok(config.finish()?)
}

/// figment's errors name the key ("for key default.server.listen"); make them read well.
fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|err| {
            let key = err.path.join(".");
            let source = err
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_else(|| "configuration".into());
            if key.is_empty() {
                format!("invalid configuration ({source}): {}", err.kind)
            } else {
                format!("configuration key `{key}` ({source}): {}", err.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The database URL to open: the configured one, or SQLite under `data_dir`
/// (created if missing).
pub fn database_url(config: &Config) -> anyhow::Result<String> {
    match &config.database.url {
        Some(url) => Ok(url.expose_secret().to_owned()),
        None => {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("cannot create data directory {}", config.data_dir.display())
            })?;
            Ok(format!(
                "sqlite://{}",
                config.data_dir.join("concierge.db").display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        let p = dir.join("c.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn file_then_flags_take_precedence_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "[server]\nlisten = \"127.0.0.1:9000\"\nrequest_timeout_secs = 17\n",
        );
        let c = load(Some(&p), None, None).unwrap();
        assert_eq!(c.server.listen.port(), 9000);
        assert_eq!(c.server.request_timeout_secs, 17);
        let c = load(
            Some(&p),
            Some(Path::new("/tmp/x")),
            Some("127.0.0.1:9100".parse().unwrap()),
        )
        .unwrap();
        assert_eq!(c.server.listen.port(), 9100);
        assert_eq!(c.data_dir, Path::new("/tmp/x"));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "[server]\nlisten_on = \"x\"\n");
        let err = load(Some(&p), None, None).unwrap_err().to_string();
        assert!(err.contains("listen_on"), "{err}");
        let p = write(dir.path(), "[server]\nrequest_timeout_secs = \"soon\"\n");
        let err = load(Some(&p), None, None).unwrap_err().to_string();
        assert!(err.contains("server.request_timeout_secs"), "{err}");
        let p = write(dir.path(), "[auth]\njwt_secret = \"short\"\n");
        let err = load(Some(&p), None, None).unwrap_err().to_string();
        assert!(
            err.contains("auth.jwt_secret") && !err.contains("short\""),
            "{err}"
        );
        assert!(load(Some(&dir.path().join("missing.toml")), None, None).is_err());
    }

    #[test]
    fn the_printed_default_file_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), concierge_core::config::DEFAULT_CONFIG_TOML);
        let c = load(Some(&p), None, None).unwrap();
        assert_eq!(c.server.listen, Config::default().server.listen);
    }
}
