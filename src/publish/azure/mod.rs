//! Azure DevOps publishing for the pull-request gate: pull-request threads (one per finding,
//! idempotent across re-runs) and the `secretgate/secret-scan` pull-request status
//! (together: [`feedback`]), and the iterations API the change set falls back on, over a
//! REST client with bounded retries.
//!
//! Publishing never decides the exit code: a failed call is reported and the findings
//! still decide.

pub mod client;
pub mod feedback;
pub mod iterations;
pub mod status;
pub mod threads;

pub use client::{ApiError, Client, PullRequestRef, API_VERSION};
