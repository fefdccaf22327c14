//! The org's data keys, their rotation and its schedule.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

use crate::dto::or_null;

/// A data-key rotation: its progress, readable while it runs.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct KeyRotation {
    pub id: String,
    /// The new data-key version.
    pub to_version: i32,
    /// `running`, `completed` or `failed`.
    pub status: String,
    /// Password versions and sealed fields to seal again.
    pub total: u32,
    pub done: u32,
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl From<pb::KeyRotation> for KeyRotation {
    fn from(r: pb::KeyRotation) -> Self {
        Self {
            id: r.id,
            to_version: r.to_version,
            status: r.status,
            total: r.total,
            done: r.done,
            error: or_null(r.error),
            started_at: r.started_at,
            finished_at: or_null(r.finished_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct DataKeyVersion {
    pub version: i32,
    pub created_at: String,
    /// Password versions and sealed fields it seals now.
    pub sealed: u64,
}

/// The org's data-key versions (never the keys), the latest rotation and the schedule.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct DataKeys {
    pub versions: Vec<DataKeyVersion>,
    pub rotation: Option<KeyRotation>,
    pub schedule: KeyRotationSchedule,
}

/// How often the org's data key rotates by itself.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct KeyRotationSchedule {
    /// Days between rotations; 0: rotations start only by hand.
    pub every_days: u32,
    /// When the next scheduled rotation starts; null when none is scheduled.
    pub next_rotation_at: Option<String>,
}

impl From<pb::KeyRotationSchedule> for KeyRotationSchedule {
    fn from(s: pb::KeyRotationSchedule) -> Self {
        Self {
            every_days: s.every_days,
            next_rotation_at: or_null(s.next_rotation_at),
        }
    }
}

/// A new rotation schedule.
#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotationScheduleBody {
    /// Days between rotations, at most 3650; 0 turns the schedule off. The next rotation
    /// is due this long after the newest data key was made (at once if that is past).
    #[schema(example = 90)]
    pub every_days: u32,
}

impl From<pb::DataKeys> for DataKeys {
    fn from(d: pb::DataKeys) -> Self {
        Self {
            versions: d
                .versions
                .into_iter()
                .map(|v| DataKeyVersion {
                    version: v.version,
                    created_at: v.created_at,
                    sealed: v.sealed,
                })
                .collect(),
            rotation: d.rotation.map(KeyRotation::from),
            schedule: d
                .schedule
                .map(KeyRotationSchedule::from)
                .unwrap_or(KeyRotationSchedule {
                    every_days: 0,
                    next_rotation_at: None,
                }),
        }
    }
}
