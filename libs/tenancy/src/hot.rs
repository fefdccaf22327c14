//! Connections for hot paths. A batch from many orgs needs one statement per org, and sqlx
//! awaits each statement's answer before it sends the next, so thirty orgs cost thirty round
//! trips and as many server wake-ups. tokio-postgres sends every statement issued together on
//! one connection before the first answer comes back (a pipeline): the batch costs about one
//! round trip whatever the number of orgs.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::future::{MaybeDone, maybe_done};
use tokio::sync::{MutexGuard, Semaphore, SemaphorePermit};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::TenancyError;

/// How long a hot path waits for a free connection before it reports the database busy.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One statement of a pipeline: its text and its parameters.
pub type Statements<'a> = [(String, Vec<&'a (dyn ToSql + Sync)>)];

/// A few connections, opened on first use, each keeping the statements it prepared.
pub(crate) struct HotPool {
    config: Config,
    statements_per_connection: usize,
    slots: Vec<tokio::sync::Mutex<Option<HotConnection>>>,
    // One permit per slot: a holder always finds a slot free.
    free: Semaphore,
}

struct HotConnection {
    client: Client,
    prepared: HashMap<String, Statement>,
}

/// A slot in use. The slot is released before the permit, so whoever gets the permit
/// next finds it free.
struct Lease<'p> {
    slot: MutexGuard<'p, Option<HotConnection>>,
    _permit: SemaphorePermit<'p>,
}

impl HotPool {
    pub(crate) fn new(
        config: Config,
        connections: usize,
        statements_per_connection: usize,
    ) -> Self {
        Self {
            config,
            statements_per_connection,
            slots: (0..connections).map(|_| Default::default()).collect(),
            free: Semaphore::new(connections),
        }
    }

    /// Runs each statement by itself (each commits alone and reads its own snapshot), all
    /// sent together; the rows of each, in order.
    pub(crate) async fn query_each(
        &self,
        statements: &Statements<'_>,
    ) -> Result<Vec<Vec<Row>>, TenancyError> {
        let mut lease = self.acquire().await?;
        let (connection, prepared) = self.prepared(&mut lease, statements).await?;
        let client = &connection.client;
        let answers = pipeline(
            prepared
                .iter()
                .zip(statements)
                .map(|(statement, (_, params))| client.query(statement, params)),
        )
        .await;
        connection.forget_on_error(answers.into_iter().collect())
    }

    /// Runs the statements as one transaction, sent together with its BEGIN and COMMIT.
    pub(crate) async fn execute_atomically(
        &self,
        statements: &Statements<'_>,
    ) -> Result<(), TenancyError> {
        let mut lease = self.acquire().await?;
        let (connection, prepared) = self.prepared(&mut lease, statements).await?;
        let client = &connection.client;
        let writes =
            prepared
                .iter()
                .zip(statements)
                .map(|(statement, (_, params))| -> Request<'_> {
                    Box::pin(client.execute(statement, params))
                });
        let answers = if statements.len() == 1 {
            // A single statement commits by itself.
            answers(send(writes)).await
        } else {
            // A failed statement aborts the transaction, and its COMMIT then rolls back.
            let control = |sql: &'static str| -> Request<'_> {
                Box::pin(async move { client.batch_execute(sql).await.map(|()| 0) })
            };
            let mut sent = send(std::iter::once(control("BEGIN")).chain(writes));
            // A statement whose parameters could not be encoded was never sent: the others
            // must not commit without it.
            let unsent = sent.iter().any(|r| matches!(r, MaybeDone::Done(Err(_))));
            sent.extend(send([control(if unsent { "ROLLBACK" } else { "COMMIT" })]));
            answers(sent).await
        };
        connection
            .forget_on_error(answers.into_iter().collect::<Result<Vec<u64>, _>>())
            .map(drop)
    }

    async fn acquire(&self) -> Result<Lease<'_>, TenancyError> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.free.acquire())
            .await
            .map_err(|_| TenancyError::Busy)?
            .map_err(|_| TenancyError::Busy)?;
        let slot = self
            .slots
            .iter()
            .find_map(|slot| slot.try_lock().ok())
            .ok_or(TenancyError::Busy)?;
        Ok(Lease {
            slot,
            _permit: permit,
        })
    }

    /// The leased connection, with the statements prepared on it.
    async fn prepared<'l>(
        &self,
        lease: &'l mut Lease<'_>,
        statements: &Statements<'_>,
    ) -> Result<(&'l mut HotConnection, Vec<Statement>), TenancyError> {
        let connection = self.ready(&mut lease.slot).await?;
        let prepared = connection
            .prepare(statements, self.statements_per_connection)
            .await?;
        Ok((connection, prepared))
    }

    /// The slot's connection, opened anew if it has none or it closed.
    async fn ready<'s>(
        &self,
        slot: &'s mut Option<HotConnection>,
    ) -> Result<&'s mut HotConnection, TenancyError> {
        let connection = match slot.take() {
            Some(open) if !open.client.is_closed() => open,
            _ => {
                let (client, connection) =
                    tokio::time::timeout(CONNECT_TIMEOUT, self.config.connect(NoTls))
                        .await
                        .map_err(|_| TenancyError::Busy)??;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!(error = %e, "a hot-path database connection closed");
                    }
                });
                HotConnection {
                    client,
                    prepared: HashMap::new(),
                }
            }
        };
        Ok(slot.insert(connection))
    }
}

type Request<'c> = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'c>>;

impl HotConnection {
    /// The statements prepared on this connection, preparing (together) those it lacks.
    async fn prepare(
        &mut self,
        statements: &Statements<'_>,
        capacity: usize,
    ) -> Result<Vec<Statement>, TenancyError> {
        if self.prepared.len() + statements.len() > capacity {
            // Dropping a statement closes it on the server.
            self.prepared.clear();
        }
        let (client, cached) = (&self.client, &self.prepared);
        let found = pipeline(statements.iter().map(|(sql, _)| async move {
            match cached.get(sql) {
                Some(statement) => Ok(statement.clone()),
                None => client.prepare(sql).await,
            }
        }))
        .await
        .into_iter()
        .collect::<Result<Vec<Statement>, _>>()?;
        for ((sql, _), statement) in statements.iter().zip(&found) {
            if !self.prepared.contains_key(sql) {
                self.prepared.insert(sql.clone(), statement.clone());
            }
        }
        Ok(found)
    }

    /// After a failure, prepares this connection's statements afresh next time: a table
    /// they name may have changed or gone.
    fn forget_on_error<T>(
        &mut self,
        result: Result<T, tokio_postgres::Error>,
    ) -> Result<T, TenancyError> {
        if result.is_err() {
            self.prepared.clear();
        }
        Ok(result?)
    }
}

/// Requests made on one client, each polled once, in the given order: tokio-postgres sends a
/// request when its future is first polled, and the server answers in the order it
/// received them. A request that could not be sent is done already, with its error.
fn send<F: Future>(requests: impl IntoIterator<Item = F>) -> Vec<MaybeDone<Pin<Box<F>>>> {
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    requests
        .into_iter()
        .map(|request| {
            let mut request = maybe_done(Box::pin(request));
            let _ = Pin::new(&mut request).poll(&mut cx);
            request
        })
        .collect()
}

/// The answers of sent requests, in order.
async fn answers<F: Future>(sent: Vec<MaybeDone<Pin<Box<F>>>>) -> Vec<F::Output> {
    let mut answers = Vec::with_capacity(sent.len());
    for mut request in sent {
        (&mut request).await;
        answers.extend(Pin::new(&mut request).take_output());
    }
    answers
}

/// Sends the requests together, then awaits their answers.
async fn pipeline<F: Future>(requests: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    answers(send(requests)).await
}
