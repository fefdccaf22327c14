//! Each service's database on the Postgres server, and on a server where the launcher is
//! superuser, each service's own role (its password kept in `data_dir/db`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Connection;

use crate::config::{AUDIT_OWNER, SERVICES, StackConfig, database_role, database_roles};
use crate::store;

/// Creates each service's database if it is missing. On a server where it is superuser,
/// it also creates one role per service (a random password kept in `data_dir/db`, 0600),
/// makes each database (and whatever is in it) that role's, and lets no other role
/// connect; it then returns where the passwords are, and the services connect as their
/// roles. Elsewhere the operator makes the roles (see the README) and `None` is returned.
pub async fn ensure_databases(config: &StackConfig) -> anyhow::Result<Option<PathBuf>> {
    let mut conn = sqlx::PgConnection::connect(&format!("{}/postgres", config.postgres_url))
        .await
        .with_context(|| format!("connecting to Postgres at {}", config.postgres_url))?;
    for name in database_roles(config)
        .into_iter()
        .chain(SERVICES.iter().map(|s| config.database_name(s)))
    {
        anyhow::ensure!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "database and role name {name:?} must be letters, digits and underscores"
        );
    }
    let superuser = store::is_superuser(&mut conn).await?;
    let passwords = config.data_dir.join("db");
    if superuser {
        // The password travels as its SCRAM-SHA-256 verifier, never in the clear, and this
        // session logs no statements: a server that logs statements (or one that fails)
        // keeps no role's password in its log.
        store::stop_statement_logging(&mut conn)
            .await
            .context("turning statement logging off for the role passwords")?;
        for role in database_roles(config) {
            let password = role_password(&passwords, &role)?;
            let verifier = scram_verifier(&password, &rand::random::<[u8; 16]>(), 4096)?;
            store::ensure_role(&mut conn, &role, &verifier)
                .await
                .with_context(|| format!("creating the database role {role}"))?;
        }
    }
    for service in SERVICES {
        let name = config.database_name(service);
        let owner = database_role(
            config,
            if service == "audit" {
                AUDIT_OWNER
            } else {
                service
            },
        );
        if !store::database_exists(&mut conn, &name).await? {
            store::create_database(&mut conn, &name, superuser.then_some(owner.as_str()))
                .await
                .with_context(|| format!("creating database {name}"))?;
        }
        if superuser {
            hand_over(
                config,
                &mut conn,
                &name,
                &owner,
                &database_role(config, service),
            )
            .await?;
        }
    }
    Ok(superuser.then_some(passwords))
}

/// Makes `owner` the owner of database `name` and of everything in it that the superuser
/// owns (a database made before roles were), and lets only `owner` and `runtime` connect.
async fn hand_over(
    config: &StackConfig,
    conn: &mut sqlx::PgConnection,
    name: &str,
    owner: &str,
    runtime: &str,
) -> anyhow::Result<()> {
    store::hand_over_database(conn, name, owner, runtime)
        .await
        .with_context(|| format!("handing database {name} to {owner}"))?;
    let mut db = sqlx::PgConnection::connect(&format!("{}/{name}", config.postgres_url)).await?;
    store::hand_over_objects(&mut db, owner)
        .await
        .with_context(|| format!("handing the objects of {name} to {owner}"))?;
    Ok(())
}

/// The SCRAM-SHA-256 verifier Postgres keeps for `password` (RFC 5802/7677):
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each part base64. Given
/// as a role's password, Postgres stores it as it is.
pub fn scram_verifier(password: &str, salt: &[u8], iterations: u32) -> anyhow::Result<String> {
    use base64::Engine;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
    let hmac = |label: &[u8]| -> anyhow::Result<Vec<u8>> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&salted)
            .map_err(|_| anyhow::anyhow!("HMAC refused the salted password"))?;
        mac.update(label);
        Ok(mac.finalize().into_bytes().to_vec())
    };
    let stored = Sha256::digest(hmac(b"Client Key")?);
    let server = hmac(b"Server Key")?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        b64.encode(salt),
        b64.encode(stored),
        b64.encode(server)
    ))
}

/// The role's password from `dir/<role>.password`, made (random, 0600) if missing.
fn role_password(dir: &Path, role: &str) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{role}.password"));
    if !path.exists() {
        let password = uuid::Uuid::new_v4().simple().to_string();
        strongroom_runtime::write_private_file(&path, password.as_bytes())?;
    }
    let password = std::fs::read_to_string(&path)?.trim().to_owned();
    anyhow::ensure!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "{}: a role password here is letters and digits only",
        path.display()
    );
    Ok(password)
}
