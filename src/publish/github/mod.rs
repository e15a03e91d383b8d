//! Publishing to GitHub: code-scanning SARIF uploads, the check run, the sticky pull-request
//! comment (together: [`feedback`]), and the pull request's file list (the change-set fallback), all through one
//! [`client::GithubClient`] with the shared retry policy.

pub mod checks;
pub mod client;
pub mod code_scanning;
pub mod comment;
pub mod feedback;
pub mod pulls;
pub mod review;

pub use client::{ApiError, GithubClient, Operation};
