//! A request to fit a user's FSRS parameters to their review log, claimed
//! and run by one instance in the background.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "optimize_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub status: Status,
    pub progress_current: i32,
    pub progress_total: i32,
    pub claimed_by: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub error: Option<String>,
    pub reviews_used: i32,
    pub log_loss_before: Option<f64>,
    pub rmse_before: Option<f64>,
    pub log_loss_after: Option<f64>,
    pub rmse_after: Option<f64>,
    pub parameters_before: Option<String>,
    pub parameters_after: Option<String>,
}

stored_words! {
    /// Where a job is.
    pub enum Status {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

impl Status {
    /// Whether the job is still to finish.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
