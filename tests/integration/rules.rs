//! Every built-in rule runs on its own examples (each must produce a finding) and its
//! negative examples (none may), and rule ids are unique, kebab-case and stable.

use secretgate::engine::rule::Rule;
use secretgate::engine::{ruleset, Engine};

fn builtin_rules() -> Vec<Rule> {
    let specs = ruleset::builtin_specs().expect("built-in rules parse");
    ruleset::compile(
        specs
            .into_iter()
            .map(|s| ("built-in".to_string(), s))
            .collect(),
    )
    .expect("built-in rules compile")
}

#[test]
fn every_rule_matches_its_examples_and_not_its_negative_examples() {
    let mut failures = Vec::new();
    for rule in builtin_rules() {
        let id = rule.id().to_string();
        let examples = rule.examples.clone();
        let negatives = rule.negative_examples.clone();
        let engine = Engine::new(vec![rule]).expect("engine");
        for (i, text) in examples.iter().enumerate() {
            if engine
                .scan_content("example", text.as_bytes())
                .findings
                .is_empty()
            {
                failures.push(format!("{id}: example {i} not matched"));
            }
        }
        for (i, text) in negatives.iter().enumerate() {
            let found = engine.scan_content("example", text.as_bytes()).findings;
            if !found.is_empty() {
                failures.push(format!("{id}: negative example {i} matched"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn examples_are_found_by_the_full_rule_set_too() {
    // Overlap resolution must never hide a rule's own example behind nothing at all.
    let rules = builtin_rules();
    let examples: Vec<(String, String)> = rules
        .iter()
        .flat_map(|r| r.examples.iter().map(|e| (r.id().to_string(), e.clone())))
        .collect();
    let engine = Engine::new(rules).expect("engine");
    let missed: Vec<String> = examples
        .iter()
        .filter(|(_, text)| {
            engine
                .scan_content("example", text.as_bytes())
                .findings
                .is_empty()
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert!(
        missed.is_empty(),
        "examples missed by the full set: {missed:?}"
    );
}

#[test]
fn rule_ids_are_unique_and_stable() {
    let rules = builtin_rules();
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule ids");
    // Ids are a contract (baselines, allow entries, code-scanning alerts key on them):
    // renaming one must be a deliberate change to this list.
    let expected = include_str!("rule-ids.txt");
    let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        ids, expected,
        "rule ids changed: update tests/integration/rule-ids.txt deliberately"
    );
}
