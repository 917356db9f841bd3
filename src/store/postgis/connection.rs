//! Connecting to PostgreSQL: parsing a database URL, naming the database in
//! messages without its password, and opening one connection or a pool.
//!
//! Every failure here is a one-line [`StoreError::Unavailable`] that says what
//! could not be reached and why; the password of the URL never appears in it.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod};
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

use crate::store::{postgres_message, StoreError};

/// How long to wait for the server before saying that it cannot be reached,
/// unless the URL sets `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections the store's pool opens at once.
const POOL_SIZE: usize = 16;

/// A parsed database URL and its description for messages.
#[derive(Clone)]
pub(crate) struct Target {
    pub config: Config,
    /// `postgresql://user@host:port/dbname`, without the password.
    pub description: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let mut config: Config = url.parse().map_err(|error| {
            StoreError::Unavailable(format!(
                "invalid database url: {}",
                postgres_message(&error)
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("genk-atlas");
        }
        let description = describe(&config);
        Ok(Target {
            config,
            description,
        })
    }

    /// The command that brings this database's schema up to date.
    pub fn migrate_hint(&self) -> String {
        format!("run `atlas migrate --database-url {}`", self.description)
    }

    /// One connection, driven by a task of its own.
    pub async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|error| self.unreachable(&error))?;
        let description = self.description.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(
                    "connection to {description} ended: {}",
                    postgres_message(&error)
                );
            }
        });
        Ok(client)
    }

    /// A pool of connections; connections open when first needed.
    pub fn pool(&self) -> Result<Pool, StoreError> {
        let manager = Manager::from_config(
            self.config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|error| {
                StoreError::Unavailable(format!(
                    "could not set up a connection pool for {}: {error}",
                    self.description
                ))
            })
    }

    pub fn unreachable(&self, error: &tokio_postgres::Error) -> StoreError {
        StoreError::Unavailable(format!(
            "could not connect to {}: {}",
            self.description,
            postgres_message(error)
        ))
    }

    /// A pool that could not hand out a connection.
    pub fn pool_error(&self, error: PoolError) -> StoreError {
        match error {
            PoolError::Backend(error) => self.unreachable(&error),
            other => StoreError::Unavailable(format!(
                "could not connect to {}: {other}",
                self.description
            )),
        }
    }
}

/// `postgresql://user@host:port/dbname` for messages: everything that names
/// the database, nothing that opens it.
pub(crate) fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let name = match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            let port = config
                .get_ports()
                .get(index)
                .or_else(|| config.get_ports().first())
                .copied()
                .unwrap_or(5432);
            format!("{name}:{port}")
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    let user = config
        .get_user()
        .map(|user| format!("{user}@"))
        .unwrap_or_default();
    let dbname = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgresql://{user}{hosts}/{dbname}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_the_database_but_not_the_password() {
        let target = Target::parse("postgresql://atlas:s3cret@db.genk.be:6432/atlas").unwrap();
        assert_eq!(
            target.description,
            "postgresql://atlas@db.genk.be:6432/atlas"
        );
        let keywords =
            Target::parse("host=localhost user=planner password=s3cret dbname=gis").unwrap();
        assert_eq!(
            keywords.description,
            "postgresql://planner@localhost:5432/gis"
        );
        assert!(!keywords.migrate_hint().contains("s3cret"));
    }

    #[test]
    fn a_malformed_url_is_a_one_line_error_without_the_password() {
        let error = Target::parse("postgresql://atlas:s3cret@db:notaport/atlas")
            .err()
            .expect("a bad port is refused")
            .to_string();
        assert!(error.starts_with("invalid database url"), "{error}");
        assert!(
            !error.contains("s3cret") && !error.contains('\n'),
            "{error}"
        );
    }
}
