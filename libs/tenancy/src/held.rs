//! Connections held for one hot statement, outside the pool. sqlx's pool tests every
//! connection given back to it with a round trip to the server (a `Sync` and its answer),
//! so a statement run on the pool costs the server two wake-ups and the service a task.
//! A connection held here goes back as it is when its statement succeeded, and is closed
//! when it failed or its future was dropped mid-statement (its state is then unknown).
//! Like the hot pools' connections, they plan each statement once (`PLANNED_ONCE`).

use std::sync::{Mutex, PoisonError};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

pub struct HeldConnections {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    keep: usize,
}

/// A connection taken from [`HeldConnections`]; [`Held::give_back`] returns it.
pub struct Held<'h> {
    connection: PgConnection,
    home: &'h HeldConnections,
}

impl HeldConnections {
    /// Connections opened like the pool's (their statements planned once), up
    /// to `keep` of them kept between statements (the statement's concurrency: more are
    /// opened when needed, and closed after).
    pub fn like(pool: &PgPool, keep: usize) -> Self {
        let options = (*pool.connect_options())
            .clone()
            .options([crate::PLANNED_ONCE]);
        Self {
            options,
            idle: Mutex::new(Vec::with_capacity(keep)),
            keep: keep.max(1),
        }
    }

    /// An idle connection, or a new one.
    pub async fn take(&self) -> Result<Held<'_>, sqlx::Error> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => PgConnection::connect_with(&self.options).await?,
        };
        Ok(Held {
            connection,
            home: self,
        })
    }
}

impl Held<'_> {
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.connection
    }

    /// Keeps the connection for the next statement (after a statement that succeeded).
    pub fn give_back(self) {
        let mut idle = self
            .home
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.home.keep {
            idle.push(self.connection);
        }
    }
}
