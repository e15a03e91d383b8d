//! One integration-test binary (as ripgrep and zizmor do): modules share the support code
//! and the binary is linked once.

mod support;

mod azure_gate;
mod changeset;
mod cli;
mod conventions;
mod fix;
mod formats;
mod github_gate;
mod history;
mod import;
mod properties;
mod rules;
