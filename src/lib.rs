//! secretgate: a secret scanner built to be a pull-request gate.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! ci (where we run, what the PR is)
//!   -> changeset (which files, which added lines)
//!   -> engine (rules, prefilter, regexes, validators, allowlists, suppressions, baseline)
//!   -> findings (the model; secrets already redacted)
//!   -> fix (what to write instead, how to rotate)
//!   -> report (pure renderers) / publish (network side effects)
//!   -> exit code
//! ```
//!
//! [`app`] wires the stages together for each command; no module reaches back up the flow.

pub mod app;
pub mod changeset;
pub mod ci;
pub mod cli;
pub mod config;
pub mod engine;
pub mod findings;
pub mod fix;
pub mod publish;
pub mod report;
