//! The built-in rules (YAML under `rules/`, embedded in the binary) plus a config's own.

use super::rule::{Rule, RuleError, RuleSpec};
use serde::Deserialize;

/// Every built-in rule file, by name, embedded at compile time.
pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[
    ("azure.yml", include_str!("../../rules/azure.yml")),
    (
        "azure-connection-strings.yml",
        include_str!("../../rules/azure-connection-strings.yml"),
    ),
    ("cloud.yml", include_str!("../../rules/cloud.yml")),
    (
        "source-control.yml",
        include_str!("../../rules/source-control.yml"),
    ),
    ("saas.yml", include_str!("../../rules/saas.yml")),
    ("packages.yml", include_str!("../../rules/packages.yml")),
    ("keys.yml", include_str!("../../rules/keys.yml")),
    ("databases.yml", include_str!("../../rules/databases.yml")),
    ("payments.yml", include_str!("../../rules/payments.yml")),
    ("hosting.yml", include_str!("../../rules/hosting.yml")),
    (
        "observability.yml",
        include_str!("../../rules/observability.yml"),
    ),
    ("messaging.yml", include_str!("../../rules/messaging.yml")),
    (
        "dev-services.yml",
        include_str!("../../rules/dev-services.yml"),
    ),
    ("ai.yml", include_str!("../../rules/ai.yml")),
    (
        "data-platforms.yml",
        include_str!("../../rules/data-platforms.yml"),
    ),
    ("commerce.yml", include_str!("../../rules/commerce.yml")),
    (
        "key-formats.yml",
        include_str!("../../rules/key-formats.yml"),
    ),
    (
        "api-services.yml",
        include_str!("../../rules/api-services.yml"),
    ),
    ("generic.yml", include_str!("../../rules/generic.yml")),
    (
        "payment-cards.yml",
        include_str!("../../rules/payment-cards.yml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    /// Shared remediation texts, referenced from rules with YAML anchors and aliases.
    #[serde(default)]
    #[allow(dead_code)]
    remediations: Option<serde::de::IgnoredAny>,
    rules: Vec<RuleSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleSetError {
    #[error("rules file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("rules file {file}: {source}")]
    Rule {
        file: String,
        #[source]
        source: RuleError,
    },
    #[error("rule id `{0}` is defined twice")]
    DuplicateId(String),
}

/// Parses one YAML rules document (`rules: [...]`).
pub fn parse_rule_file(file: &str, text: &str) -> Result<Vec<RuleSpec>, RuleSetError> {
    serde_saphyr::from_str::<RuleFile>(text)
        .map(|f| f.rules)
        .map_err(|e| RuleSetError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })
}

/// The built-in rule specs, in file order.
pub fn builtin_specs() -> Result<Vec<RuleSpec>, RuleSetError> {
    let mut all = Vec::new();
    for (file, text) in BUILTIN_RULE_FILES {
        all.extend(parse_rule_file(file, text)?);
    }
    Ok(all)
}

/// How the callers of [`compile`] tag the built-in rules (`built-in`, `built-in azure.yml`).
pub const BUILTIN_TAG: &str = "built-in";

/// Compiles specs (tagged with the file they came from, for errors) and checks that ids
/// are unique. Regex compilation is most of a small scan's fixed cost: built-in rules
/// (tagged [`BUILTIN_TAG`]...) compile on first use, others now and in parallel; the error
/// reported is still the first in file order.
pub fn compile(specs: Vec<(String, RuleSpec)>) -> Result<Vec<Rule>, RuleSetError> {
    use rayon::prelude::*;
    let mut seen = std::collections::HashSet::new();
    if let Some((_, spec)) = specs
        .iter()
        .find(|(_, spec)| !seen.insert(spec.id.as_str()))
    {
        return Err(RuleSetError::DuplicateId(spec.id.clone()));
    }
    specs
        .into_par_iter()
        .map(|(file, spec)| {
            // Built-in rules are compiled by their tests; they compile here on first use.
            let compiled = if file.starts_with(BUILTIN_TAG) {
                Rule::compile_lazy(spec)
            } else {
                Rule::compile(spec)
            };
            compiled.map_err(|source| RuleSetError::Rule { file, source })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod builtin_tests {
    use super::*;

    /// Built-in rules compile on first use, where an allowlist pattern the regex engine
    /// refuses (a look-ahead) would be skipped quietly: compile every one here instead.
    #[test]
    fn every_builtin_allowlist_compiles() {
        for spec in builtin_specs().expect("the built-in rule files parse") {
            for pattern in &spec.allowlist {
                if let Err(e) = crate::engine::rule::compile_regex(pattern) {
                    panic!("rule `{}`: `{pattern}` does not compile: {e}", spec.id);
                }
            }
        }
    }
}
