//! The one error every operation in `app` returns. The web layer converts it once, into
//! `routes::kit::refusal::Refusal`, which each route family renders its own way.

use crate::app::recorder::{LogReadError, LogUnavailable};
use crate::domain::problem::Problem;

/// A refusal the user can act on, or a failure that is ours.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Rejected(Problem),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Problem> for AppError {
    fn from(problem: Problem) -> Self {
        Self::Rejected(problem)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("database operation"))
    }
}

impl From<LogUnavailable> for AppError {
    fn from(unavailable: LogUnavailable) -> Self {
        Self::Rejected(unavailable.problem())
    }
}

impl From<LogReadError> for AppError {
    fn from(error: LogReadError) -> Self {
        match error {
            LogReadError::Unavailable(unavailable) => unavailable.into(),
            LogReadError::Database(error) => error.into(),
        }
    }
}
