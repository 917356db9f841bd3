//! What every benchmark shares: a fresh, migrated PostGIS database.

use genk_atlas::store::postgis;

/// Drop and create the database `name` on the cluster of `admin_url`,
/// migrate it, and return its URL.
pub async fn fresh_database(admin_url: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .expect("connect to the benchmark cluster");
    tokio::spawn(connection);
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client
            .batch_execute(&statement)
            .await
            .expect("create the benchmark database");
    }
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends in /dbname");
    let url = format!("{base}/{name}");
    postgis::migrate(&url).await.expect("migrate");
    url
}
