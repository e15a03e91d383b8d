//! `secretgate ci` on Azure Pipelines against a loopback Azure DevOps API.
//!
//! Each case builds a real repository whose HEAD is a real merge commit (what a pull-request
//! build checks out as `refs/pull/N/merge`), sets the variables the agent sets, and runs the
//! binary against [`FakeAzure`], a small stateful Azure DevOps on 127.0.0.1. Every request it
//! receives is checked against `tests/specs/azure-devops-rest-subset.json` (REST 7.1):
//! known operation, `api-version`, `Authorization`, declared query parameters, and a body
//! that validates against the operation's schema with no undeclared fields.

use crate::support::api_server::{ApiServer, Recorded, Reply};
use crate::support::git::Repo;
use crate::support::{join, secretgate, specs_dir};
use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "fake-access-token-for-loopback-tests";
const REPO_ID: &str = "3411ebc1-d5aa-464f-9615-0b527bc66719";
const PROJECT: &str = "Fabrikam Fiber";
const PR_ID: &str = "22";

// ---------------------------------------------------------------------------------------
// Planted secrets, made at run time so this file never holds a contiguous credential.

/// A deterministic byte stream (xorshift), so failures reproduce.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn chars_from(alphabet: &[u8], seed: u64, n: usize) -> String {
    bytes(seed, n)
        .into_iter()
        .map(|b| alphabet[b as usize % alphabet.len()] as char)
        .collect()
}

struct Planted {
    aws_id: String,
    aws_secret: String,
    storage_key: String,
    old_storage_key: String,
}

impl Planted {
    fn new() -> Self {
        let upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        Self {
            aws_id: join(&["AK", "IA", &chars_from(upper, 0x5eed_0001, 16)]),
            aws_secret: chars_from(b64, 0x5eed_0002, 40),
            storage_key: base64::engine::general_purpose::STANDARD.encode(bytes(0x5eed_0003, 64)),
            old_storage_key: base64::engine::general_purpose::STANDARD
                .encode(bytes(0x5eed_0004, 64)),
        }
    }

    fn all(&self) -> [&str; 4] {
        [
            &self.aws_id,
            &self.aws_secret,
            &self.storage_key,
            &self.old_storage_key,
        ]
    }

    fn connection_string(key: &str) -> String {
        join(&[
            "DefaultEndpointsProtocol=https;AccountName=fabrikamdata;Account",
            "Key=",
            key,
            ";EndpointSuffix=core.windows.net",
        ])
    }
}

/// Fails if any planted secret, or any 12-character piece of one, is in `text`.
fn assert_no_secret(what: &str, text: &str, planted: &Planted) {
    for s in planted.all() {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(12) {
            let piece: String = w.iter().collect();
            assert!(
                !text.contains(&piece),
                "{what} holds a piece of a planted secret: {piece}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Repositories shaped like an Azure Repos pull-request build.

/// The target branch (`main`, with an old secret already in `deploy/settings.ini`) and a PR
/// branch `feature` made by `edit`; HEAD ends on `--no-ff` merge of `feature` into `main`,
/// which is what `refs/pull/22/merge` is. Returns the merge commit.
fn pr_repo(planted: &Planted, edit: impl FnOnce(&Repo)) -> (Repo, String) {
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.write(
        "deploy/settings.ini",
        &format!(
            "[storage]\nconnection = {}\nretries = 3\n",
            Planted::connection_string(&planted.old_storage_key)
        ),
    );
    repo.commit_all("initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    edit(&repo);
    repo.commit_all("pull request change");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "# service\n\nTarget branch moved on.\n");
    repo.commit_all("target moves on");
    let merge = merge_pr(&repo);
    (repo, merge)
}

/// Merges `feature` into the current `main` on a detached HEAD and points `refs/pull/22/merge` at it.
fn merge_pr(repo: &Repo) -> String {
    repo.git(&["checkout", "-q", "--detach", "main"]);
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-edit",
        "-m",
        "Merged PR 22",
        "feature",
    ]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", "refs/pull/22/merge", &merge]);
    merge
}

fn add_secrets(planted: &Planted) -> impl FnOnce(&Repo) + '_ {
    move |repo| {
        repo.write(
            "config/app.env",
            &format!(
                "# service settings\nAWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nREGION=westeurope\n",
                planted.aws_id, planted.aws_secret
            ),
        );
        repo.write(
            "src/storage.json",
            &format!(
                "{{\n  \"name\": \"data\",\n  \"Storage\": \"{}\"\n}}\n",
                Planted::connection_string(&planted.storage_key)
            ),
        );
        // The PR also edits the file that already holds an old secret, on another line.
        let ini = std::fs::read_to_string(repo.path().join("deploy/settings.ini")).expect("read");
        repo.write("deploy/settings.ini", &format!("{ini}timeout = 30\n"));
    }
}

/// The findings the secrets-added PR must produce: (path, line).
fn expected_added() -> BTreeSet<(String, u32)> {
    [
        ("config/app.env", 2),
        ("config/app.env", 3),
        ("src/storage.json", 3),
    ]
    .into_iter()
    .map(|(p, l)| (p.to_string(), l))
    .collect()
}

// ---------------------------------------------------------------------------------------
// A stateful fake of the Azure DevOps pull-request API.

#[derive(Default)]
struct FakeState {
    threads: Vec<Value>,
    next_id: u64,
    /// Remaining forced failures: (method, path suffix) -> replies to give first.
    failures: Vec<(String, String, Reply)>,
    /// Answers for the iterations API (fallback tests).
    changes: Option<Vec<(&'static str, &'static str)>>,
}

struct FakeAzure {
    server: ApiServer,
    state: Arc<Mutex<FakeState>>,
}

impl FakeAzure {
    fn start() -> Self {
        Self::with(FakeState::default())
    }

    fn with(state: FakeState) -> Self {
        let state = Arc::new(Mutex::new(state));
        let s = Arc::clone(&state);
        let server = ApiServer::start(move |req| respond(&mut s.lock().expect("lock"), req));
        Self { server, state }
    }

    fn collection_uri(&self) -> String {
        format!("{}/org/", self.server.url())
    }

    /// Every recorded request, each checked against the REST spec; returns their operation ids.
    fn checked_requests(&self) -> Vec<(String, Recorded)> {
        let spec = Spec::load();
        self.server
            .requests()
            .into_iter()
            .map(|r| (spec.check(&r), r))
            .collect()
    }

    fn threads(&self) -> Vec<Value> {
        self.state.lock().expect("lock").threads.clone()
    }
}

fn respond(st: &mut FakeState, req: &Recorded) -> Reply {
    if let Some(i) = st
        .failures
        .iter()
        .position(|(m, suffix, _)| *m == req.method && req.path.ends_with(suffix.as_str()))
    {
        return st.failures.remove(i).2;
    }
    let pr = format!("/_apis/git/repositories/{REPO_ID}/pullRequests/{PR_ID}");
    let Some(rest) = req.path.split_once(pr.as_str()).map(|(_, r)| r.to_string()) else {
        return Reply::json(404, json!({"message": "no such pull request"}));
    };
    match (req.method.as_str(), rest.as_str()) {
        ("GET", "/threads") => {
            Reply::json(200, json!({"count": st.threads.len(), "value": st.threads}))
        }
        ("POST", "/threads") => {
            st.next_id += 1;
            let mut t = req.json();
            t["id"] = json!(st.next_id);
            t["isDeleted"] = json!(false);
            st.threads.push(t.clone());
            Reply::json(200, t)
        }
        ("PATCH", p) if p.starts_with("/threads/") => {
            let id: u64 = p["/threads/".len()..].parse().unwrap_or(0);
            let body = req.json();
            match st.threads.iter_mut().find(|t| t["id"] == json!(id)) {
                Some(t) => {
                    if let Some(s) = body.get("status") {
                        t["status"] = s.clone();
                    }
                    Reply::json(200, t.clone())
                }
                None => Reply::json(404, json!({"message": "no such thread"})),
            }
        }
        ("POST", "/statuses") => {
            let mut s = req.json();
            s["id"] = json!(1);
            Reply::json(200, s)
        }
        ("GET", "/iterations") => {
            Reply::json(200, json!({"count": 2, "value": [{"id": 1}, {"id": 2}]}))
        }
        ("GET", "/iterations/2/changes") => {
            let entries: Vec<Value> = st
                .changes
                .clone()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, (path, kind))| json!({"changeTrackingId": i + 1, "changeId": i + 1, "item": {"path": path, "gitObjectType": "blob"}, "changeType": kind}))
                .collect();
            Reply::json(200, json!({"changeEntries": entries}))
        }
        _ => Reply::json(404, json!({"message": "not played by the fake"})),
    }
}

/// A thread a reviewer wrote, which secretgate must leave alone.
fn human_thread(id: u64) -> Value {
    json!({"id": id, "status": "active", "isDeleted": false, "properties": {},
           "comments": [{"id": 1, "parentCommentId": 0, "content": "Looks good", "commentType": "text"}],
           "threadContext": {"filePath": "/README.md", "rightFileStart": {"line": 1, "offset": 1}, "rightFileEnd": {"line": 1, "offset": 2}}})
}

// ---------------------------------------------------------------------------------------
// The REST spec checker.

struct Operation {
    id: String,
    method: String,
    segments: Vec<String>,
    params: Vec<Value>,
    body: Option<jsonschema::Validator>,
    body_schema: Option<Value>,
}

struct Spec {
    ops: Vec<Operation>,
    definitions: Value,
}

impl Spec {
    fn load() -> Self {
        let path = specs_dir().join("azure-devops-rest-subset.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).expect("spec is JSON");
        let v71 = &doc["x-other-versions"]["7.1"];
        let definitions = v71["definitions"].clone();
        let shared_params = v71["parameters"].clone();
        let mut ops = Vec::new();
        for (id, op) in v71["x-operations"].as_object().expect("x-operations") {
            assert_eq!(op["api-version"], "7.1", "{id}");
            let method = op["method"].as_str().expect("method").to_string();
            let template = op["path"].as_str().expect("path");
            let entry = &v71["paths"][template][method.to_ascii_lowercase()];
            let params: Vec<Value> = entry["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .map(|p| match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => shared_params[r.trim_start_matches("#/parameters/")].clone(),
                    None => p.clone(),
                })
                .collect();
            let body_schema = params
                .iter()
                .find(|p| p["in"] == "body")
                .map(|p| p["schema"].clone());
            let body = body_schema.as_ref().map(|s| {
                jsonschema::draft4::new(&json!({"definitions": definitions, "allOf": [s]}))
                    .expect("body schema compiles")
            });
            ops.push(Operation {
                id: id.clone(),
                method,
                segments: template
                    .trim_start_matches('/')
                    .split('/')
                    .map(str::to_string)
                    .collect(),
                params,
                body,
                body_schema,
            });
        }
        Self { ops, definitions }
    }

    /// Checks one request; returns its operation id. Panics with the reason otherwise.
    fn check(&self, req: &Recorded) -> String {
        let segs: Vec<String> = req
            .path
            .trim_start_matches('/')
            .split('/')
            .map(percent_decode)
            .collect();
        assert_eq!(
            segs.first().map(String::as_str),
            Some("org"),
            "request outside the collection: {}",
            req.path
        );
        let op = self
            .ops
            .iter()
            .find(|op| {
                op.method == req.method
                    && op.segments.len() == segs.len()
                    && op
                        .segments
                        .iter()
                        .zip(&segs)
                        .all(|(t, s)| self.segment_ok(op, t, s))
            })
            .unwrap_or_else(|| {
                panic!(
                    "{} {} is not an operation of the REST 7.1 spec",
                    req.method, req.path
                )
            });
        assert_eq!(
            req.query_param("api-version").as_deref(),
            Some("7.1"),
            "{}: api-version missing: {}",
            op.id,
            req.query
        );
        for kv in req.query.split('&').filter(|kv| !kv.is_empty()) {
            let key = percent_decode(kv.split_once('=').map_or(kv, |(k, _)| k));
            assert!(
                key == "api-version"
                    || op
                        .params
                        .iter()
                        .any(|p| p["in"] == "query" && p["name"] == key.as_str()),
                "{}: undeclared query parameter {key}",
                op.id
            );
        }
        assert_eq!(
            req.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{}: Authorization",
            op.id
        );
        match (&op.body, &op.body_schema) {
            (Some(v), Some(schema)) => {
                let body: Value = serde_json::from_slice(&req.body)
                    .unwrap_or_else(|e| panic!("{}: body is not JSON: {e}", op.id));
                let errors: Vec<String> = v
                    .iter_errors(&body)
                    .map(|e| format!("{e} at {}", e.instance_path()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{}: body does not match the spec:\n{}\n{body:#}",
                    op.id,
                    errors.join("\n")
                );
                let mut unknown = Vec::new();
                self.undeclared_fields(schema, &body, "", &mut unknown);
                assert!(
                    unknown.is_empty(),
                    "{}: fields the spec does not declare: {unknown:?}",
                    op.id
                );
            }
            _ => assert!(req.body.is_empty(), "{}: unexpected body", op.id),
        }
        op.id.clone()
    }

    fn segment_ok(&self, op: &Operation, template: &str, seg: &str) -> bool {
        match template.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) => {
                let integer = op
                    .params
                    .iter()
                    .any(|p| p["in"] == "path" && p["name"] == name && p["type"] == "integer");
                !seg.is_empty() && (!integer || seg.bytes().all(|b| b.is_ascii_digit()))
            }
            None => template == seg,
        }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve(&self.definitions[r.trim_start_matches("#/definitions/")]),
            None => schema,
        }
    }

    /// Object fields the schema (with its `allOf` parents) does not declare. A property bag
    /// (`PropertiesCollection`) takes any key.
    fn undeclared_fields(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        if schema.get("$ref").and_then(Value::as_str) == Some("#/definitions/PropertiesCollection")
        {
            return;
        }
        let schema = self.resolve(schema);
        match value {
            Value::Object(map) => {
                let mut props: HashMap<&str, &Value> = HashMap::new();
                let mut stack = vec![schema];
                while let Some(s) = stack.pop() {
                    if let Some(p) = s.get("properties").and_then(Value::as_object) {
                        props.extend(p.iter().map(|(k, v)| (k.as_str(), v)));
                    }
                    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
                        stack.extend(all.iter().map(|a| self.resolve(a)));
                    }
                }
                for (k, v) in map {
                    match props.get(k.as_str()) {
                        Some(sub) => self.undeclared_fields(sub, v, &format!("{at}/{k}"), out),
                        None => out.push(format!("{at}/{k}")),
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        self.undeclared_fields(item, v, &format!("{at}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (
                (b[i + 1] as char).to_digit(16),
                (b[i + 2] as char).to_digit(16),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------
// Running the gate.

struct Build {
    staging: tempfile::TempDir,
    temp: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Build {
    /// The variables an Azure Repos pull-request build sets.
    fn pr(fake: &FakeAzure, sources: &Path, merge: &str) -> Self {
        let staging = tempfile::tempdir().expect("tempdir");
        let temp = tempfile::tempdir().expect("tempdir");
        let env = [
            ("TF_BUILD", "True"),
            ("BUILD_REASON", "PullRequest"),
            ("SYSTEM_COLLECTIONURI", &fake.collection_uri()),
            ("SYSTEM_TEAMPROJECT", PROJECT),
            ("BUILD_REPOSITORY_ID", REPO_ID),
            ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
            (
                "BUILD_REPOSITORY_URI",
                "https://fabrikam@dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/service",
            ),
            ("SYSTEM_PULLREQUEST_PULLREQUESTID", PR_ID),
            ("SYSTEM_PULLREQUEST_TARGETBRANCH", "refs/heads/main"),
            ("BUILD_SOURCEBRANCH", "refs/pull/22/merge"),
            ("BUILD_SOURCEVERSION", merge),
            ("BUILD_SOURCESDIRECTORY", &sources.display().to_string()),
            (
                "BUILD_ARTIFACTSTAGINGDIRECTORY",
                &staging.path().display().to_string(),
            ),
            ("AGENT_TEMPDIRECTORY", &temp.path().display().to_string()),
            ("BUILD_BUILDID", "417"),
            ("SYSTEM_ACCESSTOKEN", TOKEN),
            ("SECRETGATE_RETRY_BASE_MS", "5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Self { staging, temp, env }
    }

    fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    fn unset(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    fn sarif_path(&self) -> PathBuf {
        self.staging
            .path()
            .join("CodeAnalysisLogs/secretgate.sarif")
    }

    fn summary_path(&self) -> PathBuf {
        self.temp.path().join("secretgate-summary.md")
    }

    fn run(&self, cwd: &Path, extra: &[&str]) -> Outcome {
        let mut cmd = secretgate();
        cmd.arg("ci")
            .args(["--pr-comment", "true"])
            .args(extra)
            .current_dir(cwd);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let started = std::time::Instant::now();
        let out = cmd.output().expect("secretgate runs");
        Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: std::time::Duration,
}

impl Outcome {
    fn log(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }

    /// `task.logissue` lines with a file position: (path, line, column, code).
    fn issues(&self) -> Vec<(String, u32, u32, String)> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix("##vso[task.logissue "))
            .filter_map(|l| {
                let props = l.split_once(']')?.0;
                let map: HashMap<&str, &str> = props
                    .split(';')
                    .filter_map(|kv| kv.split_once('='))
                    .collect();
                Some((
                    map.get("sourcepath")?.to_string(),
                    map.get("linenumber")?.parse().ok()?,
                    map.get("columnnumber")?.parse().ok()?,
                    map.get("code")?.to_string(),
                ))
            })
            .collect()
    }

    fn issue_lines(&self) -> BTreeSet<(String, u32)> {
        self.issues()
            .into_iter()
            .map(|(p, l, _, _)| (p, l))
            .collect()
    }
}

fn ops<'a>(reqs: &'a [(String, Recorded)], id: &str) -> Vec<&'a Recorded> {
    reqs.iter()
        .filter(|(op, _)| op == id)
        .map(|(_, r)| r)
        .collect()
}

/// (path, line) of each thread created.
fn thread_lines(created: &[&Recorded]) -> BTreeSet<(String, u32)> {
    created
        .iter()
        .map(|r| {
            let b = r.json();
            let path = b["threadContext"]["filePath"]
                .as_str()
                .expect("filePath")
                .to_string();
            assert!(path.starts_with('/'), "filePath must start with /: {path}");
            (
                path[1..].to_string(),
                b["threadContext"]["rightFileStart"]["line"]
                    .as_u64()
                    .expect("line") as u32,
            )
        })
        .collect()
}

fn assert_no_secret_anywhere(
    out: &Outcome,
    reqs: &[(String, Recorded)],
    build: &Build,
    planted: &Planted,
) {
    assert_no_secret("stdout", &out.stdout, planted);
    assert_no_secret("stderr", &out.stderr, planted);
    for (op, r) in reqs {
        assert_no_secret(
            &format!("{op} request"),
            &String::from_utf8_lossy(&r.body),
            planted,
        );
        assert_no_secret(
            &format!("{op} URL"),
            &format!("{}?{}", r.path, r.query),
            planted,
        );
    }
    for p in [build.summary_path(), build.sarif_path()] {
        if let Ok(text) = std::fs::read_to_string(&p) {
            assert_no_secret(&p.display().to_string(), &text, planted);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The cases.

#[test]
fn secrets_added_by_a_pull_request_fail_the_gate_with_threads_status_and_sarif() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());

    // Logging commands on exactly the added lines, not on the old secret in settings.ini.
    assert_eq!(out.issue_lines(), expected_added(), "{}", out.log());
    let codes: HashMap<(String, u32), String> = out
        .issues()
        .into_iter()
        .map(|(p, l, _, c)| ((p, l), c))
        .collect();
    assert_eq!(
        codes[&("config/app.env".to_string(), 2)],
        "aws-access-key-id"
    );
    assert_eq!(
        codes[&("config/app.env".to_string(), 3)],
        "aws-secret-access-key"
    );
    assert!(
        codes[&("src/storage.json".to_string(), 3)].starts_with("azure-storage"),
        "{codes:?}"
    );
    assert!(
        out.stdout.contains("##vso[task.complete result=Failed]"),
        "{}",
        out.log()
    );

    // SARIF where Azure DevOps tools read it, and the artifact command that publishes it.
    let sarif_abs = std::path::absolute(build.sarif_path()).expect("absolute");
    let upload = format!(
        "##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]{}",
        sarif_abs.display()
    );
    assert!(
        out.stdout.lines().any(|l| l == upload),
        "no SARIF artifact command `{upload}`\n{}",
        out.log()
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(build.sarif_path()).expect("SARIF written"))
            .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(3)
    );
    let summary = format!(
        "##vso[task.uploadsummary]{}",
        build.summary_path().display()
    );
    assert!(out.stdout.lines().any(|l| l == summary), "{}", out.log());
    assert!(std::fs::read_to_string(build.summary_path())
        .expect("summary")
        .contains("secretgate"));

    // One thread per finding, on the same lines and columns; one failed status.
    let reqs = fake.checked_requests();
    let created = ops(&reqs, "Pull Request Threads_Create");
    assert_eq!(thread_lines(&created), expected_added());
    for (path, line, column, _) in out.issues() {
        let t = created
            .iter()
            .map(|r| r.json())
            .find(|b| {
                b["threadContext"]["filePath"] == json!(format!("/{path}"))
                    && b["threadContext"]["rightFileStart"]["line"] == json!(line)
            })
            .expect("thread for the issue");
        assert_eq!(
            t["threadContext"]["rightFileStart"]["offset"],
            json!(column)
        );
        assert_eq!(t["threadContext"]["rightFileEnd"]["line"], json!(line));
        assert_eq!(t["status"], "active");
        assert!(t["properties"]["secretgate.fingerprint"]["$value"]
            .as_str()
            .is_some_and(|m| m.ends_with(&format!(":{path}"))));
        let content = t["comments"][0]["content"].as_str().expect("content");
        assert!(content.contains("Remediation"), "{content}");
    }
    let statuses = ops(&reqs, "Pull Request Statuses_Create");
    assert_eq!(statuses.len(), 1);
    let s = statuses[0].json();
    assert_eq!(s["state"], "failed");
    assert_eq!(
        s["context"],
        json!({"genre": "secretgate", "name": "secret-scan"})
    );
    assert!(
        s["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("3 secrets found")),
        "{s}"
    );
    assert_eq!(
        s["targetUrl"],
        json!(format!(
            "{}Fabrikam%20Fiber/_build/results?buildId=417",
            fake.collection_uri()
        ))
    );
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn an_old_secret_on_an_unchanged_line_is_not_reported() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, |repo| {
        let ini = std::fs::read_to_string(repo.path().join("deploy/settings.ini")).expect("read");
        repo.write("deploy/settings.ini", &format!("{ini}timeout = 30\n"));
    });
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.log());
    assert!(out.issues().is_empty(), "{}", out.log());
    let reqs = fake.checked_requests();
    assert!(ops(&reqs, "Pull Request Threads_Create").is_empty());
    assert_eq!(
        ops(&reqs, "Pull Request Statuses_Create")[0].json()["state"],
        "succeeded"
    );
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn a_clean_pull_request_gets_a_succeeded_status_and_no_thread() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, |repo| {
        repo.write(
            "src/lib.rs",
            "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
        );
    });
    let fake = FakeAzure::with(FakeState {
        threads: vec![human_thread(7)],
        next_id: 7,
        ..FakeState::default()
    });
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.log());
    assert!(
        !out.stdout.contains("task.complete result=Failed"),
        "{}",
        out.log()
    );
    let reqs = fake.checked_requests();
    let ids: Vec<&str> = reqs.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(
        ids,
        ["Pull Request Threads_List", "Pull Request Statuses_Create"]
    );
    let s = ops(&reqs, "Pull Request Statuses_Create")[0].json();
    assert_eq!(s["state"], "succeeded");
    assert_eq!(s["description"], "No secrets found in the changed lines");
    assert!(build.sarif_path().exists());
}

#[test]
fn a_rerun_keeps_existing_threads_and_resolves_the_fixed_one() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::with(FakeState {
        threads: vec![human_thread(1)],
        next_id: 1,
        ..FakeState::default()
    });
    let build = Build::pr(&fake, repo.path(), &merge);
    let first = build.run(repo.path(), &[]);
    assert_eq!(first.code, Some(1), "{}", first.log());
    assert_eq!(fake.threads().len(), 4);

    // Same build again: nothing new.
    let again = build.run(repo.path(), &[]);
    assert_eq!(again.code, Some(1), "{}", again.log());
    assert_eq!(fake.threads().len(), 4, "a re-run duplicated threads");

    // The author removes the secret access key and pushes; the merge commit is rebuilt.
    repo.git(&["checkout", "-q", "feature"]);
    repo.write(
        "config/app.env",
        &format!(
            "# service settings\nAWS_ACCESS_KEY_ID={}\nREGION=westeurope\n",
            planted.aws_id
        ),
    );
    repo.commit_all("drop the secret key");
    let merge2 = merge_pr(&repo);
    let mut build2 = Build::pr(&fake, repo.path(), &merge2);
    build2.set("BUILD_SOURCEVERSION", &merge2);
    let third = build2.run(repo.path(), &[]);
    assert_eq!(third.code, Some(1), "{}", third.log());

    let reqs = fake.checked_requests();
    assert_eq!(
        ops(&reqs, "Pull Request Threads_Create").len(),
        3,
        "threads are created once"
    );
    let patches = ops(&reqs, "Pull Request Threads_Update");
    assert_eq!(
        patches.len(),
        1,
        "exactly the fixed finding's thread is resolved"
    );
    assert_eq!(patches[0].json(), json!({"status": "fixed"}));
    let threads = fake.threads();
    assert_eq!(threads.len(), 4);
    let resolved: Vec<&Value> = threads.iter().filter(|t| t["status"] == "fixed").collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["threadContext"]["rightFileStart"]["line"], 3);
    assert_eq!(resolved[0]["threadContext"]["filePath"], "/config/app.env");
    assert_eq!(
        threads[0],
        human_thread(1),
        "the reviewer's thread is untouched"
    );
    assert!(
        third
            .stderr
            .contains("0 new, 2 kept, 0 reopened, 1 resolved"),
        "{}",
        third.log()
    );
    assert_no_secret_anywhere(&third, &reqs, &build2, &planted);
}

/// `git clone --depth 1` of the merge commit, as the checkout step does by default.
fn shallow_clone(upstream: &Repo) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", upstream.path().display());
    let out = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--no-local", &url])
        .arg(dir.path().join("s"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git clone");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A depth-1 clone whose origin is gone, so git can neither deepen it nor give the range.
fn orphaned_shallow_clone(upstream: &Repo) -> tempfile::TempDir {
    let clone = shallow_clone(upstream);
    let gone = "file:///nonexistent/secretgate-upstream";
    git_in(
        &clone.path().join("s"),
        &["remote", "set-url", "origin", gone],
    );
    clone
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_depth_1_checkout_is_deepened_from_origin() {
    let planted = Planted::new();
    let (upstream, merge) = pr_repo(&planted, add_secrets(&planted));
    let clone = shallow_clone(&upstream);
    let src = clone.path().join("s");
    assert_eq!(git_in(&src, &["rev-parse", "HEAD"]), merge);
    assert_eq!(
        git_in(&src, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, &src, &merge);
    let out = build.run(&src, &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert_eq!(out.issue_lines(), expected_added(), "{}", out.log());
    assert!(
        out.stderr.contains("against its first parent"),
        "{}",
        out.log()
    );
    let reqs = fake.checked_requests();
    assert_eq!(
        thread_lines(&ops(&reqs, "Pull Request Threads_Create")),
        expected_added()
    );
    assert!(
        ops(&reqs, "Pull Request Iterations_List").is_empty(),
        "git was enough"
    );
}

#[test]
fn without_origin_a_shallow_checkout_falls_back_to_the_iterations_api() {
    let planted = Planted::new();
    let (upstream, merge) = pr_repo(&planted, add_secrets(&planted));
    let clone = orphaned_shallow_clone(&upstream);
    let src = clone.path().join("s");
    let fake = FakeAzure::with(FakeState {
        changes: Some(vec![
            ("/config/app.env", "add"),
            ("/src/storage.json", "add"),
            ("/deploy/settings.ini", "edit"),
            ("/gone.txt", "delete"),
        ]),
        ..FakeState::default()
    });
    let build = Build::pr(&fake, &src, &merge);
    let out = build.run(&src, &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    // Whole files: the old secret in the edited settings.ini is reported too, and the log says why.
    let mut want = expected_added();
    want.insert(("deploy/settings.ini".into(), 2));
    assert_eq!(out.issue_lines(), want, "{}", out.log());
    assert!(
        out.stdout.contains("scanned whole") && out.stdout.contains("fetchDepth: 0"),
        "{}",
        out.log()
    );
    let reqs = fake.checked_requests();
    assert_eq!(ops(&reqs, "Pull Request Iterations_List").len(), 1);
    let changes = ops(&reqs, "Pull Request Iteration Changes_Get");
    assert_eq!(changes.len(), 1);
    assert!(
        changes[0].path.ends_with("/iterations/2/changes"),
        "the latest iteration"
    );
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn a_shallow_checkout_without_origin_or_token_fails_closed() {
    let planted = Planted::new();
    let (upstream, merge) = pr_repo(&planted, add_secrets(&planted));
    let clone = orphaned_shallow_clone(&upstream);
    let src = clone.path().join("s");
    let fake = FakeAzure::start();
    let mut build = Build::pr(&fake, &src, &merge);
    build.unset("SYSTEM_ACCESSTOKEN");
    let out = build.run(&src, &[]);
    assert_eq!(out.code, Some(2), "{}", out.log());
    assert!(out.stderr.contains("fetchDepth: 0"), "{}", out.log());
    assert!(
        out.stdout.contains("##vso[task.complete result=Failed]"),
        "{}",
        out.log()
    );
    assert!(fake.server.requests().is_empty());
}

#[test]
fn a_403_on_threads_explains_the_permission_and_the_findings_still_fail() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let denied = Reply::json(
        403,
        json!({"message": "TF401027: You need the Git 'PullRequestContribute' permission to perform this action."}),
    );
    let fake = FakeAzure::with(FakeState {
        failures: vec![
            ("POST".into(), "/threads".into(), denied.clone()),
            ("POST".into(), "/statuses".into(), denied),
        ],
        ..FakeState::default()
    });
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    let warnings: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("##vso[task.logissue type=warning]"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", out.log());
    for w in &warnings {
        assert!(w.contains("Contribute to pull requests"), "{w}");
        assert!(
            w.contains("SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
            "{w}"
        );
        assert!(w.contains("TF401027"), "{w}");
    }
    let reqs = fake.checked_requests();
    // One try each: a 403 is final, and the thread loop stops at the first refusal.
    assert_eq!(ops(&reqs, "Pull Request Threads_Create").len(), 1);
    assert_eq!(ops(&reqs, "Pull Request Statuses_Create").len(), 1);
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn server_errors_and_rate_limits_are_retried() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::with(FakeState {
        failures: vec![
            (
                "GET".into(),
                "/threads".into(),
                Reply::json(503, json!({"message": "Service Unavailable"})),
            ),
            (
                "POST".into(),
                "/threads".into(),
                Reply::json(500, json!({"message": "boom"})),
            ),
            (
                "POST".into(),
                "/threads".into(),
                Reply::json(502, json!({})),
            ),
            (
                "POST".into(),
                "/statuses".into(),
                Reply::json(429, json!({"message": "throttled"})).with_header("Retry-After", "1"),
            ),
        ],
        ..FakeState::default()
    });
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert!(
        !out.stdout.contains("type=warning"),
        "every call succeeded in the end\n{}",
        out.log()
    );
    let reqs = fake.checked_requests();
    assert_eq!(ops(&reqs, "Pull Request Threads_List").len(), 2);
    assert_eq!(
        ops(&reqs, "Pull Request Threads_Create").len(),
        5,
        "3 threads + 2 retries"
    );
    assert_eq!(fake.threads().len(), 3, "no duplicate from a retried POST");
    assert_eq!(ops(&reqs, "Pull Request Statuses_Create").len(), 2);
    assert!(
        out.elapsed >= std::time::Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
}

#[test]
fn missing_variables_are_named_and_exit_2() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut build = Build::pr(&fake, dir.path(), &"a".repeat(40));
    build.unset("SYSTEM_COLLECTIONURI");
    build.unset("BUILD_SOURCEVERSION");
    let out = build.run(dir.path(), &[]);
    assert_eq!(out.code, Some(2), "{}", out.log());
    assert!(
        out.stderr
            .contains("SYSTEM_COLLECTIONURI, BUILD_SOURCEVERSION"),
        "{}",
        out.log()
    );
    assert!(
        out.stdout.contains("##vso[task.logissue type=error]"),
        "{}",
        out.log()
    );
    assert!(!out.stderr.contains("panicked"));
    assert!(fake.server.requests().is_empty());

    let mut build = Build::pr(&fake, dir.path(), &"a".repeat(40));
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    let out = build.run(dir.path(), &[]);
    assert_eq!(out.code, Some(2), "{}", out.log());
    assert!(
        out.stderr.contains("SYSTEM_PULLREQUEST_PULLREQUESTID"),
        "{}",
        out.log()
    );
}

#[test]
fn a_github_repository_gets_the_scan_but_no_azure_pull_request_feedback() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::start();
    let mut build = Build::pr(&fake, repo.path(), &merge);
    build.set("BUILD_REPOSITORY_PROVIDER", "GitHub");
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    build.set("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "5");
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert_eq!(out.issue_lines(), expected_added());
    assert!(build.sarif_path().exists());
    assert_eq!(
        out.stderr.matches("GitHub repository").count(),
        1,
        "{}",
        out.log()
    );
    assert!(fake.server.requests().is_empty());
}

#[test]
fn a_ci_build_scans_the_whole_tree_without_pull_request_calls() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, |repo| {
        repo.write("src/lib.rs", "pub fn ok() {}\n");
    });
    let fake = FakeAzure::start();
    let mut build = Build::pr(&fake, repo.path(), &merge);
    build.set("BUILD_REASON", "IndividualCI");
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    build.unset("SYSTEM_PULLREQUEST_TARGETBRANCH");
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert_eq!(
        out.issue_lines(),
        [("deploy/settings.ini".to_string(), 2)]
            .into_iter()
            .collect()
    );
    assert!(fake.server.requests().is_empty());
    assert_no_secret("stdout", &out.stdout, &planted);
}

#[test]
fn the_spec_checker_rejects_what_the_service_would() {
    let spec = Spec::load();
    let base =
        format!("/org/Fabrikam%20Fiber/_apis/git/repositories/{REPO_ID}/pullRequests/{PR_ID}");
    let req = |method: &str, path: &str, query: &str, body: Value| Recorded {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: vec![("Authorization".into(), format!("Bearer {TOKEN}"))],
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    };
    let good_status = json!({"state": "failed", "description": "d", "context": {"genre": "secretgate", "name": "secret-scan"}});
    let threads = format!("{base}/threads");
    let statuses = format!("{base}/statuses");
    assert_eq!(
        spec.check(&req(
            "POST",
            &statuses,
            "api-version=7.1",
            good_status.clone()
        )),
        "Pull Request Statuses_Create"
    );
    assert_eq!(
        spec.check(&req("GET", &threads, "api-version=7.1", Value::Null)),
        "Pull Request Threads_List"
    );

    let rejects = |r: Recorded, why: &str| {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| spec.check(&r)));
        assert!(caught.is_err(), "the checker accepted {why}");
    };
    rejects(
        req("POST", &statuses, "", good_status.clone()),
        "a call without api-version",
    );
    rejects(
        req(
            "POST",
            &format!("{base}/statusez"),
            "api-version=7.1",
            good_status.clone(),
        ),
        "an unknown path",
    );
    rejects(
        req("DELETE", &threads, "api-version=7.1", Value::Null),
        "an unknown method",
    );
    rejects(
        req(
            "POST",
            &statuses,
            "api-version=7.1",
            json!({"state": "red", "context": {"name": "x"}}),
        ),
        "a state outside the enum",
    );
    rejects(
        req(
            "POST",
            &statuses,
            "api-version=7.1",
            json!({"state": "failed", "contexts": {}}),
        ),
        "an undeclared field",
    );
    rejects(
        req(
            "POST",
            &threads,
            "api-version=7.1",
            json!({"status": "active", "threadContext": {"filePath": "/a", "rightFileStart": {"line": "3"}}}),
        ),
        "a line that is not an integer",
    );
    rejects(
        req(
            "PATCH",
            &format!("{threads}/abc"),
            "api-version=7.1",
            json!({"status": "fixed"}),
        ),
        "a thread id that is not a number",
    );
    rejects(
        req("GET", &threads, "api-version=7.1&$top=5", Value::Null),
        "an undeclared query parameter",
    );
    let mut anonymous = req("GET", &threads, "api-version=7.1", Value::Null);
    anonymous.headers.clear();
    rejects(anonymous, "a call without Authorization");
}

// ---------------------------------------------------------------------------------------
// Policy from the target branch: a pull request cannot switch its own gate off.

/// Commits a policy change on `main` and rebuilds the pull request's merge commit on it.
fn change_target_policy(repo: &Repo, config: &str) -> String {
    repo.git(&["checkout", "-q", "main"]);
    repo.write(".secretgate.yml", config);
    repo.commit_all("target branch policy");
    merge_pr(repo)
}

#[test]
fn a_pull_request_that_loosens_its_own_policy_still_fails_with_the_same_threads() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, |repo| {
        add_secrets(&planted)(repo);
        // The pull request baselines its own secrets and switches the gate off.
        let out = secretgate()
            .args(["baseline", "--output", ".secretgate-baseline.json", "."])
            .current_dir(repo.path())
            .output()
            .expect("baseline runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        repo.write(
            ".secretgate.yml",
            "fail_on: never\nexclude: [\"**\"]\nbaseline: .secretgate-baseline.json\n",
        );
    });
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert_eq!(out.issue_lines(), expected_added(), "{}", out.log());
    let reqs = fake.checked_requests();
    assert_eq!(
        thread_lines(&ops(&reqs, "Pull Request Threads_Create")),
        expected_added()
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(build.sarif_path()).expect("SARIF"))
            .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(3)
    );

    let summary = std::fs::read_to_string(build.summary_path()).expect("summary");
    assert!(
        summary.contains("Policy changes in this pull request")
            && summary.contains("fail\\_on lowered")
            && summary.contains("exclude entries added: `**`")
            && summary.contains("baseline entries added"),
        "{summary}"
    );
    let status = ops(&reqs, "Pull Request Statuses_Create")[0].json();
    assert_eq!(status["state"], "failed");
    assert!(
        status["description"]
            .as_str()
            .is_some_and(|d| d.contains("policy changes apply once merged")),
        "{status}"
    );
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn an_inline_allow_in_a_pull_request_passes_and_is_listed() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, |repo| {
        repo.write(
            "config/test.env",
            &format!(
                "# fixture\nAWS_ACCESS_KEY_ID={} # pragma: allowlist secret\n",
                planted.aws_id
            ),
        );
    });
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.log());
    assert!(out.issues().is_empty(), "{}", out.log());
    let summary = std::fs::read_to_string(build.summary_path()).expect("summary");
    assert!(
        summary.contains("### Inline suppressions: 1")
            && summary.contains("`config/test.env:2`")
            && summary.contains("`aws-access-key-id`"),
        "{summary}"
    );
    let reqs = fake.checked_requests();
    let status = ops(&reqs, "Pull Request Statuses_Create")[0].json();
    assert_eq!(status["state"], "succeeded");
    assert!(
        status["description"]
            .as_str()
            .is_some_and(|d| d.contains("1 inline suppression")),
        "{status}"
    );
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn the_target_branch_can_turn_inline_allows_off() {
    let planted = Planted::new();
    let (repo, _) = pr_repo(&planted, |repo| {
        repo.write(
            "config/test.env",
            &format!(
                "# fixture\nAWS_ACCESS_KEY_ID={} # secretgate:allow\n",
                planted.aws_id
            ),
        );
    });
    let merge = change_target_policy(&repo, "inline_allow: false\n");
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    let expected: BTreeSet<(String, u32)> = [("config/test.env".to_string(), 2)].into();
    assert_eq!(out.issue_lines(), expected, "{}", out.log());
    let reqs = fake.checked_requests();
    assert_eq!(
        thread_lines(&ops(&reqs, "Pull Request Threads_Create")),
        expected
    );
    let summary = std::fs::read_to_string(build.summary_path()).expect("summary");
    assert!(!summary.contains("Policy changes"), "{summary}");
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}

#[test]
fn a_ci_build_of_the_default_branch_uses_its_own_config() {
    let planted = Planted::new();
    let (repo, _) = pr_repo(&planted, |repo| {
        repo.write("src/lib.rs", "pub fn ok() {}\n");
    });
    repo.write(".secretgate.yml", "exclude: [\"deploy/**\"]\n");
    let head = repo.commit_all("exclude deployment files");
    let fake = FakeAzure::start();
    let mut build = Build::pr(&fake, repo.path(), &head);
    build.set("BUILD_REASON", "IndividualCI");
    build.set("BUILD_SOURCEBRANCH", "refs/heads/main");
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    build.unset("SYSTEM_PULLREQUEST_TARGETBRANCH");
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.log());
    assert!(out.issues().is_empty(), "{}", out.log());
    assert!(
        out.stderr.contains("policy from the checkout"),
        "{}",
        out.log()
    );
    assert!(fake.server.requests().is_empty());
}

#[test]
fn a_thread_carries_the_replacement_line_and_rotation_steps_without_the_secret() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    let reqs = fake.checked_requests();
    let created = ops(&reqs, "Pull Request Threads_Create");
    let content_at = |path: &str, line: u32| -> String {
        created
            .iter()
            .map(|r| r.json())
            .find(|b| {
                b["threadContext"]["filePath"] == json!(format!("/{path}"))
                    && b["threadContext"]["rightFileStart"]["line"] == json!(line)
            })
            .and_then(|b| b["comments"][0]["content"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no thread on {path}:{line}"))
    };
    let env = content_at("config/app.env", 2);
    assert!(
        env.contains("**Replace the line with**")
            && env.contains("```\nAWS_ACCESS_KEY_ID=\"${AWS_ACCESS_KEY_ID:?}\"\n```"),
        "{env}"
    );
    let storage = content_at("src/storage.json", 3);
    assert!(storage.contains("**Replace the line with**"), "{storage}");
    assert!(
        storage.contains("Rotate it (Storage account key)")
            && storage.contains("az storage account keys renew"),
        "{storage}"
    );
    for c in [&env, &storage] {
        assert_no_secret("thread", c, &planted);
    }
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);

    // `--suggest-fixes false`: the thread says what it is, without a replacement.
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &["--suggest-fixes", "false"]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    let reqs = fake.checked_requests();
    for t in ops(&reqs, "Pull Request Threads_Create") {
        let content = t.json()["comments"][0]["content"].to_string();
        assert!(!content.contains("Replace the line"), "{content}");
    }
}

// ---------------------------------------------------------------------------------------
// Keep watching: scheduled builds scan the whole tree, `--scan history` the history.

/// A build of `main` for `reason` (no pull request), at the checkout's HEAD.
fn branch_build(fake: &FakeAzure, repo: &Repo, reason: &str) -> Build {
    let head = repo.git(&["rev-parse", "HEAD"]);
    let mut build = Build::pr(fake, repo.path(), &head);
    build.set("BUILD_REASON", reason);
    build.set("BUILD_SOURCEBRANCH", "refs/heads/main");
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    build.unset("SYSTEM_PULLREQUEST_TARGETBRANCH");
    build
}

/// The SARIF file of a build, checked against the SARIF 2.1.0 schema, and the artifact
/// command that keeps it with the build.
fn published_sarif(build: &Build, out: &Outcome) -> Value {
    let sarif_abs = std::path::absolute(build.sarif_path()).expect("absolute");
    let upload = format!(
        "##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]{}",
        sarif_abs.display()
    );
    assert!(
        out.stdout.lines().any(|l| l == upload),
        "no SARIF artifact command `{upload}`\n{}",
        out.log()
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(build.sarif_path()).expect("SARIF written"))
            .expect("SARIF is JSON");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(specs_dir().join("sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF breaks the schema: {errors:?}");
    sarif
}

fn sarif_results(sarif: &Value) -> BTreeSet<(String, u32)> {
    sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
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
        .collect()
}

#[test]
fn a_scheduled_build_scans_the_whole_tree_and_keeps_the_sarif_as_the_build_artifact() {
    let planted = Planted::new();
    let (repo, _) = pr_repo(&planted, add_secrets(&planted));
    // The pull request merged: `main` has its secrets and the one it always had.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    let fake = FakeAzure::start();
    let build = branch_build(&fake, &repo, "Schedule");
    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert!(
        out.stderr
            .contains("scan: tree (the default for a Schedule build)"),
        "{}",
        out.log()
    );
    let mut expected = expected_added();
    // On a line no recent change touched: only a whole-tree scan sees it.
    expected.insert(("deploy/settings.ini".to_string(), 2));
    assert_eq!(out.issue_lines(), expected);
    let sarif = published_sarif(&build, &out);
    assert_eq!(sarif_results(&sarif), expected);
    assert_eq!(
        sarif["runs"][0]["automationDetails"],
        Value::Null,
        "one category for every tree and pull-request scan"
    );
    assert!(
        out.stdout
            .contains("##vso[task.complete result=Failed]secretgate: 4 secrets found"),
        "{}",
        out.log()
    );
    // A scheduled build has no pull request to talk to.
    assert!(fake.server.requests().is_empty());
    assert_no_secret_anywhere(&out, &fake.checked_requests(), &build, &planted);

    // `--scan changes` cannot be honoured without a previous commit: the tree, and it says so.
    let out = build.run(repo.path(), &["--scan", "changes"]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert!(
        out.stderr.contains("names no previous commit"),
        "{}",
        out.log()
    );
    assert_eq!(out.issue_lines(), expected);
}

#[test]
fn scan_history_on_a_build_finds_a_deleted_secret_with_the_commit_that_added_it() {
    let planted = Planted::new();
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.commit_all("initial");
    repo.write(
        "deploy/old.ini",
        &format!(
            "[storage]\nconnection = {}\n",
            Planted::connection_string(&planted.old_storage_key)
        ),
    );
    let added = repo.commit_all("old deployment settings");
    repo.git(&["rm", "-q", "deploy/old.ini"]);
    repo.commit_all("drop old deployment settings");
    let fake = FakeAzure::start();
    let build = branch_build(&fake, &repo, "Manual");

    let out = build.run(repo.path(), &[]);
    assert_eq!(out.code, Some(0), "the tree is clean: {}", out.log());

    let out = build.run(repo.path(), &["--scan", "history"]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert_eq!(
        out.issue_lines(),
        [("deploy/old.ini".to_string(), 2)].into_iter().collect()
    );
    let sarif = published_sarif(&build, &out);
    assert_eq!(
        sarif_results(&sarif),
        [("deploy/old.ini".to_string(), 2)].into_iter().collect()
    );
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["commit"], json!(added));
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "secretgate-history/"
    );
    assert!(fake.server.requests().is_empty());
    assert_no_secret_anywhere(&out, &fake.checked_requests(), &build, &planted);
}

#[test]
fn scan_history_unshallows_a_depth_1_checkout_first() {
    let planted = Planted::new();
    let upstream = Repo::new();
    upstream.write(
        "deploy/old.ini",
        &format!(
            "[storage]\nconnection = {}\n",
            Planted::connection_string(&planted.old_storage_key)
        ),
    );
    let added = upstream.commit_all("old deployment settings");
    upstream.git(&["rm", "-q", "deploy/old.ini"]);
    upstream.write("README.md", "# service\n");
    let head = upstream.commit_all("drop old deployment settings");
    let clone = shallow_clone(&upstream);
    let sources = clone.path().join("s");
    assert_eq!(
        git_in(&sources, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    let fake = FakeAzure::start();
    let mut build = Build::pr(&fake, &sources, &head);
    build.set("BUILD_REASON", "Manual");
    build.set("BUILD_SOURCEBRANCH", "refs/heads/main");
    build.unset("SYSTEM_PULLREQUEST_PULLREQUESTID");
    build.unset("SYSTEM_PULLREQUEST_TARGETBRANCH");
    let out = build.run(&sources, &["--scan", "history"]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    assert!(out.stderr.contains("--unshallow"), "{}", out.log());
    assert_eq!(
        git_in(&sources, &["rev-parse", "--is-shallow-repository"]),
        "false"
    );
    let sarif = published_sarif(&build, &out);
    assert_eq!(
        sarif_results(&sarif),
        [("deploy/old.ini".to_string(), 2)].into_iter().collect()
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["commit"],
        json!(added),
        "the commit that added it, not the shallow clone's oldest"
    );
    assert_no_secret_anywhere(&out, &fake.checked_requests(), &build, &planted);
}

#[test]
fn scan_tree_on_a_pull_request_reports_every_secret_with_a_status_and_no_threads() {
    let planted = Planted::new();
    let (repo, merge) = pr_repo(&planted, add_secrets(&planted));
    let fake = FakeAzure::start();
    let build = Build::pr(&fake, repo.path(), &merge);
    let out = build.run(repo.path(), &["--scan", "tree"]);
    assert_eq!(out.code, Some(1), "{}", out.log());
    let mut expected = expected_added();
    expected.insert(("deploy/settings.ini".to_string(), 2));
    assert_eq!(out.issue_lines(), expected);
    assert!(
        out.stderr.contains("no pull-request threads"),
        "{}",
        out.log()
    );
    let reqs = fake.checked_requests();
    assert!(ops(&reqs, "Pull Request Threads_Create").is_empty());
    let statuses = ops(&reqs, "Pull Request Statuses_Create");
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].json()["state"], "failed");
    assert_no_secret_anywhere(&out, &reqs, &build, &planted);
}
