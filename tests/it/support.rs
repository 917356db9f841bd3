//! Test support: a fresh PostGIS database for each test that needs one.
//!
//! `scripts/test` starts a throwaway PostgreSQL cluster with PostGIS and
//! exports `ATLAS_TEST_DATABASE_URL`; each test creates its own uniquely named
//! database there, so tests run in parallel without seeing each other's rows.
//! No test is skipped for want of a database: without the variable they fail
//! and say how to get one.

#![allow(dead_code)] // each test module uses its own subset

use std::sync::atomic::{AtomicUsize, Ordering};

use genk_atlas::store::postgis::{migrate, PostgisStore};

/// A database of the test cluster, dropped (with its connections) when this is.
pub struct TestDatabase {
    /// The URL of this database, for `PostgisStore::connect` and `migrate`.
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl TestDatabase {
    /// The store on this database.
    pub async fn store(&self) -> PostgisStore {
        PostgisStore::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("connecting to test database {}: {error}", self.name))
    }

    /// A plain connection to this database, for checks in SQL.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on a future:
        // drop the database from a thread of its own with a runtime of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
                        .await
                        .ok()?;
                tokio::spawn(connection);
                // a name we made up, so it is safe to put into the statement
                let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                client.batch_execute(&statement).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!(
                "could not drop test database {}; the throwaway cluster goes anyway",
                self.name
            );
        }
    }
}

/// The URL of the test cluster's admin database.
pub fn cluster_url() -> String {
    std::env::var("ATLAS_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("ATLAS_TEST_DATABASE_URL is not set: run scripts/test, which starts a throwaway PostGIS")
    })
}

/// A new database with every migration applied.
pub async fn fresh_database() -> TestDatabase {
    let database = empty_database().await;
    migrate(&database.url)
        .await
        .unwrap_or_else(|error| panic!("migrating test database {}: {error}", database.name));
    database
}

/// A new database without the atlas schema (and without PostGIS).
pub async fn empty_database() -> TestDatabase {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let admin_url = cluster_url();
    let name = format!(
        "atlas_test_{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        random_u32()
    );
    let admin = connect(&admin_url).await;
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|error| panic!("creating test database {name}: {error:?}"));
    TestDatabase {
        url: with_database(&admin_url, &name),
        name,
        admin_url,
    }
}

/// One connection, driven by a task of its own.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|error| panic!("connecting to the test cluster at {url}: {error:?}"));
    tokio::spawn(connection);
    client
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|at| at + 3).unwrap_or_else(|| {
        panic!("ATLAS_TEST_DATABASE_URL must be a postgresql:// URL, got {url}")
    });
    let host_part = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{host_part}/{database}{query}")
}

/// Enough randomness to keep two test processes with the same pid apart.
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish() as u32
}

#[test]
fn a_database_name_replaces_the_one_in_the_url() {
    assert_eq!(
        with_database(
            "postgresql://postgres@127.0.0.1:5432/postgres",
            "atlas_test_1"
        ),
        "postgresql://postgres@127.0.0.1:5432/atlas_test_1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgresql://h:1", "x"), "postgresql://h:1/x");
}
