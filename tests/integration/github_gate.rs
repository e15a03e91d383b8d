//! `secretgate ci` on GitHub Actions against a loopback GitHub API.
//!
//! Every request the fake API receives is checked against GitHub's own API description
//! (`tests/specs/github-rest-subset.json`): the operation must exist for that method and
//! path, query parameters must be declared, the JSON body must validate against the
//! operation's request schema, and the auth and media-type headers must be there. Every
//! uploaded SARIF is decoded (base64, gunzip) and validated against the SARIF 2.1.0 schema.
//! The fake answers with the examples from the same description.

use crate::support::api_server::{ApiServer, Recorded, Reply};
use base64::Engine as _;
use secretgate::findings::{AccessToken, Confidence, Finding, ScanResult, Severity, Validation};
use secretgate::publish::github::{checks, code_scanning, comment, pulls, GithubClient};
use secretgate::publish::retry::RetryPolicy;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const OWNER: &str = "octo";
const REPO: &str = "widgets";
const TOKEN: &str = "test-token-not-a-secret";

// ---------------------------------------------------------------------------------------
// The spec checker
// ---------------------------------------------------------------------------------------

struct SpecOp {
    id: String,
    method: String,
    path: regex::Regex,
    /// Declared query parameters: name -> schema.
    query: HashMap<String, Value>,
    body: Option<jsonschema::Validator>,
}

pub struct Spec {
    ops: Vec<SpecOp>,
    sarif: jsonschema::Validator,
}

fn load_json(name: &str) -> Value {
    let path = crate::support::specs_dir().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("spec is JSON")
}

/// `{"$ref": ...}` resolved against the spec document.
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved {r}")),
        None => v,
    }
}

impl Spec {
    pub fn get() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(Spec::load)
    }

    fn load() -> Spec {
        let doc = load_json("github-rest-subset.json");
        let mut ops = Vec::new();
        for (id, op) in doc["x-operations"].as_object().expect("x-operations") {
            let method = op["method"].as_str().expect("method").to_string();
            let template = op["path"].as_str().expect("path");
            let def = &doc["paths"][template][method.to_ascii_lowercase()];
            assert!(def.is_object(), "{id}: no path item");
            // `{name}` matches one segment; everything else is literal (`...` in compare).
            let mut re = String::from("^");
            for (i, part) in template.split('{').enumerate() {
                let lit = if i == 0 {
                    part
                } else {
                    re.push_str("[^/]+");
                    part.split_once('}').expect("closing brace").1
                };
                re.push_str(&regex::escape(lit));
            }
            re.push('$');
            let mut query = HashMap::new();
            for p in def["parameters"].as_array().into_iter().flatten() {
                let p = deref(&doc, p);
                if p["in"] == "query" {
                    query.insert(
                        p["name"].as_str().expect("name").to_string(),
                        p["schema"].clone(),
                    );
                }
            }
            let body = def["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|schema| {
                    // The body schema as root `$defs`, beside the spec's components so local
                    // `#/components/...` references resolve.
                    let root = json!({
                        "$ref": "#/$defs/body",
                        "$defs": {"body": schema},
                        "components": doc["components"],
                    });
                    jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{id}: {e}"))
                });
            ops.push(SpecOp {
                id: id.clone(),
                method,
                path: regex::Regex::new(&re).expect("path regex"),
                query,
                body,
            });
        }
        let sarif = jsonschema::validator_for(&load_json("sarif-schema-2.1.0.json"))
            .expect("SARIF schema compiles");
        Spec { ops, sarif }
    }

    /// The operation id for a request, if the API has it.
    pub fn op_of(&self, method: &str, path: &str) -> Option<&str> {
        self.ops
            .iter()
            .find(|o| o.method.eq_ignore_ascii_case(method) && o.path.is_match(path))
            .map(|o| o.id.as_str())
    }

    /// Everything wrong with one request, as messages.
    pub fn problems(&self, r: &Recorded) -> Vec<String> {
        let mut out = Vec::new();
        let Some(op) = self
            .ops
            .iter()
            .find(|o| o.method.eq_ignore_ascii_case(&r.method) && o.path.is_match(&r.path))
        else {
            return vec![format!(
                "{} {}: no such operation in the API description",
                r.method, r.path
            )];
        };
        let what = format!("{} ({} {})", op.id, r.method, r.path);
        if !r.path.starts_with(&format!("/repos/{OWNER}/{REPO}/")) {
            out.push(format!("{what}: not for {OWNER}/{REPO}"));
        }
        match r.header("authorization") {
            Some(a) if a == format!("Bearer {TOKEN}") || a == format!("token {TOKEN}") => {}
            other => out.push(format!("{what}: Authorization header is {other:?}")),
        }
        match r.header("accept") {
            Some(a) if a.contains("application/vnd.github") || a.contains("application/json") => {}
            other => out.push(format!("{what}: Accept header is {other:?}")),
        }
        if r.header("user-agent").is_none_or(str::is_empty) {
            out.push(format!("{what}: no User-Agent (GitHub rejects those)"));
        }
        for kv in r.query.split('&').filter(|kv| !kv.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match op.query.get(k) {
                None => out.push(format!("{what}: undeclared query parameter `{k}`")),
                Some(s) if s["type"] == "integer" => {
                    if v.parse::<u64>().is_err() {
                        out.push(format!("{what}: `{k}={v}` is not an integer"));
                    }
                    if k == "per_page" && v.parse::<u64>().is_ok_and(|n| n > 100) {
                        out.push(format!("{what}: per_page over 100"));
                    }
                }
                Some(_) => {}
            }
        }
        match &op.body {
            None if !r.body.is_empty() => out.push(format!("{what}: a body where none is defined")),
            None => {}
            Some(v) => match serde_json::from_slice::<Value>(&r.body) {
                Err(e) => out.push(format!("{what}: body is not JSON: {e}")),
                Ok(body) => {
                    if !r.header("content-type").is_some_and(|c| c.contains("json")) {
                        out.push(format!("{what}: Content-Type is not JSON"));
                    }
                    for e in v.iter_errors(&body) {
                        out.push(format!("{what}: body {}: {e}", e.instance_path()));
                    }
                    if op.id == "code-scanning/upload-sarif" {
                        match decode_sarif(&body) {
                            Err(e) => out.push(format!("{what}: sarif: {e}")),
                            Ok(sarif) => {
                                for e in self.sarif.iter_errors(&sarif) {
                                    out.push(format!("{what}: SARIF {}: {e}", e.instance_path()));
                                }
                            }
                        }
                    }
                }
            },
        }
        out
    }

    /// Panics listing every problem in `requests`.
    pub fn check_all(&self, requests: &[Recorded]) {
        let problems: Vec<String> = requests.iter().flat_map(|r| self.problems(r)).collect();
        assert!(
            problems.is_empty(),
            "requests that break the API description:\n{}",
            problems.join("\n")
        );
    }
}

/// base64 -> gunzip -> JSON, as GitHub reads the `sarif` field.
pub fn decode_sarif(body: &Value) -> Result<Value, String> {
    let b64 = body["sarif"].as_str().ok_or("no sarif string")?;
    if b64.contains(['\n', '\r']) {
        return Err("base64 with line breaks".into());
    }
    let gz = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("base64: {e}"))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .map_err(|e| format!("gzip: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("json: {e}"))
}

// ---------------------------------------------------------------------------------------
// The fake GitHub API
// ---------------------------------------------------------------------------------------

/// Answer `status` (with `headers`) to the first `times` calls of operation `op`.
#[derive(Clone)]
pub struct Fault {
    pub op: &'static str,
    pub times: usize,
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub message: &'static str,
}

impl Fault {
    pub fn new(op: &'static str, times: usize, status: u16) -> Self {
        Self {
            op,
            times,
            status,
            headers: vec![],
            message: "fault injected by the test",
        }
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn message(mut self, message: &'static str) -> Self {
        self.message = message;
        self
    }
}

#[derive(Clone, Default)]
pub struct Behaviour {
    pub faults: Vec<Fault>,
    /// Files the pull request's files API lists.
    pub files: Vec<Value>,
    /// Comments already on the pull request.
    pub comments: Vec<Value>,
    /// `processing_status` answers, in order; `complete` after they run out.
    pub processing: Vec<&'static str>,
}

fn example(name: &str) -> Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    let doc = DOC.get_or_init(|| load_json("github-rest-subset.json"));
    doc["components"]["examples"][name]["value"].clone()
}

/// A diff entry as the files API lists it.
pub fn diff_entry(filename: &str, status: &str, patch: Option<&str>) -> Value {
    let mut e = json!({
        "sha": "bbcd538c8e72b8c175046e27cc8f907076331401",
        "filename": filename,
        "status": status,
        "additions": 1, "deletions": 0, "changes": 1,
        "blob_url": format!("https://github.com/{OWNER}/{REPO}/blob/x/{filename}"),
        "raw_url": format!("https://github.com/{OWNER}/{REPO}/raw/x/{filename}"),
        "contents_url": format!("https://api.github.com/repos/{OWNER}/{REPO}/contents/{filename}"),
    });
    if let Some(p) = patch {
        e["patch"] = json!(p);
    }
    e
}

pub fn fake_github(b: Behaviour) -> ApiServer {
    let spec = Spec::get();
    let calls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    // Review comments on the pull request: those a review created stay for later runs.
    let review_comments: Arc<Mutex<Vec<Value>>> = Arc::default();
    ApiServer::start(move |r: &Recorded| {
        let Some(op) = spec.op_of(&r.method, &r.path) else {
            return Reply::json(404, json!({"message": "Not Found"}));
        };
        let n = {
            let mut c = calls.lock().expect("lock");
            let n = c.entry(op.to_string()).or_default();
            *n += 1;
            *n
        };
        let mut faults_seen = 0;
        for f in b.faults.iter().filter(|f| f.op == op) {
            if n <= faults_seen + f.times {
                let mut reply = Reply::json(
                    f.status,
                    json!({"message": f.message, "documentation_url": "https://docs.github.com/rest"}),
                );
                for (k, v) in &f.headers {
                    reply = reply.with_header(k, v);
                }
                return reply;
            }
            faults_seen += f.times;
        }
        let body = r.json();
        match op {
            "checks/create" => {
                let mut v = example("check-run-example-of-in-progress-conclusion");
                v["id"] = json!(4000 + n);
                v["head_sha"] = body["head_sha"].clone();
                v["name"] = body["name"].clone();
                Reply::json(201, v)
            }
            "checks/update" => {
                Reply::json(200, example("check-run-example-of-completed-conclusion"))
            }
            "code-scanning/upload-sarif" => Reply::json(202, example("code-scanning-sarif-upload")),
            "code-scanning/get-sarif" => {
                let status = b.processing.get(n - 1).copied().unwrap_or("complete");
                let mut v = example("code-scanning-sarif-upload-status");
                v["processing_status"] = json!(status);
                if status == "failed" {
                    v["errors"] = json!(["rejected by the test"]);
                }
                Reply::json(200, v)
            }
            "pulls/list-files" => {
                let per = r
                    .query_param("per_page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(30usize);
                let page = r
                    .query_param("page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1usize);
                // The API lists at most 3,000 files.
                let listed = &b.files[..b.files.len().min(3000)];
                let items: Vec<Value> = listed
                    .iter()
                    .skip((page - 1) * per)
                    .take(per)
                    .cloned()
                    .collect();
                Reply::json(200, Value::Array(items))
            }
            "issues/list-comments" => {
                let page = r
                    .query_param("page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1usize);
                let items = if page == 1 {
                    b.comments.clone()
                } else {
                    vec![]
                };
                Reply::json(200, Value::Array(items))
            }
            "issues/create-comment" => {
                let mut v = example("issue-comment");
                v["body"] = body["body"].clone();
                Reply::json(201, v)
            }
            "issues/update-comment" => {
                let mut v = example("issue-comment");
                v["body"] = body["body"].clone();
                Reply::json(200, v)
            }
            "pulls/list-review-comments" => {
                let page = r
                    .query_param("page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1usize);
                let items = if page == 1 {
                    review_comments.lock().expect("lock").clone()
                } else {
                    vec![]
                };
                Reply::json(200, Value::Array(items))
            }
            "pulls/create-review" => {
                let template = example("pull-request-review-comment-items")[0].clone();
                let mut stored = review_comments.lock().expect("lock");
                for c in body["comments"].as_array().cloned().unwrap_or_default() {
                    let mut v = template.clone();
                    v["id"] = json!(9000 + stored.len());
                    v["path"] = c["path"].clone();
                    v["line"] = c["line"].clone();
                    v["body"] = c["body"].clone();
                    stored.push(v);
                }
                let mut v = example("pull-request-review");
                v["id"] = json!(8000 + n);
                v["body"] = body["body"].clone();
                v["state"] = json!("COMMENTED");
                Reply::json(200, v)
            }
            _ => Reply::json(404, json!({"message": "Not Found"})),
        }
    })
}

/// The operation ids of `requests`, in order.
fn ops(requests: &[Recorded]) -> Vec<&'static str> {
    let spec = Spec::get();
    requests
        .iter()
        .map(|r| {
            let id = spec.op_of(&r.method, &r.path).unwrap_or("?");
            // Leak-free 'static: the ids live in the static spec.
            spec.ops
                .iter()
                .find(|o| o.id == id)
                .map_or("?", |o| o.id.as_str())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Publishers against the fake API (no engine needed)
// ---------------------------------------------------------------------------------------

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
    }
}

/// The client is a tower buffer whose worker lives on `rt`: build it there.
fn client(rt: &tokio::runtime::Runtime, server: &ApiServer) -> GithubClient {
    let _entered = rt.enter();
    GithubClient::new(
        &server.url(),
        &AccessToken::new(TOKEN),
        OWNER,
        REPO,
        fast_policy(),
    )
    .expect("client")
}

fn finding(path: &str, line: u32, severity: Severity) -> Finding {
    Finding {
        rule_id: "aws-access-key-id".into(),
        rule_name: "AWS access key ID".into(),
        severity,
        detail: String::new(),
        confidence: Confidence::High,
        validation: Validation::None,
        path: path.into(),
        line,
        column: 12,
        end_line: line,
        end_column: 31,
        redacted: "AKIA…(20 chars)".into(),
        fingerprint: format!("{:032x}", line),
        line_hash: "0123456789abcdef:1".into(),
        snippet: "key = \"AKIA…(20 chars)\"".into(),
        remediation: "Deactivate the key in IAM and rotate it.".into(),
        provenance: None,
    }
}

/// A small, schema-valid SARIF log for the publisher tests (the real one comes from the
/// reporter in the end-to-end tests).
fn tiny_sarif(result: &ScanResult) -> anyhow::Result<Vec<u8>> {
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule_id,
                "level": "error",
                "message": {"text": format!("{} {}", f.rule_name, f.redacted)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path},
                    "region": {"startLine": f.line, "startColumn": f.column, "endColumn": f.end_column + 1}
                }}],
                "partialFingerprints": {"primaryLocationLineHash": f.line_hash},
            })
        })
        .collect();
    Ok(serde_json::to_vec(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "secretgate", "rules": [{
                "id": "aws-access-key-id",
                "shortDescription": {"text": "AWS access key ID"},
                "fullDescription": {"text": "AWS access key ID"},
                "help": {"text": "Rotate it."}
            }]}},
            "results": results,
        }],
    }))?)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn check_run_sends_annotations_in_batches_of_fifty_and_completes_last() {
    let server = fake_github(Behaviour::default());
    let result = ScanResult {
        findings: (1..=120)
            .map(|l| finding("src/config.rs", l, Severity::High))
            .collect(),
        ..Default::default()
    };
    let run = checks::CheckRun {
        head_sha: "a".repeat(40),
        failed: true,
        title: "120 secrets found".into(),
        summary: "## secretgate\n".into(),
        details_url: Some("https://github.com/octo/widgets/actions/runs/1".into()),
        annotations: checks::annotations(&result, Some(Severity::High), &|_| None),
    };
    let rt = rt();
    let c = client(&rt, &server);
    let id = rt.block_on(checks::publish(&c, &run)).expect("published");
    assert_eq!(id, 4001);

    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(
        ops(&reqs),
        ["checks/create", "checks/update", "checks/update"]
    );
    let bodies: Vec<Value> = reqs.iter().map(Recorded::json).collect();
    let sizes: Vec<usize> = bodies
        .iter()
        .map(|b| b["output"]["annotations"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(bodies[0]["status"], "in_progress");
    assert_eq!(bodies[0]["name"], "secretgate");
    assert_eq!(bodies[1]["status"], "in_progress");
    assert_eq!(
        (bodies[2]["status"].clone(), bodies[2]["conclusion"].clone()),
        (json!("completed"), json!("failure"))
    );
    assert!(reqs[1].path.ends_with("/check-runs/4001"));
    let mut lines: Vec<u64> = bodies
        .iter()
        .flat_map(|b| {
            b["output"]["annotations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|a| {
            assert_eq!(a["path"], "src/config.rs");
            assert_eq!(a["start_line"], a["end_line"]);
            assert_eq!(a["annotation_level"], "failure");
            a["start_line"].as_u64().expect("line")
        })
        .collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        (1..=120).collect::<Vec<u64>>(),
        "one annotation on each finding's line"
    );
}

#[test]
fn clean_check_run_is_one_request_with_success() {
    let server = fake_github(Behaviour::default());
    let run = checks::CheckRun {
        head_sha: "b".repeat(40),
        failed: false,
        title: "No secrets found".into(),
        summary: "Nothing to see.".into(),
        details_url: None,
        annotations: vec![],
    };
    let rt = rt();
    let c = client(&rt, &server);
    rt.block_on(checks::publish(&c, &run)).expect("published");
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(ops(&reqs), ["checks/create"]);
    let b = reqs[0].json();
    assert_eq!(
        (b["status"].clone(), b["conclusion"].clone()),
        (json!("completed"), json!("success"))
    );
}

#[test]
fn sarif_upload_pairs_commit_and_ref_and_waits_for_processing() {
    let server = fake_github(Behaviour {
        processing: vec!["pending", "pending"],
        ..Default::default()
    });
    let result = ScanResult {
        findings: vec![finding("a.env", 3, Severity::Critical)],
        ..Default::default()
    };
    let prepared = code_scanning::prepare(&result, &tiny_sarif).expect("prepared");
    let head = "c".repeat(40);
    let target = code_scanning::Target {
        commit_sha: &head,
        git_ref: "refs/pull/7/head",
    };
    let rt = rt();
    let c = client(&rt, &server);
    let poll = code_scanning::Poll {
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    };
    let processing = rt.block_on(async {
        let id = code_scanning::upload(&c, &target, &prepared).await?;
        code_scanning::wait_processed(&c, &id, poll).await
    });
    assert_eq!(
        processing.expect("uploaded"),
        code_scanning::Processing::Complete
    );
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(
        ops(&reqs),
        [
            "code-scanning/upload-sarif",
            "code-scanning/get-sarif",
            "code-scanning/get-sarif",
            "code-scanning/get-sarif"
        ]
    );
    let body = reqs[0].json();
    assert_eq!(body["commit_sha"], json!(head));
    assert_eq!(body["ref"], "refs/pull/7/head");
    let sarif = decode_sarif(&body).expect("decodes");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}

#[test]
fn a_502_is_retried_and_then_succeeds() {
    let server = fake_github(Behaviour {
        faults: vec![Fault::new("code-scanning/upload-sarif", 1, 502)],
        ..Default::default()
    });
    let prepared = code_scanning::prepare(&ScanResult::default(), &tiny_sarif).expect("prepared");
    let head = "d".repeat(40);
    let target = code_scanning::Target {
        commit_sha: &head,
        git_ref: "refs/heads/main",
    };
    let rt = rt();
    let c = client(&rt, &server);
    let id = rt
        .block_on(code_scanning::upload(&c, &target, &prepared))
        .expect("second try succeeds");
    assert_eq!(
        id,
        example("code-scanning-sarif-upload")["id"]
            .as_str()
            .expect("id")
    );
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(
        ops(&reqs),
        ["code-scanning/upload-sarif", "code-scanning/upload-sarif"]
    );
    assert_eq!(reqs[0].body, reqs[1].body, "the same upload again");
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    let server = fake_github(Behaviour {
        faults: vec![Fault::new("checks/create", 1, 429).header("Retry-After", "1")],
        ..Default::default()
    });
    let run = checks::CheckRun {
        head_sha: "e".repeat(40),
        failed: false,
        title: "t".into(),
        summary: "s".into(),
        details_url: None,
        annotations: vec![],
    };
    let start = Instant::now();
    let rt = rt();
    let c = client(&rt, &server);
    rt.block_on(checks::publish(&c, &run))
        .expect("published after the wait");
    // The policy's own backoff is 10 ms: only Retry-After explains a full second.
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(ops(&server.requests()), ["checks/create", "checks/create"]);
}

#[test]
fn retries_are_bounded_and_final_errors_are_not_retried() {
    let server = fake_github(Behaviour {
        faults: vec![
            Fault::new("checks/create", 10, 503),
            Fault::new("code-scanning/upload-sarif", 10, 403).message(
                "Advanced Security must be enabled for this repository to use code scanning.",
            ),
        ],
        ..Default::default()
    });
    let rt = rt();
    let c = client(&rt, &server);
    let run = checks::CheckRun {
        head_sha: "f".repeat(40),
        failed: true,
        title: "t".into(),
        summary: "s".into(),
        details_url: None,
        annotations: vec![],
    };
    let err = rt
        .block_on(checks::publish(&c, &run))
        .expect_err("gives up");
    assert_eq!(err.status, Some(503));
    let prepared = code_scanning::prepare(&ScanResult::default(), &tiny_sarif).expect("prepared");
    let head = "f".repeat(40);
    let target = code_scanning::Target {
        commit_sha: &head,
        git_ref: "refs/heads/main",
    };
    let err = rt
        .block_on(code_scanning::upload(&c, &target, &prepared))
        .expect_err("403");
    assert!(err.to_string().contains("Code Security"), "{err}");
    assert_eq!(
        ops(&server.requests()),
        [
            "checks/create",
            "checks/create",
            "checks/create",
            "checks/create",
            "code-scanning/upload-sarif"
        ],
        "4 attempts for the 503, one for the 403"
    );
}

#[test]
fn a_wrong_token_says_so() {
    let server = fake_github(Behaviour {
        faults: vec![Fault::new("checks/create", 1, 401).message("Bad credentials")],
        ..Default::default()
    });
    let run = checks::CheckRun {
        head_sha: "1".repeat(40),
        failed: false,
        title: "t".into(),
        summary: "s".into(),
        details_url: None,
        annotations: vec![],
    };
    let rt = rt();
    let c = client(&rt, &server);
    let err = rt.block_on(checks::publish(&c, &run)).expect_err("401");
    let msg = err.to_string();
    assert!(
        msg.contains("401") && msg.contains("token was rejected"),
        "{msg}"
    );
    assert!(!msg.contains(TOKEN));
}

#[test]
fn sticky_comment_is_updated_in_place() {
    let mut old = example("issue-comment");
    old["id"] = json!(555);
    old["body"] = json!(format!("{}\nold findings", comment::MARKER));
    let mut other = example("issue-comment");
    other["id"] = json!(1);
    other["body"] = json!("LGTM");
    let server = fake_github(Behaviour {
        comments: vec![other.clone(), old],
        ..Default::default()
    });
    let rt = rt();
    let c = client(&rt, &server);
    let outcome = rt
        .block_on(comment::upsert(&c, 7, "new findings", true))
        .expect("upserted");
    assert_eq!(outcome, comment::Outcome::Updated(555));
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(
        ops(&reqs),
        ["issues/list-comments", "issues/update-comment"]
    );
    assert!(reqs[1].path.ends_with("/issues/comments/555"));
    assert!(reqs[1].json()["body"]
        .as_str()
        .is_some_and(|b| b.starts_with(comment::MARKER) && b.contains("new findings")));

    // No earlier comment: one is created when there is something to say, not otherwise.
    let server = fake_github(Behaviour {
        comments: vec![other],
        ..Default::default()
    });
    let c = client(&rt, &server);
    assert_eq!(
        rt.block_on(comment::upsert(&c, 7, "clean", false))
            .expect("ok"),
        comment::Outcome::Skipped
    );
    assert!(matches!(
        rt.block_on(comment::upsert(&c, 7, "found", true))
            .expect("ok"),
        comment::Outcome::Created(_)
    ));
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    assert_eq!(
        ops(&reqs),
        [
            "issues/list-comments",
            "issues/list-comments",
            "issues/create-comment"
        ]
    );
}

#[test]
fn pull_files_are_listed_page_by_page_up_to_the_cap() {
    let files: Vec<Value> = (0..250)
        .map(|i| diff_entry(&format!("f{i}.txt"), "added", Some("@@ -0,0 +1 @@\n+x")))
        .collect();
    let server = fake_github(Behaviour {
        files,
        ..Default::default()
    });
    let rt = rt();
    let c = client(&rt, &server);
    let listed = rt.block_on(pulls::list_files(&c, 7)).expect("listed");
    assert_eq!(listed.files.len(), 250);
    assert!(!listed.capped);
    let reqs = server.requests();
    Spec::get().check_all(&reqs);
    let pages: Vec<String> = reqs.iter().map(|r| r.query.clone()).collect();
    assert_eq!(
        pages,
        [
            "per_page=100&page=1",
            "per_page=100&page=2",
            "per_page=100&page=3"
        ]
    );

    let files: Vec<Value> = (0..3100)
        .map(|i| diff_entry(&format!("f{i}.txt"), "added", None))
        .collect();
    let server = fake_github(Behaviour {
        files,
        ..Default::default()
    });
    let c = client(&rt, &server);
    let listed = rt.block_on(pulls::list_files(&c, 7)).expect("listed");
    assert_eq!(listed.files.len(), 3000);
    assert!(listed.capped);
    assert_eq!(server.requests().len(), 30);
}

#[test]
fn the_spec_checker_rejects_what_github_would() {
    let spec = Spec::get();
    let rec = |method: &str, path: &str, body: Value| Recorded {
        method: method.into(),
        path: path.into(),
        query: String::new(),
        headers: vec![
            ("Authorization".into(), format!("Bearer {TOKEN}")),
            ("Accept".into(), "application/vnd.github+json".into()),
            ("User-Agent".into(), "t".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: body.to_string().into_bytes(),
    };
    assert!(!spec
        .problems(&rec("POST", "/repos/octo/widgets/check-runz", json!({})))
        .is_empty());
    let p = spec.problems(&rec(
        "POST",
        "/repos/octo/widgets/check-runs",
        json!({"name": "x"}),
    ));
    assert!(p.iter().any(|m| m.contains("head_sha")), "{p:?}");
    let too_many: Vec<Value> = (0..51)
        .map(|i| json!({"path": "a", "start_line": i + 1, "end_line": i + 1, "annotation_level": "failure", "message": "m"}))
        .collect();
    let p = spec.problems(&rec(
        "POST",
        "/repos/octo/widgets/check-runs",
        json!({"name": "x", "head_sha": "a", "output": {"title": "t", "summary": "s", "annotations": too_many}}),
    ));
    assert!(
        !p.is_empty(),
        "51 annotations in one request must be refused"
    );
    let p = spec.problems(&rec(
        "POST",
        "/repos/octo/widgets/code-scanning/sarifs",
        json!({"commit_sha": "abc", "ref": "main", "sarif": "x"}),
    ));
    assert!(p.len() >= 3, "short sha, bad ref, undecodable sarif: {p:?}");
    let bad_sarif = code_scanning::encode(br#"{"version": "2.0.0", "runs": []}"#).expect("gzip");
    let p = spec.problems(&rec(
        "POST",
        "/repos/octo/widgets/code-scanning/sarifs",
        json!({"commit_sha": "a".repeat(40), "ref": "refs/heads/main",
               "sarif": base64::engine::general_purpose::STANDARD.encode(bad_sarif)}),
    ));
    assert!(
        p.iter().any(|m| m.contains("SARIF")),
        "a SARIF 2.0 log must be refused: {p:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The gate end to end: the binary, real git repositories, the fake API
// ---------------------------------------------------------------------------------------

use crate::support::{git::Repo, join, secretgate};
use std::path::{Path, PathBuf};

/// Deterministic characters from `alphabet`, so planted secrets look random but are stable.
fn pseudo_random(seed: u64, len: usize, alphabet: &[u8]) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A classic GitHub token whose CRC-32 checksum verifies: `ghp_` + 30 characters + the
/// CRC-32 of those 30 in base62, left-padded to 6. Built at run time.
fn github_token(seed: u64) -> String {
    let body = pseudo_random(seed, 30, ALNUM);
    let mut n = crc32fast::hash(body.as_bytes());
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(ALNUM[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < 6 {
        digits.push(b'0');
    }
    digits.reverse();
    join(&[
        "gh",
        "p_",
        &body,
        std::str::from_utf8(&digits).expect("ascii"),
    ])
}

/// An Azure Storage connection string with a 64-byte account key.
fn azure_connection_string(seed: u64) -> String {
    let bytes: Vec<u8> = pseudo_random(seed, 64, ALNUM)
        .bytes()
        .map(|b| b.wrapping_mul(7))
        .collect();
    let key = base64::engine::general_purpose::STANDARD.encode(bytes);
    join(&[
        "DefaultEndpointsProtocol=https;AccountName=widgetsprod;Account",
        "Key=",
        &key,
        ";EndpointSuffix=core.windows.net",
    ])
}

/// What one gate run left behind.
struct GateRun {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
    sarif: Option<Value>,
    requests: Vec<Recorded>,
}

impl GateRun {
    /// `(file, line)` of every `::error`/`::warning`/`::notice` annotation on a file.
    fn annotated_lines(&self) -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = self
            .stdout
            .lines()
            .filter(|l| {
                l.starts_with("::error file=")
                    || l.starts_with("::warning file=")
                    || l.starts_with("::notice file=")
            })
            .filter(|l| !l.contains("title=secretgate%3A file not fully scanned"))
            .filter_map(|l| {
                let props = l.split_once(' ')?.1.split_once("::")?.0;
                let mut file = None;
                let mut line = None;
                for kv in props.split(',') {
                    match kv.split_once('=')? {
                        ("file", f) => file = Some(f.to_string()),
                        ("line", n) => line = n.parse().ok(),
                        _ => {}
                    }
                }
                Some((file?, line?))
            })
            .collect();
        v.sort();
        v
    }

    /// `(path, start_line)` of every check-run annotation sent.
    fn check_run_lines(&self) -> Vec<(String, u32)> {
        let spec = Spec::get();
        let mut v: Vec<(String, u32)> = self
            .requests
            .iter()
            .filter(|r| {
                matches!(
                    spec.op_of(&r.method, &r.path),
                    Some("checks/create" | "checks/update")
                )
            })
            .flat_map(|r| {
                r.json()["output"]["annotations"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|a| {
                (
                    a["path"].as_str().unwrap_or("").to_string(),
                    a["start_line"].as_u64().unwrap_or(0) as u32,
                )
            })
            .collect();
        v.sort();
        v
    }

    /// The SARIF bodies of every upload, decoded.
    fn uploaded_sarifs(&self) -> Vec<Value> {
        let spec = Spec::get();
        self.requests
            .iter()
            .filter(|r| spec.op_of(&r.method, &r.path) == Some("code-scanning/upload-sarif"))
            .map(|r| decode_sarif(&r.json()).expect("decodes"))
            .collect()
    }

    fn ops(&self) -> Vec<&'static str> {
        ops(&self.requests)
    }

    /// Fails unless the gate exited with `code`, showing everything it printed.
    fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }

    /// Fails if any planted secret appears anywhere the gate wrote or sent.
    fn assert_no_leak(&self, secrets: &[&str]) {
        let mut places: Vec<(String, String)> = vec![
            ("stdout".into(), self.stdout.clone()),
            ("stderr".into(), self.stderr.clone()),
            ("step summary".into(), self.summary.clone()),
            ("outputs".into(), self.outputs.clone()),
        ];
        if let Some(s) = &self.sarif {
            places.push(("SARIF file".into(), s.to_string()));
        }
        for r in &self.requests {
            places.push((
                format!("{} {}", r.method, r.path),
                String::from_utf8_lossy(&r.body).into_owned(),
            ));
        }
        for s in self.uploaded_sarifs() {
            places.push(("uploaded SARIF".into(), s.to_string()));
        }
        for secret in secrets {
            // The distinctive middle of the secret is enough to count as a leak.
            let probe = &secret[secret.len() / 4..secret.len() * 3 / 4];
            for (place, text) in &places {
                assert!(
                    !text.contains(probe),
                    "a planted secret leaked into {place}"
                );
            }
        }
    }
}

/// The runner's files and variables for one gate run.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(
        &self,
        workspace: &Path,
        server: &ApiServer,
        event: &str,
        payload: Option<&str>,
        env: &[(&str, &str)],
    ) -> GateRun {
        let event_path = self.path("event.json");
        if let Some(p) = payload {
            std::fs::write(&event_path, p).expect("payload");
        }
        let head = git_in(workspace, &["rev-parse", "HEAD"]);
        let mut cmd = secretgate();
        cmd.arg("ci")
            .current_dir(workspace)
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_API_URL", server.url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_SHA", head)
            .env("GITHUB_REF", "refs/pull/7/merge")
            .env("GITHUB_RUN_ID", "42")
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("RUNNER_TEMP", self.dir.path())
            .env("INPUT_TOKEN", TOKEN)
            .env("SECRETGATE_RETRY_BASE_MS", "10")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("secretgate runs");
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        let run = GateRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: read("summary.md"),
            outputs: read("output.txt"),
            sarif: std::fs::read_to_string(self.path("secretgate.sarif"))
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok()),
            requests: server.requests(),
        };
        Spec::get().check_all(&run.requests);
        run
    }
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn pr_payload(base: &str, head: &str, head_repo: &str, changed_files: usize) -> String {
    json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "state": "open",
            "draft": false,
            "title": "Add settings",
            "user": {"login": "dev"},
            "changed_files": changed_files,
            "commits": 1,
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": head_repo, "fork": head_repo != format!("{OWNER}/{REPO}")}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": format!("{OWNER}/{REPO}")}},
        },
        "repository": {"full_name": format!("{OWNER}/{REPO}"), "default_branch": "main", "private": false},
        "sender": {"login": "dev"},
    })
    .to_string()
}

/// A depth-1 clone of the head branch, as actions/checkout makes it, and the temporary
/// directory that holds it (keep it alive as long as the clone is used).
fn shallow_clone(origin: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", origin.display());
    git_in(
        dir.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "ws",
        ],
    );
    let ws = dir.path().join("ws");
    (dir, ws)
}

/// The same clone with its origin gone, so git can neither deepen it nor give the range.
fn orphaned_shallow_clone(origin: &Path) -> (tempfile::TempDir, PathBuf) {
    let (dir, ws) = shallow_clone(origin);
    let gone = "file:///nonexistent/secretgate-origin";
    git_in(&ws, &["remote", "set-url", "origin", gone]);
    (dir, ws)
}

/// A pull request on a real repository:
/// - `main` at A has `config/app.env` with an old secret on line 2, and `legacy.cfg` with
///   another secret;
/// - the branch `feature` (B) adds a clean line to `config/app.env` (the old secret's line
///   is unchanged), adds `src/settings.py` with a token on line 3 and
///   `deploy/storage.env` with a connection string on line 2;
/// - after the branch point, `main` (C) deletes `legacy.cfg`.
struct PullRequestRepo {
    repo: Repo,
    base: String,
    head: String,
    /// (path, line) of the secrets the pull request adds.
    added: Vec<(String, u32)>,
    secrets: Vec<String>,
}

fn pull_request_repo(with_secrets: bool) -> PullRequestRepo {
    let old = github_token(1);
    let deleted = github_token(2);
    let new_token = github_token(3);
    let conn = azure_connection_string(4);
    let repo = Repo::new();
    repo.write(
        "config/app.env",
        &format!("APP_NAME=widgets\nGH_TOKEN={old}\nLOG_LEVEL=info\n"),
    );
    repo.write("legacy.cfg", &format!("[auth]\ntoken = {deleted}\n"));
    repo.write("README.md", "# widgets\n");
    repo.commit_all("A: initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "config/app.env",
        &format!("APP_NAME=widgets\nGH_TOKEN={old}\nLOG_LEVEL=info\nTIMEOUT=30\n"),
    );
    if with_secrets {
        repo.write(
            "src/settings.py",
            &format!("import os\n\nGITHUB_TOKEN = \"{new_token}\"\nDEBUG = False\n"),
        );
        repo.write(
            "deploy/storage.env",
            &format!("# storage\nAZURE_STORAGE_CONNECTION_STRING={conn}\n"),
        );
    } else {
        repo.write(
            "src/settings.py",
            "import os\n\nGITHUB_TOKEN = os.environ[\"GITHUB_TOKEN\"]\nDEBUG = False\n",
        );
    }
    let head = repo.commit_all("B: settings");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["rm", "-q", "legacy.cfg"]);
    repo.write("README.md", "# widgets\n\nNow with docs.\n");
    let base = repo.commit_all("C: drop legacy config");
    repo.git(&["checkout", "-q", "feature"]);
    let added = if with_secrets {
        vec![
            ("deploy/storage.env".to_string(), 2),
            ("src/settings.py".to_string(), 3),
        ]
    } else {
        vec![]
    };
    PullRequestRepo {
        repo,
        base,
        head,
        added,
        secrets: vec![old, deleted, new_token, conn],
    }
}

impl PullRequestRepo {
    fn secrets(&self) -> Vec<&str> {
        self.secrets.iter().map(String::as_str).collect()
    }

    /// A `pull_request` run of the gate in `workspace`, with this PR's payload.
    fn run_gate(&self, workspace: &Path, server: &ApiServer) -> GateRun {
        Runner::new().run(
            workspace,
            server,
            "pull_request",
            Some(&self.payload("octo/widgets")),
            &[],
        )
    }

    fn payload(&self, head_repo: &str) -> String {
        pr_payload(&self.base, &self.head, head_repo, 3)
    }
}

#[test]
fn pr_adding_secrets_fails_with_annotations_on_exactly_the_added_lines() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let runner = Runner::new();
    let run = runner.run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("octo/widgets")),
        &[],
    );
    run.assert_exit(1);

    // Only the added secrets: not the old one on an unchanged line of a touched file
    // (config/app.env:2), not the one the base deleted after the branch point (legacy.cfg).
    assert_eq!(run.annotated_lines(), pr.added, "workflow commands");
    assert_eq!(run.check_run_lines(), pr.added, "check run annotations");

    assert_eq!(
        run.ops(),
        [
            "checks/create",
            "code-scanning/upload-sarif",
            "code-scanning/get-sarif",
            "pulls/list-review-comments",
            "pulls/create-review",
        ]
    );
    let create = run.requests[0].json();
    assert_eq!(
        create["head_sha"],
        json!(pr.head),
        "the PR head, not the merge commit"
    );
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(
        create["details_url"],
        "https://github.com/octo/widgets/actions/runs/42"
    );
    let upload = run.requests[1].json();
    assert_eq!(
        (upload["commit_sha"].clone(), upload["ref"].clone()),
        (json!(pr.head), json!("refs/pull/7/head"))
    );
    let sarifs = run.uploaded_sarifs();
    let mut sarif_lines: Vec<(String, u32)> = sarifs[0]["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0) as u32,
            )
        })
        .collect();
    sarif_lines.sort();
    assert_eq!(sarif_lines, pr.added, "uploaded SARIF results");
    assert_eq!(
        run.sarif
            .as_ref()
            .map(|s| s["runs"][0]["results"].as_array().map_or(0, Vec::len)),
        Some(2),
        "SARIF file"
    );

    assert!(
        run.summary.contains("secretgate: 2 secrets"),
        "summary:\n{}",
        run.summary
    );
    assert!(
        run.outputs.contains("findings=2\n") && run.outputs.contains("result=findings\n"),
        "{}",
        run.outputs
    );
    assert!(run
        .outputs
        .contains(&runner.path("secretgate.sarif").display().to_string()));
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn clean_pr_passes_with_a_successful_check_run() {
    let pr = pull_request_repo(false);
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(0);
    assert!(run.annotated_lines().is_empty());
    let create = run.requests[0].json();
    assert_eq!(
        (create["status"].clone(), create["conclusion"].clone()),
        (json!("completed"), json!("success"))
    );
    assert_eq!(
        run.uploaded_sarifs()[0]["runs"][0]["results"],
        json!([]),
        "an empty run closes old alerts"
    );
    assert!(run.outputs.contains("findings=0\n") && run.outputs.contains("result=clean\n"));
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn shallow_clone_is_deepened_to_find_the_branch_point() {
    let pr = pull_request_repo(true);
    // Serve the origin as GitHub does: any reachable commit can be fetched by SHA.
    pr.repo
        .git(&["config", "uploadpack.allowReachableSHA1InWant", "true"]);
    let (_clone_dir, ws) = shallow_clone(pr.repo.path());
    assert_eq!(
        git_in(&ws, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );

    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(&ws, &server);
    run.assert_exit(1);
    assert!(
        run.stderr
            .contains("fetch --no-tags --quiet --depth=50 origin"),
        "{}",
        run.stderr
    );
    assert_eq!(run.annotated_lines(), pr.added);
    assert!(
        !run.ops().contains(&"pulls/list-files"),
        "git gave the range: no API fallback"
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn without_history_a_pr_is_read_from_the_files_api() {
    let pr = pull_request_repo(true);
    // A depth-1 clone whose origin is gone: git cannot give the range.
    let (_clone_dir, ws) = orphaned_shallow_clone(pr.repo.path());

    let files = vec![
        diff_entry(
            "config/app.env",
            "modified",
            Some("@@ -3,0 +4 @@ LOG_LEVEL=info\n+TIMEOUT=30"),
        ),
        diff_entry(
            "src/settings.py",
            "added",
            Some("@@ -0,0 +1,4 @@\n+import os\n+\n+GITHUB_TOKEN = \"…\"\n+DEBUG = False"),
        ),
        // No patch (GitHub leaves it out for large diffs): the whole file counts.
        diff_entry("deploy/storage.env", "added", None),
        diff_entry("legacy-gone.cfg", "removed", None),
    ];
    let server = fake_github(Behaviour {
        files,
        ..Default::default()
    });
    let run = pr.run_gate(&ws, &server);
    run.assert_exit(1);
    assert_eq!(run.annotated_lines(), pr.added);
    assert_eq!(run.ops()[0], "pulls/list-files");
    assert!(
        run.stdout.contains("files API"),
        "the fallback is announced"
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn pr_with_more_than_3000_files() {
    let pr = pull_request_repo(false);
    let secret = github_token(9);
    for i in 0..3001 {
        pr.repo
            .write(&format!("gen/f{i:04}.txt"), &format!("value {i}\n"));
    }
    pr.repo
        .write("gen/f1234.txt", &format!("value 1234\ntoken: {secret}\n"));
    let head = pr.repo.commit_all("B2: generated files");
    let changed = 3001 + 2;

    // From git: every file, exactly the added line.
    let server = fake_github(Behaviour::default());
    let payload = pr_payload(&pr.base, &head, "octo/widgets", changed);
    let run = Runner::new().run(pr.repo.path(), &server, "pull_request", Some(&payload), &[]);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(run.annotated_lines(), [("gen/f1234.txt".to_string(), 2)]);
    run.assert_no_leak(&[&secret]);

    // From the files API (no history): it lists 3,000 of them, so the whole tree is scanned.
    let (_clone_dir, ws) = orphaned_shallow_clone(pr.repo.path());
    let files: Vec<Value> = (0..3001)
        .map(|i| {
            diff_entry(
                &format!("gen/f{i:04}.txt"),
                "added",
                Some("@@ -0,0 +1 @@\n+value"),
            )
        })
        .collect();
    let server = fake_github(Behaviour {
        files,
        ..Default::default()
    });
    let run = Runner::new().run(
        &ws,
        &server,
        "pull_request",
        Some(&payload),
        &[
            ("SECRETGATE_CHECK_RUN", "false"),
            ("SECRETGATE_UPLOAD", "false"),
            ("SECRETGATE_SUGGEST_FIXES", "false"),
        ],
    );
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert_eq!(run.ops().len(), 30, "30 pages of 100");
    assert!(
        run.stdout.contains("scanning the whole tree"),
        "{}",
        run.stdout
    );
    // The whole tree includes the old secret on the unchanged line: scanning too much is
    // the price of a list the API cut short.
    assert!(run
        .annotated_lines()
        .contains(&("gen/f1234.txt".to_string(), 2)));
    assert!(run
        .annotated_lines()
        .contains(&("config/app.env".to_string(), 2)));
    run.assert_no_leak(&[&secret]);
}

#[test]
fn fork_pr_degrades_to_annotations_and_still_fails() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour {
        faults: vec![
            Fault::new("checks/create", 99, 403).message("Resource not accessible by integration"),
            Fault::new("code-scanning/upload-sarif", 99, 403)
                .message("Resource not accessible by integration"),
        ],
        ..Default::default()
    });
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("mallory/widgets")),
        &[("SECRETGATE_PR_COMMENT", "true")],
    );
    assert_eq!(run.code, 1, "findings still fail the job:\n{}", run.stderr);
    assert_eq!(run.annotated_lines(), pr.added);
    assert_eq!(
        run.stdout.matches("comes from a fork").count(),
        1,
        "said once:\n{}",
        run.stdout
    );
    assert!(
        run.summary.contains("comes from a fork") && run.summary.contains("secretgate: 2 secrets")
    );
    assert_eq!(
        run.ops(),
        ["checks/create"],
        "no more calls after the read-only token is known"
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn a_502_then_success_and_a_429_with_retry_after() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour {
        faults: vec![
            Fault::new("checks/create", 1, 429).header("Retry-After", "1"),
            Fault::new("code-scanning/upload-sarif", 1, 502),
        ],
        ..Default::default()
    });
    let start = Instant::now();
    let run = pr.run_gate(pr.repo.path(), &server);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.ops(),
        [
            "checks/create",
            "checks/create",
            "code-scanning/upload-sarif",
            "code-scanning/upload-sarif",
            "code-scanning/get-sarif",
            "pulls/list-review-comments",
            "pulls/create-review",
        ]
    );
    assert!(
        !run.stdout.contains("::warning title=secretgate::"),
        "no publishing failure left:\n{}",
        run.stdout
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn code_scanning_not_enabled_is_explained_and_does_not_hide_findings() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour {
        faults: vec![Fault::new("code-scanning/upload-sarif", 99, 403).message(
            "Advanced Security must be enabled for this repository to use code scanning.",
        )],
        ..Default::default()
    });
    let run = pr.run_gate(pr.repo.path(), &server);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("Code Security"), "{}", run.stdout);
    assert_eq!(
        run.ops(),
        [
            "checks/create",
            "code-scanning/upload-sarif",
            "pulls/list-review-comments",
            "pulls/create-review"
        ]
    );
}

#[test]
fn sticky_comment_on_request() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("octo/widgets")),
        &[
            ("SECRETGATE_PR_COMMENT", "true"),
            ("SECRETGATE_UPLOAD", "false"),
            ("SECRETGATE_CHECK_RUN", "false"),
            ("SECRETGATE_SUGGEST_FIXES", "false"),
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.ops(), ["issues/list-comments", "issues/create-comment"]);
    let body = run.requests[1].json()["body"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        body.starts_with(comment::MARKER) && body.contains("src/settings.py"),
        "{body}"
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn malformed_or_missing_payload_is_a_clear_error() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let runner = Runner::new();
    let run = runner.run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some("{\"pull_request\": {\"number\": 7,"),
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("event.json") && run.stderr.contains("not valid JSON"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("::error title=secretgate::"),
        "shown as an annotation"
    );
    assert!(run.outputs.contains("result=error"));
    assert!(run.requests.is_empty());

    let run = runner.run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some("{\"pull_request\": {\"number\": 7}}"),
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pull_request.base.sha"),
        "{}",
        run.stderr
    );

    std::fs::remove_file(runner.path("event.json")).expect("rm");
    let run = runner.run(pr.repo.path(), &server, "pull_request", None, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read the event payload") && run.stderr.contains("event.json"),
        "{}",
        run.stderr
    );

    let run = runner.run(pr.repo.path(), &server, "issue_comment", Some("{}"), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("does not support the `issue_comment` event"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_range_and_no_api_fails_closed_with_what_to_change() {
    let pr = pull_request_repo(true);
    let (_clone_dir, ws) = orphaned_shallow_clone(pr.repo.path());
    let server = fake_github(Behaviour {
        faults: vec![Fault::new("pulls/list-files", 99, 404).message("Not Found")],
        ..Default::default()
    });
    let run = pr.run_gate(&ws, &server);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
}

#[test]
fn push_scans_the_pushed_range_and_a_new_branch_whole() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let runner = Runner::new();
    let before = pr.repo.git(&["rev-parse", "HEAD~1"]);
    // The payload names `main` as the default branch: a push to another one keeps its range.
    let payload = json!({
        "ref": "refs/heads/feature", "before": before, "after": pr.head,
        "repository": {"full_name": format!("{OWNER}/{REPO}"), "default_branch": "main"},
    })
    .to_string();
    let run = runner.run(
        pr.repo.path(),
        &server,
        "push",
        Some(&payload),
        &[("GITHUB_REF", "refs/heads/feature")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.annotated_lines(), pr.added);
    let upload = run
        .requests
        .iter()
        .find(|r| r.path.ends_with("/code-scanning/sarifs"))
        .expect("upload")
        .json();
    assert_eq!(upload["ref"], "refs/heads/feature");

    let zeros = "0".repeat(40);
    let payload =
        json!({"ref": "refs/heads/feature", "before": zeros, "after": pr.head, "created": true})
            .to_string();
    let run = runner.run(
        pr.repo.path(),
        &server,
        "push",
        Some(&payload),
        &[("GITHUB_REF", "refs/heads/feature")],
    );
    assert_eq!(run.code, 1);
    let mut expected = pr.added.clone();
    // The branch still has legacy.cfg (only main deleted it).
    expected.extend([
        ("config/app.env".to_string(), 2),
        ("legacy.cfg".to_string(), 2),
    ]);
    expected.sort();
    assert_eq!(
        run.annotated_lines(),
        expected,
        "whole tree: the old secrets too"
    );
}

// ---------------------------------------------------------------------------------------
// Policy from the base branch: a pull request cannot switch its own gate off.

/// `(path, line)` of every result in a SARIF log.
fn sarif_lines(sarif: &Value) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = sarif["runs"][0]["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0) as u32,
            )
        })
        .collect();
    v.sort();
    v
}

/// The check run's `output.summary` as last sent.
fn check_run_summary(run: &GateRun) -> String {
    let spec = Spec::get();
    run.requests
        .iter()
        .filter(|r| {
            matches!(
                spec.op_of(&r.method, &r.path),
                Some("checks/create" | "checks/update")
            )
        })
        .filter_map(|r| r.json()["output"]["summary"].as_str().map(str::to_string))
        .next_back()
        .unwrap_or_default()
}

impl PullRequestRepo {
    /// Commits `edit` on top of the pull request's branch and makes it the new head.
    fn push_to_feature(&mut self, message: &str, edit: impl FnOnce(&Repo)) {
        edit(&self.repo);
        self.head = self.repo.commit_all(message);
    }

    /// Commits `edit` on the target branch and makes it the new base (the workspace stays
    /// on the pull request's branch).
    fn push_to_main(&mut self, message: &str, edit: impl FnOnce(&Repo)) {
        self.repo.git(&["checkout", "-q", "main"]);
        edit(&self.repo);
        self.base = self.repo.commit_all(message);
        self.repo.git(&["checkout", "-q", "feature"]);
    }
}

#[test]
fn a_pr_that_loosens_its_own_policy_still_fails_the_same_way_and_lists_the_change() {
    let mut pr = pull_request_repo(true);
    // The pull request baselines its own secrets and switches the gate off in its config.
    let out = secretgate()
        .args(["baseline", "--output", ".secretgate-baseline.json", "."])
        .current_dir(pr.repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("baseline runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pr.push_to_feature("quiet the gate", |repo| {
        repo.write(
            ".secretgate.yml",
            "fail_on: never\nexclude: [\"**\"]\nbaseline: .secretgate-baseline.json\n\
             disable_rules: [github-pat]\n",
        );
    });
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(1);
    assert_eq!(run.annotated_lines(), pr.added, "workflow commands");
    assert_eq!(run.check_run_lines(), pr.added, "check run annotations");
    let uploaded = run.uploaded_sarifs();
    assert_eq!(sarif_lines(&uploaded[0]), pr.added, "uploaded SARIF");
    assert_eq!(
        run.sarif.as_ref().map(sarif_lines),
        Some(pr.added.clone()),
        "SARIF file"
    );
    assert!(run.outputs.contains("result=findings\n"), "{}", run.outputs);

    // Reviewers see what the pull request would change once merged.
    let check_summary = check_run_summary(&run);
    for text in [&run.summary, &check_summary] {
        assert!(
            text.contains("Policy changes in this pull request")
                && text.contains("apply once it is merged")
                && text.contains("fail\\_on lowered")
                && text.contains("exclude entries added: `**`")
                && text.contains("rules disabled: `github-pat`")
                && text.contains("baseline entries added: `4`"),
            "{text}"
        );
    }
    assert!(
        run.stdout
            .contains("::notice title=secretgate::policy changes apply once merged"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("policy from the base commit"),
        "{}",
        run.stderr
    );
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn an_inline_allow_added_by_a_pr_passes_and_is_listed() {
    let mut pr = pull_request_repo(false);
    let token = github_token(9);
    pr.push_to_feature("test fixture", |repo| {
        repo.write(
            "tests/fixture.py",
            &format!("# a revoked token for the parser tests\n\nTOKEN = \"{token}\"  # secretgate:allow\n"),
        );
    });
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(0);
    assert!(run.annotated_lines().is_empty(), "{}", run.stdout);
    let check_summary = check_run_summary(&run);
    for text in [&run.summary, &check_summary] {
        assert!(
            text.contains("### Inline suppressions: 1")
                && text.contains("`tests/fixture.py:3`")
                && text.contains("`github-pat`"),
            "{text}"
        );
    }
    let create = run.requests[0].json();
    assert_eq!(create["conclusion"], "success");
    assert_eq!(
        create["output"]["title"],
        "No secrets found; 1 inline suppression"
    );
    run.assert_no_leak(&[&token]);
}

#[test]
fn the_base_branch_can_turn_inline_allows_off() {
    let mut pr = pull_request_repo(false);
    pr.push_to_main("no inline suppressions", |repo| {
        repo.write(".secretgate.yml", "inline_allow: false\n");
    });
    let token = github_token(9);
    pr.push_to_feature("test fixture", |repo| {
        repo.write(
            "tests/fixture.py",
            &format!("\n\nTOKEN = \"{token}\"  # gitleaks:allow\n"),
        );
    });
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(1);
    let expected = vec![("tests/fixture.py".to_string(), 3)];
    assert_eq!(run.annotated_lines(), expected);
    assert_eq!(run.check_run_lines(), expected);
    assert!(
        !run.summary.contains("Inline suppressions"),
        "{}",
        run.summary
    );
    // The branch does not carry the base's config: that is no change the PR makes.
    assert!(!run.summary.contains("Policy changes"), "{}", run.summary);
    run.assert_no_leak(&[&token]);
}

#[test]
fn a_push_to_the_default_branch_uses_its_own_config() {
    let pr = pull_request_repo(true);
    pr.repo.git(&["checkout", "-q", "main"]);
    let before = pr.repo.git(&["rev-parse", "HEAD"]);
    pr.repo
        .git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    pr.repo
        .write(".secretgate.yml", "exclude: [\"deploy/**\"]\n");
    let after = pr.repo.commit_all("exclude deployment files");
    let payload = push_payload("refs/heads/main", &before, &after);
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "push",
        Some(&payload),
        &[("GITHUB_REF", "refs/heads/main")],
    );
    run.assert_exit(1);
    assert_eq!(
        run.annotated_lines(),
        [
            ("config/app.env".to_string(), 2),
            ("src/settings.py".to_string(), 3)
        ],
        "the whole tree, with the checkout's exclude applied"
    );
    assert!(
        run.stderr.contains("policy from the checkout"),
        "{}",
        run.stderr
    );
    assert!(!run.summary.contains("Policy changes"), "{}", run.summary);
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn an_explicit_config_is_used_as_given_on_a_pull_request() {
    let pr = pull_request_repo(true);
    // A platform team's policy, checked out from a central repository beside the workspace.
    let central = tempfile::tempdir().expect("tempdir");
    let config = central.path().join("secretgate.yml");
    std::fs::write(&config, "exclude: [\"deploy/**\"]\n").expect("write");
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("octo/widgets")),
        &[("SECRETGATE_CONFIG", &config.display().to_string())],
    );
    run.assert_exit(1);
    assert_eq!(run.annotated_lines(), [("src/settings.py".to_string(), 3)]);
    assert!(run.stderr.contains("(--config)"), "{}", run.stderr);
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn a_pr_with_a_broken_config_is_still_gated_and_told_so() {
    let mut pr = pull_request_repo(true);
    let token = github_token(11);
    pr.push_to_feature("break the config", |repo| {
        // The broken file holds a secret: the parser's message must not carry it anywhere.
        repo.write(
            ".secretgate.yml",
            &format!("fail_on: [never\ntoken: {token}\n"),
        );
    });
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(1);
    let mut expected = pr.added.clone();
    expected.push((".secretgate.yml".to_string(), 2));
    expected.sort();
    assert_eq!(run.annotated_lines(), expected);
    assert!(
        run.summary
            .contains("does not load; once merged, every gate run fails"),
        "{}",
        run.summary
    );
    let mut secrets = pr.secrets();
    secrets.push(&token);
    run.assert_no_leak(&secrets);
}

// ---------------------------------------------------------------------------------------
// Suggested fixes: one review of suggested changes per run
// ---------------------------------------------------------------------------------------

impl GateRun {
    /// The bodies of every `pulls/create-review` request.
    fn reviews(&self) -> Vec<Value> {
        let spec = Spec::get();
        self.requests
            .iter()
            .filter(|r| spec.op_of(&r.method, &r.path) == Some("pulls/create-review"))
            .map(Recorded::json)
            .collect()
    }

    /// The check-run annotation messages on `path`.
    fn annotation_messages(&self, path: &str) -> Vec<String> {
        let spec = Spec::get();
        self.requests
            .iter()
            .filter(|r| {
                matches!(
                    spec.op_of(&r.method, &r.path),
                    Some("checks/create" | "checks/update")
                )
            })
            .flat_map(|r| {
                r.json()["output"]["annotations"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|a| a["path"] == path)
            .map(|a| a["message"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// The text of the `::warning` workflow commands that are not about a file.
    fn warnings(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("::warning title=secretgate::"))
            .collect()
    }
}

/// The lines of a ```suggestion block in a review comment's body.
fn suggested_lines(body: &str) -> Option<String> {
    let start = body.find("```suggestion\n")? + "```suggestion\n".len();
    let end = body[start..].find("\n```")? + start;
    Some(body[start..end].to_string())
}

#[test]
fn a_pr_gets_one_review_with_a_suggestion_on_each_added_secret_line() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let run = pr.run_gate(pr.repo.path(), &server);
    run.assert_exit(1);

    let reviews = run.reviews();
    assert_eq!(reviews.len(), 1, "one review per run");
    let review = &reviews[0];
    assert_eq!(review["event"], "COMMENT");
    assert_eq!(review["commit_id"], json!(pr.head));
    let comments = review["comments"].as_array().expect("comments");
    let mut lines: Vec<(String, u32)> = comments
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap_or("").to_string(),
                c["line"].as_u64().unwrap_or(0) as u32,
            )
        })
        .collect();
    lines.sort();
    assert_eq!(lines, pr.added, "a suggestion on each added secret's line");
    for c in comments {
        assert_eq!(c["side"], "RIGHT");
        let body = c["body"].as_str().unwrap_or("");
        assert!(
            body.starts_with("<!-- secretgate:suggestion "),
            "hidden marker first: {body}"
        );
        assert!(body.contains("Rotate it"), "rotation steps: {body}");
        let suggested = suggested_lines(body).unwrap_or_else(|| panic!("no block: {body}"));
        match c["path"].as_str() {
            Some("src/settings.py") => {
                assert_eq!(suggested, "GITHUB_TOKEN = os.environ[\"GITHUB_TOKEN\"]")
            }
            Some("deploy/storage.env") => {
                assert!(
                    suggested.starts_with("AZURE_STORAGE_CONNECTION_STRING=")
                        && !suggested.contains("AccountKey"),
                    "{suggested}"
                )
            }
            other => panic!("unexpected path {other:?}"),
        }
    }
    let settings = run.annotation_messages("src/settings.py");
    assert!(
        settings[0].contains("Fix: read `GITHUB_TOKEN`") && settings[0].contains("Rotate it"),
        "{}",
        settings[0]
    );
    // Request bodies (review and comments) are in the leak check, with everything else.
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn a_rerun_does_not_repeat_a_suggestion_already_there() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let first = pr.run_gate(pr.repo.path(), &server);
    assert_eq!(first.reviews().len(), 1);
    let second = pr.run_gate(pr.repo.path(), &server);
    second.assert_exit(1);
    let after_first = first.requests.len();
    let second_ops = ops(&second.requests[after_first..]);
    assert!(
        second_ops.contains(&"pulls/list-review-comments"),
        "{second_ops:?}"
    );
    assert!(
        !second_ops.contains(&"pulls/create-review"),
        "no second review: {second_ops:?}"
    );
    assert!(second.stderr.contains("already on the pull request"));
}

#[test]
fn a_403_or_422_on_the_review_is_a_warning_and_changes_nothing_else() {
    for (status, says) in [
        (403, "pull-requests: write"),
        (422, "outside the pull request's diff"),
    ] {
        let pr = pull_request_repo(true);
        let server = fake_github(Behaviour {
            faults: vec![Fault::new("pulls/create-review", 99, status)],
            ..Default::default()
        });
        let run = pr.run_gate(pr.repo.path(), &server);
        assert_eq!(run.code, 1, "the findings decide the exit code");
        assert_eq!(
            run.ops(),
            [
                "checks/create",
                "code-scanning/upload-sarif",
                "code-scanning/get-sarif",
                "pulls/list-review-comments",
                "pulls/create-review",
            ],
            "a refused review is not retried and stops nothing"
        );
        let warnings = run.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("suggested fixes") && warnings[0].contains(says),
            "{}",
            warnings[0]
        );
        assert_eq!(run.annotated_lines(), pr.added);
        assert!(run.outputs.contains("result=findings\n"));
        run.assert_no_leak(&pr.secrets());
    }
}

#[test]
fn a_clean_pr_or_suggest_fixes_false_gets_no_review() {
    let clean = pull_request_repo(false);
    let server = fake_github(Behaviour::default());
    let run = clean.run_gate(clean.repo.path(), &server);
    run.assert_exit(0);
    assert!(
        !run.ops().iter().any(|op| op.starts_with("pulls/")),
        "{:?}",
        run.ops()
    );

    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("octo/widgets")),
        &[("SECRETGATE_SUGGEST_FIXES", "false")],
    );
    run.assert_exit(1);
    assert!(
        !run.ops().iter().any(|op| op.starts_with("pulls/")),
        "{:?}",
        run.ops()
    );
}

#[test]
fn at_most_fifty_suggestions_and_none_where_no_rewrite_is_safe() {
    let repo = Repo::new();
    repo.write("README.md", "# widgets\n");
    let base = repo.commit_all("A");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let tokens: Vec<String> = (0..55).map(|i| github_token(100 + i)).collect();
    let env: String = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| format!("TOKEN_{i}={t}\n"))
        .collect();
    repo.write("deploy/tokens.env", &env);
    // A file type with no safe rewrite: steps only, no suggestion.
    let loose = github_token(99);
    repo.write("notes.txt", &format!("the token is {loose}\n"));
    let head = repo.commit_all("B");
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        repo.path(),
        &server,
        "pull_request",
        Some(&pr_payload(&base, &head, "octo/widgets", 2)),
        &[],
    );
    run.assert_exit(1);
    let reviews = run.reviews();
    assert_eq!(reviews.len(), 1);
    let comments = reviews[0]["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 50);
    assert!(comments.iter().all(|c| c["path"] == "deploy/tokens.env"));
    assert!(
        reviews[0]["body"]
            .as_str()
            .unwrap_or("")
            .contains("5 more suggested fix(es) not posted"),
        "{}",
        reviews[0]["body"]
    );
    assert!(
        run.summary.contains("5 more suggested fix(es) not posted"),
        "{}",
        run.summary
    );
    // No suggestion on notes.txt: its annotation and the summary carry the steps instead.
    let notes = run.annotation_messages("notes.txt");
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("No rewrite is safe") && notes[0].contains("Rotate it (GitHub token)"),
        "{}",
        notes[0]
    );
    assert!(
        run.summary.contains("No safe rewrite: fix these by hand")
            && run.summary.contains("`notes.txt`:1"),
        "{}",
        run.summary
    );
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.push(&loose);
    run.assert_no_leak(&secrets);
}

// ---------------------------------------------------------------------------------------
// Keep watching: the whole tree on the default branch and on a schedule, history on demand.

/// The pull request's branch merged into `main`, which the workspace then has checked out:
/// `config/app.env` line 2 (a secret `main` had from the start), `src/settings.py` line 3 and
/// `deploy/storage.env` line 2.
fn default_branch_repo() -> PullRequestRepo {
    let pr = pull_request_repo(true);
    pr.repo.git(&["checkout", "-q", "main"]);
    pr.repo
        .git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    pr
}

fn default_branch_findings() -> Vec<(String, u32)> {
    vec![
        ("config/app.env".to_string(), 2),
        ("deploy/storage.env".to_string(), 2),
        ("src/settings.py".to_string(), 3),
    ]
}

/// The one upload of a run, with the `ref` and `commit_sha` it went to.
fn the_upload(run: &GateRun) -> (Value, Value) {
    let spec = Spec::get();
    let uploads: Vec<Value> = run
        .requests
        .iter()
        .filter(|r| spec.op_of(&r.method, &r.path) == Some("code-scanning/upload-sarif"))
        .map(Recorded::json)
        .collect();
    assert_eq!(uploads.len(), 1, "one SARIF upload:\n{}", run.stderr);
    let sarif = decode_sarif(&uploads[0]).expect("decodes");
    (uploads[0].clone(), sarif)
}

/// What code scanning tells analyses apart by: the tool name and the category.
fn analysis_key(sarif: &Value) -> (Value, Value) {
    let run = &sarif["runs"][0];
    (
        run["tool"]["driver"]["name"].clone(),
        run["automationDetails"]["id"].clone(),
    )
}

fn push_payload(git_ref: &str, before: &str, after: &str) -> String {
    json!({
        "ref": git_ref, "before": before, "after": after,
        "repository": {"full_name": format!("{OWNER}/{REPO}"), "default_branch": "main"},
    })
    .to_string()
}

#[test]
fn a_scheduled_run_scans_the_whole_tree_and_uploads_it_for_the_default_branch() {
    let pr = default_branch_repo();
    let head = pr.repo.git(&["rev-parse", "HEAD"]);
    let server = fake_github(Behaviour::default());
    let payload = json!({
        "schedule": "17 3 * * *",
        "repository": {"full_name": format!("{OWNER}/{REPO}"), "default_branch": "main"},
    })
    .to_string();
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "schedule",
        Some(&payload),
        &[("GITHUB_REF", "refs/heads/main")],
    );
    run.assert_exit(1);
    assert!(run.stderr.contains("scan: tree"), "{}", run.stderr);
    let (upload, sarif) = the_upload(&run);
    assert_eq!(upload["ref"], "refs/heads/main");
    assert_eq!(upload["commit_sha"], json!(head));
    // Every secret in the tree, including the one on a line no change touched lately.
    assert_eq!(sarif_lines(&sarif), default_branch_findings());
    assert_eq!(run.annotated_lines(), default_branch_findings());
    assert_eq!(
        run.check_run_lines(),
        default_branch_findings(),
        "the check run on the scanned commit"
    );
    assert!(run.summary.contains("config/app.env"), "{}", run.summary);
    run.assert_no_leak(&pr.secrets());
}

#[test]
fn a_push_to_the_default_branch_uploads_the_whole_tree_and_a_fix_drops_its_result() {
    let pr = default_branch_repo();
    let server = fake_github(Behaviour::default());
    let runner = Runner::new();

    // A scheduled run and a push to main that changes only the README upload the same
    // analysis: the same tool, the same category, every secret in the tree.
    let scheduled = runner.run(
        pr.repo.path(),
        &server,
        "schedule",
        None,
        &[("GITHUB_REF", "refs/heads/main")],
    );
    let (_, scheduled_sarif) = the_upload(&scheduled);

    let before = pr.repo.git(&["rev-parse", "HEAD"]);
    pr.repo
        .write("README.md", "# widgets\n\nNow with docs.\nAnd more.\n");
    let after = pr.repo.commit_all("docs");
    let server = fake_github(Behaviour::default());
    let run = runner.run(
        pr.repo.path(),
        &server,
        "push",
        Some(&push_payload("refs/heads/main", &before, &after)),
        &[("GITHUB_REF", "refs/heads/main")],
    );
    run.assert_exit(1);
    assert!(
        run.stderr
            .contains("scan: tree (the default for this `push` event)"),
        "{}",
        run.stderr
    );
    let (upload, sarif) = the_upload(&run);
    assert_eq!(upload["ref"], "refs/heads/main");
    assert_eq!(upload["commit_sha"], json!(after));
    assert_eq!(
        sarif_lines(&sarif),
        default_branch_findings(),
        "none of them is in the push's diff"
    );
    assert_eq!(analysis_key(&sarif), analysis_key(&scheduled_sarif));
    assert_eq!(
        sarif["runs"][0]["automationDetails"],
        Value::Null,
        "the category pull requests use too"
    );

    // The secret that `main` had from the start is moved to the environment: the next
    // analysis no longer has it, so code scanning closes its alert.
    let before = after;
    pr.repo.write(
        "config/app.env",
        "APP_NAME=widgets\nGH_TOKEN=${GH_TOKEN}\nLOG_LEVEL=info\nTIMEOUT=30\n",
    );
    let after = pr.repo.commit_all("read the token from the environment");
    let server = fake_github(Behaviour::default());
    let run = runner.run(
        pr.repo.path(),
        &server,
        "push",
        Some(&push_payload("refs/heads/main", &before, &after)),
        &[("GITHUB_REF", "refs/heads/main")],
    );
    let (_, fixed) = the_upload(&run);
    assert_eq!(
        sarif_lines(&fixed),
        [
            ("deploy/storage.env".to_string(), 2),
            ("src/settings.py".to_string(), 3)
        ]
    );
    assert_eq!(analysis_key(&fixed), analysis_key(&scheduled_sarif));
    run.assert_no_leak(&pr.secrets());

    // `scan: changes` keeps a default-branch push to what it adds (nothing, here).
    let server = fake_github(Behaviour::default());
    let run = runner.run(
        pr.repo.path(),
        &server,
        "push",
        Some(&push_payload("refs/heads/main", &before, &after)),
        &[
            ("GITHUB_REF", "refs/heads/main"),
            ("SECRETGATE_SCAN", "changes"),
        ],
    );
    run.assert_exit(0);
    let (_, sarif) = the_upload(&run);
    assert_eq!(sarif_lines(&sarif), []);
}

#[test]
fn scan_history_in_ci_finds_a_deleted_secret_with_the_commit_that_added_it() {
    let token = github_token(11);
    let repo = Repo::new();
    repo.write("README.md", "# widgets\n");
    repo.commit_all("initial");
    repo.write(
        "deploy/old.env",
        &format!("# old deploy\nGH_TOKEN={token}\n"),
    );
    let added = repo.commit_all("deploy settings");
    repo.git(&["rm", "-q", "deploy/old.env"]);
    repo.commit_all("remove deploy settings");
    let server = fake_github(Behaviour::default());
    let runner = Runner::new();

    // The tree no longer has the secret...
    let run = runner.run(repo.path(), &server, "workflow_dispatch", None, &[]);
    run.assert_exit(0);
    assert_eq!(sarif_lines(&the_upload(&run).1), []);

    // ...its history does, credited to the commit that added it.
    let server = fake_github(Behaviour::default());
    let run = runner.run(
        repo.path(),
        &server,
        "workflow_dispatch",
        None,
        &[
            ("SECRETGATE_SCAN", "history"),
            ("GITHUB_REF", "refs/heads/main"),
        ],
    );
    run.assert_exit(1);
    assert!(
        run.stderr.contains("scan: history (as set)"),
        "{}",
        run.stderr
    );
    let (upload, sarif) = the_upload(&run);
    assert_eq!(upload["ref"], "refs/heads/main");
    assert_eq!(sarif_lines(&sarif), [("deploy/old.env".to_string(), 2)]);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["commit"], json!(added));
    assert_eq!(result["properties"]["author"], "Dev <dev@example.com>");
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"], "secretgate-history/",
        "its own category, so it never replaces the tree's analysis"
    );
    assert!(
        sarif["runs"][0]["versionControlProvenance"].is_array(),
        "{}",
        sarif["runs"][0]
    );
    assert_eq!(
        run.sarif.as_ref().map(sarif_lines),
        Some(vec![("deploy/old.env".to_string(), 2)]),
        "the SARIF file says the same"
    );
    run.assert_no_leak(&[&token]);
}

#[test]
fn scan_tree_on_a_pull_request_reports_every_secret_and_suggests_nothing() {
    let pr = pull_request_repo(true);
    let server = fake_github(Behaviour::default());
    let run = Runner::new().run(
        pr.repo.path(),
        &server,
        "pull_request",
        Some(&pr.payload("octo/widgets")),
        &[("SECRETGATE_SCAN", "tree")],
    );
    run.assert_exit(1);
    let mut expected = pr.added.clone();
    // The branch's whole tree: the old secret and the file only main deleted.
    expected.extend([
        ("config/app.env".to_string(), 2),
        ("legacy.cfg".to_string(), 2),
    ]);
    expected.sort();
    assert_eq!(run.annotated_lines(), expected);
    let (upload, sarif) = the_upload(&run);
    assert_eq!(upload["ref"], "refs/pull/7/head");
    assert_eq!(upload["commit_sha"], json!(pr.head));
    assert_eq!(sarif_lines(&sarif), expected);
    assert!(
        !run.ops().contains(&"pulls/create-review"),
        "suggestions belong on added lines: {:?}",
        run.ops()
    );
    run.assert_no_leak(&pr.secrets());
}
