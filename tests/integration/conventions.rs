//! Command-line conventions users expect from a scanner: `--output -` is standard output,
//! completion scripts for the common shells, and a JSON Schema for `.secretgate.yml` that
//! matches what the parser accepts.

use crate::support::{join, secretgate};
use secretgate::config::Config;
use std::collections::BTreeSet;
use std::path::Path;

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn output_dash_writes_that_format_to_standard_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = join(&["ghp_", "uVAgrEAjRWPLQCMK5kN1", "LZTSj1OLXd2tKxnF"]);
    std::fs::write(dir.path().join("app.py"), format!("T = \"{token}\"\n")).expect("write");
    let out = secretgate()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json", "--output", "-"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is the JSON report");
    assert!(stdout.contains("github-pat"), "{json}");
    assert!(!stdout.contains(&token[4..]), "the secret is redacted");
    assert!(!dir.path().join("-").exists(), "no file named `-`");
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef secretgate"),
        ("fish", "complete -c secretgate"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = secretgate()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .clone();
        let script = String::from_utf8(out.stdout).expect("utf-8");
        assert!(script.contains(marker), "{shell}: {marker} missing");
        assert!(script.contains("baseline"), "{shell}: subcommands missing");
    }
    secretgate().args(["completions", "tcsh"]).assert().code(2);
}

/// The config schema, compiled.
fn config_schema() -> (serde_json::Value, jsonschema::Validator) {
    let schema: serde_json::Value =
        serde_json::from_str(&repo_file("schema/secretgate.schema.json")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    (schema, validator)
}

/// YAML text as the JSON value the schema sees.
fn yaml_value(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("valid YAML")
}

/// The names a serde error lists after "expected one of" (the fields or variants the
/// parser accepts), read from the parser itself so the test cannot drift from it.
fn accepted_names(config_text: &str) -> BTreeSet<String> {
    let err = Config::parse(Path::new("probe.yml"), config_text)
        .expect_err("the probe is rejected")
        .to_string();
    let list = err
        .split("expected one of ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no list of expected names in: {err}"));
    list.split(',')
        .map(|name| name.trim().trim_matches('`').to_string())
        .collect()
}

fn schema_names(schema: &serde_json::Value, pointer: &str) -> BTreeSet<String> {
    let node = schema
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} missing"));
    match (node.get("properties"), node.get("enum")) {
        (Some(props), _) => props.as_object().expect("object").keys().cloned().collect(),
        (_, Some(values)) => values
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_str().expect("string").to_string())
            .collect(),
        _ => panic!("{pointer} has neither properties nor enum"),
    }
}

#[test]
fn the_schema_names_every_field_and_value_the_config_parser_accepts() {
    let (schema, _) = config_schema();
    let rule = "rules:\n  - id: x\n    ";
    for (probe, pointer) in [
        ("not_a_field: 1\n", "/properties".to_string()),
        ("allow:\n  - not_a_field: 1\n", "/$defs/allow".to_string()),
        (
            &format!("{rule}not_a_field: 1\n"),
            "/$defs/rule".to_string(),
        ),
        ("fail_on: not_a_value\n", "/properties/fail_on".to_string()),
        (
            &format!("{rule}severity: not_a_value\n"),
            "/$defs/severity".to_string(),
        ),
        (
            &format!("{rule}confidence: not_a_value\n"),
            "/$defs/confidence".to_string(),
        ),
        (
            &format!("{rule}scope: not_a_value\n"),
            "/$defs/scope".to_string(),
        ),
        (
            &format!("{rule}validator: not_a_value\n"),
            "/$defs/validator".to_string(),
        ),
    ] {
        let parser = accepted_names(probe);
        let pointer = if pointer == "/properties" {
            String::new()
        } else {
            pointer
        };
        let in_schema = schema_names(&schema, &pointer);
        assert_eq!(
            parser, in_schema,
            "schema at '{pointer}' differs from the parser ({probe:?})"
        );
    }
}

#[test]
fn the_readme_example_config_and_every_rule_file_validate() {
    let (_, validator) = config_schema();
    let readme = repo_file("README.md");
    let example = readme
        .split("## Configuration: `.secretgate.yml`")
        .nth(1)
        .and_then(|s| s.split("```yaml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("README has a yaml example under Configuration");
    Config::parse(Path::new("README.md"), example).expect("the parser accepts the README example");
    let value = yaml_value(example);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "README example: {errors:?}");
    assert!(value.get("allow").is_some(), "the example is the full one");

    // The built-in rule files use the same rule schema as a config's `rules:`.
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files = 0;
    for entry in std::fs::read_dir(&rules_dir).expect("rules/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yml") {
            let file = yaml_value(&std::fs::read_to_string(&path).expect("read"));
            // Rule files also carry shared `remediations:` (YAML anchors): check the rules.
            let value = serde_json::json!({ "rules": file["rules"] });
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            files += 1;
        }
    }
    assert!(files > 5, "rule files found: {files}");

    // And it rejects what the parser rejects.
    for bad in [
        "exlude: []\n",
        "fail_on: sometimes\n",
        "allow:\n  - fingerprint: abc\n",
        "allow:\n  - reason: x\n",
    ] {
        assert!(
            Config::parse(Path::new("bad.yml"), bad).is_err(),
            "parser accepts {bad:?}"
        );
        assert!(
            !validator.is_valid(&yaml_value(bad)),
            "schema accepts {bad:?}"
        );
    }
}
