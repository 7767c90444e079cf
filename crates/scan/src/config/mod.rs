//! Configuration rules: node flags, containers (compose, Kubernetes, Dockerfile, systemd) and
//! Terraform.

pub mod dockerfile;
pub mod flags;
pub mod systemd;
pub mod terraform;
pub mod yaml;

use crate::finding::Severity;
use crate::secrets::{is_placeholder, is_secret_name, name_tokens};
use crate::source::Hit;

/// Database password environment names (`POSTGRES_PASSWORD`, `DB_PASS`, `MYSQL_ROOT_PASSWORD`).
pub fn is_db_password(name: &str) -> bool {
    let t = name_tokens(name);
    let pw = t
        .iter()
        .any(|w| matches!(w.as_str(), "password" | "pass" | "passwd" | "pwd"));
    let db = t.iter().any(|w| {
        matches!(
            w.as_str(),
            "postgres"
                | "postgresql"
                | "pg"
                | "pgpassword"
                | "mysql"
                | "mariadb"
                | "mongo"
                | "mongodb"
                | "db"
                | "database"
                | "redis"
                | "sql"
                | "rds"
                | "initdb"
        )
    });
    (pw && db) || t.iter().any(|w| w == "pgpassword")
}

/// Checks one environment assignment with a literal value; `rule` names the place
/// (`deploy-secret-env`, `dockerfile-secret-env`, `tf-user-data-secret`).
pub fn check_env(
    rule: &'static str,
    name: &str,
    value: &str,
    name_at: usize,
    value_at: usize,
    out: &mut Vec<Hit>,
) {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if is_placeholder(v) {
        return;
    }
    let material = v.as_bytes().to_vec();
    let span = value_at..value_at + v.len();
    if is_db_password(name) && rule != "tf-user-data-secret" {
        out.push(Hit {
            rule: "hardcoded-db-password",
            severity: Severity::High,
            offset: name_at,
            secret: Some(span),
            fingerprint_material: Some(material),
            message: format!("`{name}` is a literal database password"),
        });
        return;
    }
    if v.len() >= 8 && is_secret_name(&name_tokens(name)) {
        out.push(Hit {
            rule,
            severity: Severity::High,
            offset: name_at,
            secret: Some(span),
            fingerprint_material: Some(material),
            message: format!("`{name}` is set to a literal secret"),
        });
    }
}
