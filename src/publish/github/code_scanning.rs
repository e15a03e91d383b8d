//! Code scanning: upload SARIF (`POST /repos/{o}/{r}/code-scanning/sarifs`, gzip then
//! base64) and wait, with a bound, until GitHub has processed it.
//!
//! Limits (`shared/specs/github-code-scanning-sarif.md`): 25,000 results a run and 10 MB
//! gzipped per upload. Over either, the most severe findings are kept and the rest dropped
//! from the upload only (the SARIF file on disk, the check run and the exit code keep them
//! all), and [`Prepared::dropped`] says how many.

use super::client::{ApiError, GithubClient, Operation};
use crate::findings::{Finding, ScanResult};
use base64::Engine as _;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

/// Results per run that code scanning accepts.
pub const MAX_RESULTS: usize = 25_000;
/// Gzipped bytes per upload that code scanning accepts (10 MB, counted in decimal to stay
/// under either reading).
pub const MAX_GZIP_BYTES: usize = 10_000_000;

/// Builds the SARIF document for a result (the reporter's job; passed in so this module
/// does not depend on which reporter does it).
pub type SarifBuilder<'a> = dyn Fn(&ScanResult) -> anyhow::Result<Vec<u8>> + 'a;

/// A SARIF upload ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// gzip then base64 (standard alphabet, no line breaks).
    pub sarif: String,
    /// Findings in the upload.
    pub kept: usize,
    /// Findings left out to fit the limits (the least severe).
    pub dropped: usize,
}

/// gzip, then base64: what the `sarif` field takes.
pub fn encode(sarif: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(sarif)?;
    gz.finish()
}

/// Builds and encodes the SARIF for `result` within code scanning's limits.
pub fn prepare(result: &ScanResult, build: &SarifBuilder<'_>) -> anyhow::Result<Prepared> {
    prepare_within(result, build, MAX_RESULTS, MAX_GZIP_BYTES)
}

/// [`prepare`] with explicit limits.
pub fn prepare_within(
    result: &ScanResult,
    build: &SarifBuilder<'_>,
    max_results: usize,
    max_gzip_bytes: usize,
) -> anyhow::Result<Prepared> {
    let total = result.findings.len();
    // Most severe first; ties by confidence, then the stable report order.
    let mut ranked: Vec<&Finding> = result.findings.iter().collect();
    ranked.sort_by(|a, b| {
        (b.severity, b.confidence)
            .cmp(&(a.severity, a.confidence))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    let mut keep = total.min(max_results);
    // Each pass shrinks `keep` by at least a tenth, so this ends; an empty run that is still
    // too big (it cannot be: rules alone are small) fails below.
    loop {
        let subset = if keep == total {
            build(result)?
        } else {
            let mut trimmed = ScanResult {
                findings: ranked[..keep].iter().map(|f| (*f).clone()).collect(),
                inline_allowed: Vec::new(),
                rules: result.rules.clone(),
                stats: result.stats.clone(),
                warnings: result.warnings.clone(),
                fail_confidence: result.fail_confidence,
            };
            trimmed
                .findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            build(&trimmed)?
        };
        let gz = encode(&subset)?;
        if gz.len() <= max_gzip_bytes {
            return Ok(Prepared {
                sarif: base64::engine::general_purpose::STANDARD.encode(gz),
                kept: keep,
                dropped: total - keep,
            });
        }
        if keep == 0 {
            anyhow::bail!(
                "the SARIF is {} bytes gzipped even without results (limit {max_gzip_bytes})",
                gz.len()
            );
        }
        // Scale by how far over we are, with a margin.
        let ratio = max_gzip_bytes as f64 / gz.len() as f64;
        let next = ((keep as f64) * ratio * 0.9) as usize;
        keep = next.min(keep - keep.div_ceil(10));
    }
}

/// Where the results belong: code scanning pairs them with this commit and ref.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub commit_sha: &'a str,
    /// `refs/pull/N/head` with the PR head SHA, or the pushed branch's ref.
    pub git_ref: &'a str,
}

/// How processing ended, as far as we waited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processing {
    Complete,
    /// Still pending when the wait bound ran out.
    Pending,
    /// GitHub rejected the SARIF; its errors.
    Failed(Vec<String>),
}

/// How long and how often to poll the upload's status (codeql-action: every 5 s, 2 min).
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    pub interval: Duration,
    pub timeout: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(120),
        }
    }
}

/// Uploads and returns the SARIF id.
pub async fn upload(
    client: &GithubClient,
    target: &Target<'_>,
    prepared: &Prepared,
) -> Result<String, ApiError> {
    let body = json!({
        "commit_sha": target.commit_sha,
        "ref": target.git_ref,
        "sarif": prepared.sarif,
    });
    let resp = client
        .post(
            Operation::UploadSarif,
            &client.repo_path("/code-scanning/sarifs"),
            &body,
        )
        .await?;
    resp.body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ApiError {
            op: Operation::UploadSarif,
            status: Some(resp.status),
            message: "the answer has no upload `id`".into(),
        })
}

/// Polls the upload's processing status until it is final or `poll.timeout` has passed.
pub async fn wait_processed(
    client: &GithubClient,
    sarif_id: &str,
    poll: Poll,
) -> Result<Processing, ApiError> {
    let path = client.repo_path(&format!("/code-scanning/sarifs/{sarif_id}"));
    let start = Instant::now();
    loop {
        match client.get(Operation::GetSarif, &path).await {
            Ok(resp) => match resp.body.get("processing_status").and_then(Value::as_str) {
                Some("complete") => return Ok(Processing::Complete),
                Some("failed") => {
                    let errors = resp
                        .body
                        .get("errors")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|e| e.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    return Ok(Processing::Failed(errors));
                }
                _ => {}
            },
            // Right after the upload the id may not be visible yet.
            Err(e) if e.status == Some(404) => {}
            Err(e) => return Err(e),
        }
        if start.elapsed() + poll.interval > poll.timeout {
            return Ok(Processing::Pending);
        }
        tokio::time::sleep(poll.interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Confidence, Severity, Validation};
    use std::io::Read;

    fn finding(path: &str, line: u32, severity: Severity) -> Finding {
        Finding {
            rule_id: "r".into(),
            rule_name: "R".into(),
            severity,
            detail: String::new(),
            confidence: Confidence::High,
            validation: Validation::None,
            path: path.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 5,
            redacted: "x…(5 chars)".into(),
            fingerprint: format!("{path}{line}"),
            line_hash: "h:1".into(),
            snippet: String::new(),
            remediation: String::new(),
            provenance: None,
        }
    }

    /// A stand-in SARIF builder: one JSON line per finding, padded so size grows with count.
    fn lines(result: &ScanResult) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        for f in &result.findings {
            writeln!(
                out,
                "{}:{}:{}:{}",
                f.path, f.line, f.severity, f.fingerprint
            )?;
        }
        Ok(out)
    }

    fn decode(p: &Prepared) -> String {
        let gz = base64::engine::general_purpose::STANDARD
            .decode(&p.sarif)
            .expect("base64");
        let mut s = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut s)
            .expect("gzip");
        s
    }

    #[test]
    fn under_the_limits_everything_is_uploaded_round_trip() {
        let r = ScanResult {
            findings: vec![
                finding("a", 1, Severity::Low),
                finding("b", 2, Severity::High),
            ],
            ..Default::default()
        };
        let p = prepare(&r, &lines).expect("prepared");
        assert_eq!((p.kept, p.dropped), (2, 0));
        assert!(!p.sarif.contains('\n'));
        assert_eq!(decode(&p), "a:1:low:a1\nb:2:high:b2\n");
    }

    #[test]
    fn over_the_result_cap_the_most_severe_are_kept() {
        let r = ScanResult {
            findings: vec![
                finding("a", 1, Severity::Low),
                finding("b", 2, Severity::Critical),
                finding("c", 3, Severity::Medium),
                finding("d", 4, Severity::High),
            ],
            ..Default::default()
        };
        let p = prepare_within(&r, &lines, 2, MAX_GZIP_BYTES).expect("prepared");
        assert_eq!((p.kept, p.dropped), (2, 2));
        assert_eq!(decode(&p), "b:2:critical:b2\nd:4:high:d4\n");
    }

    #[test]
    fn over_the_size_cap_results_are_shed_until_it_fits() {
        let findings: Vec<Finding> = (0..2000)
            .map(|i| {
                let sev = if i % 100 == 0 {
                    Severity::Critical
                } else {
                    Severity::Low
                };
                let mut f = finding(&format!("f{i:05}"), i, sev);
                // Incompressible-ish fingerprints so the size really scales.
                f.fingerprint = format!(
                    "{:032x}",
                    (i as u128).wrapping_mul(0x9e3779b97f4a7c15_u128 << 40)
                );
                f
            })
            .collect();
        let r = ScanResult {
            findings,
            ..Default::default()
        };
        let full = encode(&lines(&r).expect("lines")).expect("gzip").len();
        let p = prepare_within(&r, &lines, MAX_RESULTS, full / 4).expect("prepared");
        assert!(p.dropped > 0 && p.kept > 0);
        assert!(
            base64::engine::general_purpose::STANDARD
                .decode(&p.sarif)
                .expect("b64")
                .len()
                <= full / 4
        );
        let text = decode(&p);
        assert_eq!(
            text.matches("critical").count(),
            20,
            "every critical one survives"
        );
    }
}
