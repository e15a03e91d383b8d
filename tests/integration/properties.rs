//! Property tests for the parsers that take input from outside: the unified-diff parser
//! (API patches), the CI event payloads and variables, the config, and custom rules.
//! Malformed input must give an error, never a panic.
//!
//! Each property counts the cases it ran and asserts the count, so a run that silently did
//! nothing fails; `cargo test properties -- --nocapture` prints the counts.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use secretgate::app::Pipeline;
use secretgate::changeset::{from_patches, PathFilter};
use secretgate::ci::{azure::AzureContext, github::GithubContext, MapEnv};
use secretgate::cli::CommonScanArgs;
use secretgate::config::{Config, PolicyFiles};
use secretgate::engine::{ruleset, Engine};
use std::path::{Path, PathBuf};

/// Runs `test` on `cases` inputs from `strategy`; returns how many ran.
fn run_cases<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u32 {
    let ran = std::sync::atomic::AtomicU32::new(0);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let outcome = runner.run(&strategy, |value| {
        ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        test(value)
    });
    if let Err(e) = outcome {
        panic!("{name}: {e}");
    }
    let ran = ran.into_inner();
    assert!(ran >= cases, "{name}: only {ran} of {cases} cases ran");
    eprintln!("property {name}: {ran} cases");
    ran
}

/// Text of any characters, biased to the ones parsers split on.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        vec(
            prop_oneof![
                Just("\n".to_string()),
                Just(" ".to_string()),
                Just(":".to_string()),
                Just("-".to_string()),
                Just("[".to_string()),
                Just("{".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just("#".to_string()),
                Just("&a".to_string()),
                Just("*a".to_string()),
                Just("!!".to_string()),
                "[a-z0-9]{0,6}".prop_map(|s| s),
            ],
            0..max
        )
        .prop_map(|parts| parts.concat()),
    ]
}

// ---------------------------------------------------------------------------------------
// The unified-diff parser (patches from the GitHub files API)

fn hunk_header() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        0u64..20,
        Just(u64::from(u32::MAX)),
        Just(u64::from(u32::MAX) + 1),
        Just(u64::MAX),
    ];
    (
        num.clone(),
        proptest::option::of(num.clone()),
        num.clone(),
        proptest::option::of(num),
        "[ a-z@]{0,4}",
    )
        .prop_map(|(a, b, c, d, tail)| {
            let side = |n: u64, len: Option<u64>| match len {
                Some(l) => format!("{n},{l}"),
                None => n.to_string(),
            };
            format!("@@ -{} +{} @@{tail}", side(a, b), side(c, d))
        })
}

fn patch_line() -> impl Strategy<Value = String> {
    prop_oneof![
        hunk_header(),
        "[+ -][a-z=\"]{0,12}",
        Just("\\ No newline at end of file".to_string()),
        Just("@@".to_string()),
        Just("@@ -1 +1".to_string()),
        Just(String::new()),
        any::<String>(),
    ]
}

#[test]
fn the_diff_parser_never_panics() {
    let strategy = (
        prop_oneof![
            vec(patch_line(), 0..40).prop_map(|l| l.join("\n")),
            any::<String>()
        ],
        vec(any::<u8>(), 0..200),
    );
    run_cases("unified diff", 2000, strategy, |(patch, content)| {
        let filter = PathFilter::new(&[] as &[String]).expect("empty filter");
        let set = from_patches(
            PathBuf::from("."),
            vec![("a.txt".to_string(), Some(patch), content)],
            &filter,
        );
        for f in &set.files {
            // Any line set it made answers queries.
            let _ = f.lines.admits(1, u32::MAX);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// CI event payloads (GitHub) and variables (Azure)

const SHA_A: &str = "1111111111111111111111111111111111111111";
const SHA_B: &str = "2222222222222222222222222222222222222222";

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just(SHA_A.to_string()),
            Just(SHA_B.to_string()),
            Just("0".repeat(40)),
            Just("octo/widgets".to_string()),
            Just("other/widgets".to_string()),
            Just("refs/heads/main".to_string()),
            any::<String>(),
        ]
        .prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("pull_request"),
        Just("number"),
        Just("head"),
        Just("base"),
        Just("sha"),
        Just("repo"),
        Just("full_name"),
        Just("fork"),
        Just("before"),
        Just("after"),
        Just("deleted"),
        Just("created"),
        Just("merge_group"),
        Just("base_sha"),
        Just("head_sha"),
        Just("changed_files"),
        Just("ref"),
        Just("repository"),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((keys.clone(), inner), 0..8).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

#[test]
fn github_event_payloads_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let event_path = dir.path().join("event.json");
    let payload = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        vec(any::<u8>(), 0..300),
    ];
    let event = prop_oneof![
        Just("pull_request"),
        Just("pull_request_target"),
        Just("push"),
        Just("merge_group"),
        Just("schedule"),
        Just("release"),
    ];
    let sha = prop_oneof![Just(SHA_A.to_string()), any::<String>()];
    let parsed = Reached::default();
    let repository = prop_oneof![Just("octo/widgets".to_string()), any::<String>()];
    run_cases(
        "GitHub event payload",
        2000,
        (payload, event, sha, repository),
        |(payload, event, sha, repository)| {
            std::fs::write(&event_path, &payload).expect("write payload");
            let env: MapEnv = [
                ("GITHUB_ACTIONS", "true".to_string()),
                ("GITHUB_EVENT_NAME", event.to_string()),
                ("GITHUB_EVENT_PATH", event_path.display().to_string()),
                ("GITHUB_REPOSITORY", repository),
                ("GITHUB_WORKSPACE", dir.path().display().to_string()),
                ("GITHUB_SHA", sha),
                ("GITHUB_REF", "refs/pull/7/merge".to_string()),
            ]
            .into_iter()
            .collect();
            if let Ok(ctx) = GithubContext::from_env(&env) {
                parsed.hit();
                // A context that parsed answers every question the gate asks.
                let _ = (
                    ctx.head_sha(),
                    ctx.sarif_ref(),
                    ctx.run_url(),
                    ctx.pull_request(),
                );
            }
            Ok(())
        },
    );
    eprintln!("property GitHub event payload: {} parsed", parsed.get());
}

#[test]
fn azure_pipeline_variables_never_panic() {
    let value = || {
        prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            Just(Some(SHA_A.to_string())),
            Just(Some("22".to_string())),
            Just(Some("https://dev.azure.com/fabrikam/".to_string())),
        ]
    };
    let reason = prop_oneof![
        Just("PullRequest".to_string()),
        Just("IndividualCI".to_string()),
        any::<String>(),
    ];
    let provider = prop_oneof![
        Just("TfsGit".to_string()),
        Just("GitHub".to_string()),
        any::<String>(),
    ];
    let strategy = (reason, provider, vec(value(), 8));
    run_cases(
        "Azure Pipelines variables",
        2000,
        strategy,
        |(reason, provider, values)| {
            let names = [
                "SYSTEM_COLLECTIONURI",
                "SYSTEM_TEAMPROJECT",
                "BUILD_REPOSITORY_ID",
                "SYSTEM_PULLREQUEST_PULLREQUESTID",
                "SYSTEM_PULLREQUEST_TARGETBRANCH",
                "BUILD_SOURCEVERSION",
                "BUILD_SOURCESDIRECTORY",
                "BUILD_BUILDID",
            ];
            let mut env: MapEnv = [
                ("TF_BUILD", "True".to_string()),
                ("BUILD_REASON", reason),
                ("BUILD_REPOSITORY_PROVIDER", provider),
            ]
            .into_iter()
            .collect();
            for (name, v) in names.iter().zip(values) {
                if let Some(v) = v {
                    env.0.insert((*name).to_string(), v);
                }
            }
            let _ = AzureContext::from_env(&env);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// The config and custom rules

fn yaml_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("high".to_string()),
        Just("never".to_string()),
        Just("true".to_string()),
        Just("~".to_string()),
        Just("'**'".to_string()),
        Just("'[a-'".to_string()),
        Just("'{a,'".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("github-pat".to_string()),
        "[a-z*/.]{0,8}",
        any::<String>(),
    ]
}

fn yaml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        yaml_scalar(),
        vec(yaml_scalar(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        vec(
            (
                prop_oneof![
                    Just("path"),
                    Just("rule"),
                    Just("fingerprint"),
                    Just("reason"),
                    Just("x")
                ],
                yaml_scalar()
            ),
            0..4
        )
        .prop_map(|kv| {
            let items: Vec<String> = kv.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("[{{{}}}]", items.join(", "))
        }),
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("fail_on"),
        Just("exclude"),
        Just("max_file_size"),
        Just("allow"),
        Just("disable_rules"),
        Just("baseline"),
        Just("inline_allow"),
        Just("rules"),
        Just("unknown"),
    ];
    prop_oneof![
        vec((key, yaml_value()), 0..6).prop_map(|kv| {
            kv.iter()
                .map(|(k, v)| format!("{k}: {v}\n"))
                .collect::<String>()
        }),
        text(60),
    ]
}

fn common() -> CommonScanArgs {
    CommonScanArgs {
        config: None,
        threads: Some(1),
        max_file_size: None,
        baseline: None,
        fail_confidence: None,
    }
}

/// Counts how many cases got past a stage, so the report shows the properties reach deep.
#[derive(Default)]
struct Reached(std::sync::atomic::AtomicU32);

impl Reached {
    fn hit(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn get(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[test]
fn configs_never_panic() {
    let (parsed, prepared) = (Reached::default(), Reached::default());
    // Each parsed config compiles the built-in rules: fewer cases than the cheap parsers.
    run_cases("config", 400, config_text(), |text| {
        if let Ok(config) = Config::parse(Path::new("c.yml"), &text) {
            parsed.hit();
            // A config that parses either prepares a scan or says why not.
            let files = PolicyFiles {
                config,
                config_path: None,
                baseline: None,
            };
            if Pipeline::with_policy(&common(), files).is_ok() {
                prepared.hit();
            }
        }
        Ok(())
    });
    eprintln!(
        "property config: {} parsed, {} prepared a scan",
        parsed.get(),
        prepared.get()
    );
    assert!(parsed.get() > 0 && prepared.get() > 0);
}

fn regex_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(?P<secret>[a-z]{8})".to_string()),
        Just("(?P<secret2>x)".to_string()),
        Just("(".to_string()),
        Just("[".to_string()),
        Just("\\\\".to_string()),
        Just("a{1000}{1000}".to_string()),
        Just("(?i)key".to_string()),
        Just("\\\\p{Greek}".to_string()),
        Just("^".to_string()),
        Just("$".to_string()),
        Just("|".to_string()),
        Just("*".to_string()),
        Just("\\\\b".to_string()),
        Just(".*".to_string()),
        "[a-z0-9=_]{0,6}",
    ]
}

fn rule_text() -> impl Strategy<Value = String> {
    let pattern = prop_oneof![
        3 => Just("key=(?P<secret>[a-z]{8})".to_string()),
        3 => vec(regex_fragment(), 0..5).prop_map(|p| p.concat()),
    ];
    let field = prop_oneof![
        Just("keywords: [key]".to_string()),
        Just("keywords: []".to_string()),
        Just("keywords: ['']".to_string()),
        Just("scope: token-runs".to_string()),
        Just("scope: digit-runs".to_string()),
        Just("scope: nowhere".to_string()),
        Just("multiline: true".to_string()),
        Just("min_entropy: 9.5".to_string()),
        Just("min_entropy: -1".to_string()),
        Just("validator: luhn".to_string()),
        Just("validator: nope".to_string()),
        Just("confidence: low".to_string()),
        Just("context: 'key'".to_string()),
        Just("allowlist: ['(']".to_string()),
        Just("require_verified: true".to_string()),
        "[a-z_]{1,10}: [a-z]{0,5}",
    ];
    let severity = prop_oneof![
        3 => Just("high".to_string()),
        1 => Just("critical".to_string()),
        1 => "[a-z]{0,6}"
    ];
    let example = prop_oneof![
        Just("key=abcdefgh".to_string()),
        Just("abcdefgh".to_string()),
        "[a-z=]{0,12}",
    ];
    let rule = (
        prop_oneof![3 => "[a-z]{1,6}", 1 => "[a-z-]{0,10}"],
        severity,
        pattern,
        vec(field, 0..4),
        vec(example, 0..3),
    );
    prop_oneof![
        3 => vec(rule, 0..3).prop_map(|rules| {
            let mut text = String::from("rules:\n");
            for (id, severity, pattern, fields, examples) in rules {
                let examples: Vec<String> = examples.iter().map(|e| format!("'{e}'")).collect();
                text.push_str(&format!(
                    "  - id: '{id}'\n    name: r\n    severity: {severity}\n    pattern: '{pattern}'\n    \
                     remediation: r\n    examples: [{}]\n    negative_examples: ['nothing']\n",
                    examples.join(", ")
                ));
                for f in fields {
                    text.push_str(&format!("    {f}\n"));
                }
            }
            text
        }),
        1 => text(60),
    ]
}

#[test]
fn custom_rules_never_panic() {
    let strategy = (rule_text(), vec(any::<u8>(), 0..200));
    let (parsed, compiled) = (Reached::default(), Reached::default());
    run_cases("custom rules", 1000, strategy, |(text, content)| {
        let Ok(specs) = ruleset::parse_rule_file("custom.yml", &text) else {
            return Ok(());
        };
        parsed.hit();
        let specs = specs
            .into_iter()
            .map(|s| ("custom.yml".to_string(), s))
            .collect();
        if let Ok(rules) = ruleset::compile(specs) {
            if let Ok(engine) = Engine::new(rules) {
                compiled.hit();
                // A rule set that compiled scans any content.
                let _ = engine.scan_content("a.txt", &content);
            }
        }
        Ok(())
    });
    eprintln!(
        "property custom rules: {} parsed, {} compiled and scanned",
        parsed.get(),
        compiled.get()
    );
    assert!(parsed.get() > 0 && compiled.get() > 0);
}
