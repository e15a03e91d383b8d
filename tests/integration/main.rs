//! One integration-test binary (as ripgrep and zizmor do): modules share the support code
//! and the binary is linked once.

mod support;

mod azure_gate;
mod changeset;
mod cli;
mod formats;
mod github_gate;
mod import;
mod rules;
