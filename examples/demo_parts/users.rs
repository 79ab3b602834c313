//! The demo's users, in SQLite through `sqlx` (`DATABASE_URL`, default `sqlite://demo.db`):
//! created and seeded on first start, with password hashes computed once, at seeding. Two
//! demo processes on one database are one app for logins, password changes and the
//! per-user session epoch.

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum_sesame::AuthUser;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row as _, SqlitePool};

use super::hashing::{Busy, HashLimiter, hash_password, verify_password};

/// A user row.
#[derive(Clone)]
pub struct DemoUser {
    /// The id.
    pub email: String,
    /// Argon2id PHC string.
    pw_hash: String,
    /// Bumped by "log out everywhere else": part of the session auth hash, so it ends
    /// every other session and remember cookie, in cookie mode too.
    epoch: i64,
    /// `pw_hash|epoch`: what the session auth hash is made of.
    auth_material: String,
    active: bool,
    roles: Vec<String>,
}

impl DemoUser {
    fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<DemoUser, sqlx::Error> {
        let pw_hash: String = row.try_get("pw_hash")?;
        let epoch: i64 = row.try_get("session_epoch")?;
        let roles: String = row.try_get("roles")?;
        Ok(DemoUser {
            email: row.try_get("email")?,
            auth_material: format!("{pw_hash}|{epoch}"),
            pw_hash,
            epoch,
            active: row.try_get("active")?,
            roles: roles
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password hash stays out of logs.
        f.debug_struct("DemoUser")
            .field("email", &self.email)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl AuthUser for DemoUser {
    type Id = String;

    fn id(&self) -> String {
        self.email.clone()
    }

    fn is_active(&self) -> bool {
        self.active
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.auth_material.as_bytes()
    }

    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// The users table and its seed rows.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY NOT NULL,
    pw_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    roles TEXT NOT NULL DEFAULT '',
    api_token TEXT UNIQUE,
    session_epoch INTEGER NOT NULL DEFAULT 0
)";

/// email, active, roles, API token.
const SEED: [(&str, bool, &str, Option<&str>); 3] = [
    ("foo@bar.tld", true, "admin", Some("foo-token")),
    ("bar@bar.tld", true, "", Some("bar-token")),
    ("inactive@bar.tld", false, "", None),
];

/// The user database, with the password hasher.
#[derive(Clone)]
pub struct Db {
    pool: SqlitePool,
    /// Verified against for unknown users, so they cost what a wrong password costs.
    dummy_hash: Arc<String>,
    /// Password verifications run, for the tests of uniform login cost.
    verifications: Arc<AtomicUsize>,
    /// Every argon2 hash and verification goes through this bound.
    hashing: HashLimiter,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

/// Database errors reach the log, never the client (the user loader answers 500).
pub type DbError = sqlx::Error;

impl Db {
    /// Opens the database at `url` (`sqlite://path`, created if missing), creating and
    /// seeding the users table when it is new.
    pub async fn open(url: &str) -> Result<Db, String> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| format!("DATABASE_URL={url:?}: {e}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Two demo processes on one file wait for each other's writes.
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| format!("cannot open {url}: {e}"))?;
        Db::with_pool(pool).await
    }

    /// A private in-memory database, seeded (for tests).
    pub async fn in_memory() -> Result<Db, String> {
        let options =
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(|e| e.to_string())?;
        // One connection: each in-memory connection would be a database of its own.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| e.to_string())?;
        Db::with_pool(pool).await
    }

    async fn with_pool(pool: SqlitePool) -> Result<Db, String> {
        let hashing = HashLimiter::new().ok_or("cannot start the hashing threads")?;
        let db = Db {
            pool,
            dummy_hash: Arc::new(String::new()),
            verifications: Arc::default(),
            hashing,
        };
        let dummy = db
            .hash("not a password of anyone".to_owned())
            .await
            .ok()
            .flatten()
            .ok_or("cannot hash the dummy password")?;
        let db = Db {
            dummy_hash: Arc::new(dummy),
            ..db
        };
        db.seed()
            .await
            .map_err(|e| format!("cannot seed the users: {e}"))?;
        Ok(db)
    }

    /// Creates the table and, when it is empty, the demo users (hashed now, once). Two
    /// processes seeding one new file at once: the first rows win (`INSERT OR IGNORE`).
    async fn seed(&self) -> Result<(), String> {
        sqlx::query(SCHEMA)
            .execute(&self.pool)
            .await
            .map_err(|e| e.to_string())?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| e.to_string())?;
        if count > 0 {
            return Ok(());
        }
        for (email, active, roles, token) in SEED {
            let hash = self
                .hash("secret".to_owned())
                .await
                .ok()
                .flatten()
                .ok_or("cannot hash the demo password")?;
            sqlx::query(
                "INSERT OR IGNORE INTO users (email, pw_hash, active, roles, api_token) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(email)
            .bind(hash)
            .bind(active)
            .bind(roles)
            .bind(token)
            .execute(&self.pool)
            .await
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The user with this email.
    pub async fn get(&self, email: &str) -> Result<Option<DemoUser>, DbError> {
        let row = sqlx::query("SELECT * FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(DemoUser::from_row).transpose()
    }

    /// Every user's email, in order.
    pub async fn emails(&self) -> Result<Vec<String>, DbError> {
        sqlx::query_scalar("SELECT email FROM users ORDER BY email")
            .fetch_all(&self.pool)
            .await
    }

    /// The email of the user with this API token.
    pub async fn token_owner(&self, token: &str) -> Result<Option<String>, DbError> {
        sqlx::query_scalar("SELECT email FROM users WHERE api_token = ?")
            .bind(token)
            .fetch_optional(&self.pool)
            .await
    }

    /// The user with this email and password (active or not), in constant-ish time: an
    /// unknown user costs one verification too. `Err(Busy)` when the hashing queue is
    /// full; a database error counts as a failed check (and is logged).
    pub async fn check(&self, email: &str, pw: &str) -> Result<Option<DemoUser>, Busy> {
        let user = match self.get(email).await {
            Ok(user) => user,
            Err(error) => {
                tracing::error!(target: "demo", %error, "user lookup failed");
                None
            }
        };
        let hash = user.as_ref().map_or_else(
            || self.dummy_hash.as_str().to_owned(),
            |u| u.pw_hash.clone(),
        );
        let pw = pw.to_owned();
        let verifications = self.verifications.clone();
        let ok = self
            .hashing
            .run(move || {
                verifications.fetch_add(1, Ordering::Relaxed);
                verify_password(&pw, &hash)
            })
            .await?
            .unwrap_or(false);
        Ok(user.filter(|_| ok))
    }

    /// Hashes a new password, through the same bound as the checks.
    pub async fn hash(&self, pw: String) -> Result<Option<String>, Busy> {
        Ok(self
            .hashing
            .run(move || hash_password(&pw))
            .await?
            .flatten())
    }

    /// How many password verifications (argon2id) have run.
    pub fn verifications(&self) -> usize {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Stores a new password hash; the updated user.
    pub async fn set_password(
        &self,
        email: &str,
        pw_hash: String,
    ) -> Result<Option<DemoUser>, DbError> {
        sqlx::query("UPDATE users SET pw_hash = ? WHERE email = ?")
            .bind(pw_hash)
            .bind(email)
            .execute(&self.pool)
            .await?;
        self.get(email).await
    }

    /// Ends every other session of the user (the epoch is part of its auth hash).
    pub async fn bump_epoch(&self, email: &str) -> Result<Option<DemoUser>, DbError> {
        sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE email = ?")
            .bind(email)
            .execute(&self.pool)
            .await?;
        self.get(email).await
    }
}
