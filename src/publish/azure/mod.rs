//! Azure DevOps publishing for the pull-request gate: pull-request threads (one per finding, idempotent across re-runs) and the
//! `secretgate/secret-scan` pull-request status, over a REST client with bounded retries.
//!
//! Publishing never decides the exit code: a failed call is reported and the findings
//! still decide.

pub mod client;
pub mod status;
pub mod threads;

pub use client::{ApiError, Client, PullRequestRef, API_VERSION};
