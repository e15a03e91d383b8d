//! `secretgate fix`: scan, rewrite each finding's line ([`crate::fix::fix_file`]), then
//! print the diff or, with `--write`, write the files back.
//!
//! Exit code: `0` when nothing is left to do, `1` when findings remain (the diff is not
//! applied yet, or some line has no safe rewrite), `2` on errors.

use super::{scan_root, warn_skipped, Exit, Pipeline};
use crate::changeset::{self, Source};
use crate::cli::FixArgs;
use crate::findings::Finding;
use crate::fix::{fix_file, unified_diff};
use anyhow::Context as _;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// `secretgate fix`
pub fn run(args: &FixArgs) -> anyhow::Result<Exit> {
    let root = scan_root(&args.paths);
    let mut pipeline = Pipeline::prepare(&args.common, &root)?;
    // A baselined secret is still a secret; fix it too.
    pipeline.policy.baseline = None;
    let changes = changeset::tree(&args.paths, pipeline.path_filter())?;
    let result = pipeline.scan(&changes)?;
    warn_skipped(&result);

    let disk: HashMap<&str, &Path> = changes
        .files
        .iter()
        .filter_map(|f| match &f.source {
            Source::Disk(p) => Some((f.path.as_str(), p.as_path())),
            Source::Bytes(_) | Source::TooLarge(_) => None,
        })
        .collect();
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        by_path.entry(&f.path).or_default().push(f);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut rewritten, mut left) = (0usize, 0usize);
    for (path, findings) in by_path {
        let Some(&disk) = disk.get(path) else {
            continue;
        };
        let content = std::fs::read(disk).with_context(|| format!("cannot read {path}"))?;
        let Ok(content) = String::from_utf8(content) else {
            eprintln!("secretgate: {path}: not UTF-8, left alone");
            left += findings.len();
            continue;
        };
        let fixed = fix_file(path, &content, &findings);
        for note in &fixed.notes {
            let what = match (note.rewritten, &note.setting) {
                (true, Some(setting)) => format!("now reads `{setting}`"),
                (true, None) => "key removed: connect with a managed identity".to_string(),
                (false, _) => "no rewrite".to_string(),
            };
            if note.rewritten {
                rewritten += 1;
            } else {
                left += 1;
            }
            eprintln!("secretgate: {path}:{}: {}: {what}", note.line, note.rule_id);
            for step in &note.steps {
                eprintln!("    - {step}");
            }
        }
        if fixed.changes.is_empty() {
            continue;
        }
        if args.write {
            std::fs::write(disk, fixed.content.as_bytes())
                .with_context(|| format!("cannot write {path}"))?;
        } else {
            out.write_all(unified_diff(path, &fixed.changes).as_bytes())
                .context("cannot write to standard output")?;
        }
    }
    out.flush().context("cannot write to standard output")?;
    if args.write {
        eprintln!("secretgate: rewrote {rewritten} findings; {left} need a manual fix");
    } else if rewritten + left > 0 {
        eprintln!(
            "secretgate: {rewritten} findings can be rewritten (run with --write); {left} need a manual fix"
        );
    }
    Ok(if left == 0 && (args.write || rewritten == 0) {
        Exit::Clean
    } else {
        Exit::Findings
    })
}
