//! Runs the engine over a change set, or over files as a walk finds them: load each file,
//! skip what cannot be text, scan in parallel, keep findings on counted lines, then apply
//! config allow entries and the baseline.

use super::baseline::Baseline;
use super::suppress::AllowRule;
use super::Engine;
use crate::changeset::{ChangeSet, ChangedFile, Source};
use crate::findings::{
    keep_first_introduced, Confidence, Finding, Provenance, ScanResult, ScanStats, Warning,
};
use rayon::prelude::*;
use std::cell::RefCell;
use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// How much of a file's start is checked for NUL bytes to call it binary (as git does).
const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// Extensions of formats that are never text; skipped without reading.
const BINARY_EXTENSIONS: &[&str] = &[
    "7z", "a", "avi", "bin", "bmp", "bz2", "class", "dll", "dylib", "eot", "exe", "flac", "gif",
    "gz", "ico", "jar", "jpeg", "jpg", "lib", "mkv", "mov", "mp3", "mp4", "o", "obj", "ogg", "otf",
    "pdb", "pdf", "png", "pyc", "rlib", "so", "tar", "tgz", "tif", "tiff", "ttf", "wasm", "wav",
    "webm", "webp", "woff", "woff2", "xz", "zip", "zst",
];

/// Per-run settings that are not rules.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub max_file_size: u64,
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_file_size: 25 << 20,
            threads: None,
        }
    }
}

/// Config-level filters applied after the engine: inline markers, allow entries and the
/// baseline; and the least confidence that fails the gate (`None`: any).
#[derive(Debug)]
pub struct Policy {
    pub allow: Vec<AllowRule>,
    pub baseline: Option<Baseline>,
    /// Whether inline `secretgate:allow` (and compatible) markers silence a finding. When
    /// they do, the silenced findings are listed in [`ScanResult::inline_allowed`].
    pub inline_allow: bool,
    pub fail_confidence: Option<Confidence>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            baseline: None,
            inline_allow: true,
            fail_confidence: None,
        }
    }
}

/// What happened to one file.
enum FileOutcome {
    Scanned {
        bytes: u64,
        findings: Vec<Finding>,
        inline_allowed: Vec<Finding>,
    },
    Binary,
    TooLarge(Warning),
    Unreadable(Warning),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot start {threads} scan threads: {source}")]
pub struct ThreadPoolError {
    threads: usize,
    #[source]
    source: rayon::ThreadPoolBuildError,
}

/// Scans every file of `changes` and returns the findings that count, sorted.
pub fn scan_changeset(
    engine: &Engine,
    changes: &ChangeSet,
    options: &ScanOptions,
    policy: &Policy,
) -> Result<ScanResult, ThreadPoolError> {
    let run = || -> Vec<FileOutcome> {
        changes
            .files
            .par_iter()
            .map(|file| scan_file(engine, file, options.max_file_size))
            .collect()
    };
    let outcomes = match options.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|source| ThreadPoolError { threads, source })?
            .install(run),
        None => run(),
    };
    Ok(summarize(
        engine,
        outcomes,
        changes.warnings.clone(),
        policy,
    ))
}

/// Scans files handed over one at a time, from any number of threads (a tree walk's own),
/// so that scanning need not wait for the list of files.
pub struct FileScanner<'a> {
    engine: &'a Engine,
    max_file_size: u64,
    outcomes: Mutex<Vec<FileOutcome>>,
}

impl<'a> FileScanner<'a> {
    pub fn new(engine: &'a Engine, options: &ScanOptions) -> Self {
        Self {
            engine,
            max_file_size: options.max_file_size,
            outcomes: Mutex::new(Vec::new()),
        }
    }

    pub fn scan(&self, file: &ChangedFile) {
        let outcome = scan_file(self.engine, file, self.max_file_size);
        self.outcomes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(outcome);
    }

    /// Scans a file taken from a repository's history; its findings, and the warning if it
    /// was not read, say which commit it came from.
    pub fn scan_attributed(&self, file: &ChangedFile, provenance: &Provenance) {
        let mut outcome = scan_file(self.engine, file, self.max_file_size);
        match &mut outcome {
            FileOutcome::Scanned { findings, .. } => {
                for f in findings {
                    f.provenance = Some(provenance.clone());
                }
            }
            FileOutcome::TooLarge(w) | FileOutcome::Unreadable(w) => {
                w.path = format!("{}:{}", provenance.short_commit(), w.path);
            }
            FileOutcome::Binary => {}
        }
        self.outcomes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(outcome);
    }

    /// The findings that count, sorted, once every file is scanned; `warnings` are the
    /// change set's own (paths it could not walk).
    pub fn finish(self, warnings: Vec<Warning>, policy: &Policy) -> ScanResult {
        let outcomes = self
            .outcomes
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        summarize(self.engine, outcomes, warnings, policy)
    }
}

/// Adds up the files' outcomes and applies the config's allow entries and the baseline.
fn summarize(
    engine: &Engine,
    outcomes: Vec<FileOutcome>,
    mut warnings: Vec<Warning>,
    policy: &Policy,
) -> ScanResult {
    let mut stats = ScanStats::default();
    let mut found = Vec::new();
    let mut inline_allowed = Vec::new();
    for outcome in outcomes {
        match outcome {
            FileOutcome::Scanned {
                bytes,
                findings: file_found,
                inline_allowed: allowed,
            } => {
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes;
                if policy.inline_allow {
                    stats.suppressed_inline += allowed.len() as u64;
                    inline_allowed.extend(allowed);
                } else {
                    found.extend(allowed);
                }
                found.extend(file_found);
            }
            FileOutcome::Binary => stats.files_skipped_binary += 1,
            FileOutcome::TooLarge(w) => {
                stats.files_skipped_large += 1;
                warnings.push(w);
            }
            FileOutcome::Unreadable(w) => {
                stats.files_unreadable += 1;
                warnings.push(w);
            }
        }
    }
    // Before the policy, so that each secret counts once in the suppressed counts too.
    keep_first_introduced(&mut found);
    let mut findings = Vec::with_capacity(found.len());
    for f in found {
        if policy.allow.iter().any(|a| a.matches(&f)) {
            stats.suppressed_config += 1;
        } else if policy.baseline.as_ref().is_some_and(|b| b.contains(&f)) {
            stats.suppressed_baseline += 1;
        } else {
            findings.push(f);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    inline_allowed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // Stable: a path's walk warning stays before its read warning.
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    ScanResult {
        findings,
        inline_allowed,
        rules: engine.rule_infos(),
        stats,
        warnings,
        fail_confidence: policy.fail_confidence,
    }
}

/// A read buffer above this size is given back after its file, so that one large file
/// does not hold memory for the rest of the run.
const READ_BUFFER_KEEP: usize = 1 << 20;

thread_local! {
    /// Each thread reads its files into one buffer: no allocation per file, and its
    /// pages stay mapped.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn scan_file(engine: &Engine, file: &ChangedFile, max_size: u64) -> FileOutcome {
    if has_binary_extension(&file.path) {
        return FileOutcome::Binary;
    }
    match &file.source {
        Source::Bytes(b) if b.len() as u64 > max_size => too_large(file, b.len() as u64, max_size),
        Source::Bytes(b) => scan_bytes(engine, file, b),
        Source::TooLarge(size) => too_large(file, *size, max_size),
        Source::Disk(p) => READ_BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            let outcome = match read(p, &mut buffer, max_size) {
                Ok(()) => scan_bytes(engine, file, &buffer),
                Err(ReadError::TooLarge(size)) => too_large(file, size, max_size),
                Err(ReadError::Io(e)) => FileOutcome::Unreadable(Warning {
                    path: file.path.clone(),
                    message: format!("skipped: cannot read: {e}"),
                }),
            };
            if buffer.capacity() > READ_BUFFER_KEEP {
                *buffer = Vec::new();
            }
            outcome
        }),
    }
}

fn scan_bytes(engine: &Engine, file: &ChangedFile, content: &[u8]) -> FileOutcome {
    // DER starts with a SEQUENCE: a PKCS#12 file is read as one, whatever its name.
    if content.first() == Some(&0x30) {
        let found = engine.scan_binary(&file.path, content);
        if !found.is_empty() {
            return FileOutcome::Scanned {
                bytes: content.len() as u64,
                findings: found
                    .into_iter()
                    .filter(|f| file.lines.admits(f.line, f.end_line))
                    .collect(),
                inline_allowed: Vec::new(),
            };
        }
    }
    let sniff = &content[..content.len().min(BINARY_SNIFF_LEN)];
    if memchr::memchr(0, sniff).is_some() {
        return FileOutcome::Binary;
    }
    let scanned = engine.scan_content(&file.path, content);
    let counted = |found: Vec<Finding>| -> Vec<Finding> {
        found
            .into_iter()
            .filter(|f| file.lines.admits(f.line, f.end_line))
            .collect()
    };
    FileOutcome::Scanned {
        bytes: content.len() as u64,
        findings: counted(scanned.findings),
        inline_allowed: counted(scanned.inline_allowed),
    }
}

fn too_large(file: &ChangedFile, size: u64, max_size: u64) -> FileOutcome {
    FileOutcome::TooLarge(Warning {
        path: file.path.clone(),
        message: format!(
            "skipped: {size} bytes is over the {max_size}-byte limit (--max-file-size)"
        ),
    })
}

enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

/// Reads the file at `path` into `buffer` (replacing what was there).
fn read(path: &Path, buffer: &mut Vec<u8>, max_size: u64) -> Result<(), ReadError> {
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    let size = f.metadata().map_err(ReadError::Io)?.len();
    if size > max_size {
        return Err(ReadError::TooLarge(size));
    }
    buffer.clear();
    buffer.reserve(size as usize);
    // Read what was there when sized: a file that grows meanwhile cannot pass the
    // limit, and the read ends without a last call to see the end of file. Files that
    // say they are empty (some in /proc) are read to the limit.
    let limit = if size == 0 { max_size + 1 } else { size };
    f.take(limit).read_to_end(buffer).map_err(ReadError::Io)?;
    if buffer.len() as u64 > max_size {
        return Err(ReadError::TooLarge(buffer.len() as u64));
    }
    Ok(())
}

/// Whether `path` names a format that is never text (by extension): such files are
/// counted as binary without being read.
pub fn has_binary_extension(path: &str) -> bool {
    path.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.contains('/'))
        .is_some_and(|ext| {
            BINARY_EXTENSIONS
                .iter()
                .any(|b| b.eq_ignore_ascii_case(ext))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_extensions_are_recognised_case_insensitively() {
        assert!(has_binary_extension("img/logo.PNG"));
        assert!(has_binary_extension("a.tar.gz"));
        assert!(!has_binary_extension("src/main.rs"));
        assert!(!has_binary_extension("dir.png/file"));
        assert!(!has_binary_extension("Makefile"));
    }
}
