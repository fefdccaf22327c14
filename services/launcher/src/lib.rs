//! The `strongroom` launcher: every service in one process, each on its own port, still
//! talking over gRPC and NATS, so one machine needs one command.

mod config;
mod databases;
mod nats;
mod redis;
mod stack;
mod store;

pub use config::{
    DEFAULT_DIRECTORY_SYNC_TICK_SECS, Listeners, SERVICES, StackConfig, database_role,
    database_roles,
};
pub use databases::{ensure_databases, scram_verifier};
pub use nats::{NATS_USERS, NatsServer, nats_config};
pub use redis::{REDIS_USERS, redis_acl, redis_user};
pub use stack::{caller_tables, gateway_replica, keygen, provision_stream, up};
pub use strongroom_gateway::DEFAULT_REVEAL_SECONDS as DEFAULT_CONSOLE_REVEAL_SECONDS;
pub use strongroom_vault::{DEFAULT_KEY_ROTATION_TICK_SECS, DEFAULT_REVEAL_CACHE_ACCOUNTS};
