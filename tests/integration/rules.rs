//! Every built-in rule runs on its own examples (each must produce a finding) and its
//! negative examples (none may), and rule ids are unique, kebab-case and stable.

use secretgate::engine::rule::{Rule, Scope};
use secretgate::engine::{ruleset, runs, Engine};

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

/// A rule's `scope` is a promise about where its secrets lie. Run each scoped rule with
/// the promise lifted and check that every secret it finds in its examples lies there.
#[test]
fn scoped_rules_find_their_examples_where_their_scope_says() {
    let specs = ruleset::builtin_specs().expect("built-in rules parse");
    let mut checked = 0;
    for spec in specs.into_iter().filter(|s| s.scope != Scope::File) {
        let scope = spec.scope;
        let examples = spec.examples.clone();
        let unscoped = secretgate::engine::rule::RuleSpec {
            scope: Scope::File,
            ..spec
        };
        let rules = ruleset::compile(vec![("built-in".to_string(), unscoped)]).expect("compiles");
        let engine = Engine::new(rules).expect("engine");
        for text in &examples {
            let runs = runs::find(text.as_bytes());
            let spans = match scope {
                Scope::TokenRuns => &runs.tokens,
                Scope::DigitRuns => &runs.digits,
                Scope::File => unreachable!("filtered out"),
            };
            for f in engine.scan_content("example", text.as_bytes()).findings {
                let offset = |line: u32, column: u32| -> usize {
                    let before: usize = text
                        .split_inclusive('\n')
                        .take(line as usize - 1)
                        .map(str::len)
                        .sum();
                    before + column as usize - 1
                };
                let (start, end) = (
                    offset(f.line, f.column),
                    offset(f.end_line, f.end_column) + 1,
                );
                assert!(
                    spans.iter().any(|&(lo, hi)| lo < end && start < hi),
                    "{}: a secret at {start}..{end} of {text:?} lies outside its scope {scope:?} ({spans:?})",
                    f.rule_id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no scoped rule found anything in its examples");
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
