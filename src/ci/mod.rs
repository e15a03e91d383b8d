//! Where secretgate runs and what the change under review is.
//!
//! Detection reads only environment variables, through the [`Env`] trait so tests can
//! pass a map instead of mutating the process environment.

pub mod azure;
pub mod github;

use std::collections::HashMap;

/// Read access to environment variables.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;

    /// The variable if it is set and not empty.
    fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.trim().is_empty())
    }
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of variables, for tests and for replaying a CI context.
#[derive(Debug, Default, Clone)]
pub struct MapEnv(pub HashMap<String, String>);

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MapEnv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// What the gate scans (`--scan`, `SECRETGATE_SCAN`, the action's and the task's `scan`).
///
/// Without the flag each CI system picks from the event: the lines a pull request (or a
/// push to another branch) adds, the whole tree on the default branch and on a schedule, so
/// code scanning's alerts on the default branch always come from whole-tree analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanMode {
    /// The lines the change under review adds.
    Changes,
    /// Every file of the checkout.
    Tree,
    /// Every version of every file in the clone's history, each finding credited to the
    /// commit that introduced it (a one-off audit; needs full history).
    History,
}

impl ScanMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanMode::Changes => "changes",
            ScanMode::Tree => "tree",
            ScanMode::History => "history",
        }
    }
}

/// The CI system we are running under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHubActions,
    AzurePipelines,
    Local,
}

/// Detects the CI system from its marker variable (`GITHUB_ACTIONS=true`, `TF_BUILD=True`).
pub fn detect(env: &dyn Env) -> Provider {
    let is_true = |name: &str| {
        env.var(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    };
    if is_true("GITHUB_ACTIONS") {
        Provider::GitHubActions
    } else if is_true("TF_BUILD") {
        Provider::AzurePipelines
    } else {
        Provider::Local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_provider_from_its_marker() {
        let gh: MapEnv = [("GITHUB_ACTIONS", "true")].into_iter().collect();
        let az: MapEnv = [("TF_BUILD", "True")].into_iter().collect();
        assert_eq!(detect(&gh), Provider::GitHubActions);
        assert_eq!(detect(&az), Provider::AzurePipelines);
        assert_eq!(detect(&MapEnv::default()), Provider::Local);
    }
}
