//! Throughput benchmark: `cargo bench --bench throughput [-- DIR] [--history REPO]`.
//!
//! Reports, for a real source tree (DIR, else `$SECRETGATE_BENCH_DIR`, else
//! `~/.cargo/registry/src`) and for a tree generated from a fixed seed: MB/s on one thread
//! and on all cores, both for the scan of an already listed tree and for the walk and scan
//! together as `secretgate scan DIR` runs them, the rule-compilation time, the fixed cost of scanning one small file,
//! and peak resident memory (Linux `VmHWM`), also for generated trees of three sizes, each
//! in a fresh process. Each speed is the best of three runs, so a busy machine shows up as
//! noise rather than as a trend.
//!
//! With `--history REPO` (or `$SECRETGATE_BENCH_HISTORY`) it also scans that repository's
//! whole history as `secretgate scan --history REPO` does: commits and distinct blobs,
//! MB/s of blob content on one thread and on all cores, and the peak memory of a fresh
//! process doing it.

use secretgate::changeset::{self, ChangeSet, PathFilter, TreeOptions};
use secretgate::engine::scan::{
    has_binary_extension, scan_changeset, FileScanner, Policy, ScanOptions,
};
use secretgate::engine::{ruleset, Engine};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn engine() -> Engine {
    let specs = ruleset::builtin_specs().expect("rules parse");
    // Tagged as the binary tags them, so that they compile as they do there: on first use.
    let rules = ruleset::compile(
        specs
            .into_iter()
            .map(|s| (ruleset::BUILTIN_TAG.to_string(), s))
            .collect(),
    )
    .expect("rules compile");
    Engine::new(rules).expect("engine")
}

fn best_of_3(mut f: impl FnMut() -> u64) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..3 {
        let t = Instant::now();
        bytes = f();
        best = best.min(t.elapsed());
    }
    (best, bytes)
}

fn throughput(engine: &Engine, changes: &ChangeSet, threads: usize) -> (f64, u64, usize) {
    let options = ScanOptions {
        threads: Some(threads),
        ..ScanOptions::default()
    };
    let mut findings = 0;
    let (elapsed, bytes) = best_of_3(|| {
        let r = scan_changeset(engine, changes, &options, &Policy::default()).expect("scan");
        findings = r.findings.len();
        r.stats.bytes_scanned
    });
    (bytes as f64 / 1e6 / elapsed.as_secs_f64(), bytes, findings)
}

/// Walks `dir` and scans each file as it is found, as `secretgate scan DIR` does.
fn walk_and_scan(engine: &Engine, dir: &Path, threads: Option<usize>) -> u64 {
    let options = ScanOptions {
        threads,
        ..ScanOptions::default()
    };
    let tree = TreeOptions {
        threads,
        ..TreeOptions::default()
    };
    let scanner = FileScanner::new(engine, &options);
    let walked = changeset::tree_each(&[dir.to_path_buf()], &PathFilter::default(), &tree, &|f| {
        scanner.scan(&f)
    })
    .expect("walk");
    scanner
        .finish(walked.warnings, &Policy::default())
        .stats
        .bytes_scanned
}

fn walk_and_scan_throughput(engine: &Engine, dir: &Path, threads: usize) -> f64 {
    let (elapsed, bytes) = best_of_3(|| walk_and_scan(engine, dir, Some(threads)));
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A deterministic tree: source-like lines with occasional credential-shaped values,
/// from a small xorshift generator so every run and machine gets the same bytes.
fn generate_tree(dir: &Path, seed: u64, files: usize, lines_per_file: usize) {
    let mut x = seed.max(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let templates = [
        "    let value = compute(input, {n}, \"{w}\");",
        "    if (config.timeout > {n}) {{ return retry(\"{w}\"); }}",
        "  \"{w}\": \"https://api.contoso.com/v1/{w}?page={n}\",",
        "# {w} {w} {w} - see docs for details about password reset flows",
        "    private static readonly string ConnectionName = \"{w}\";",
        "    token = os.environ[\"{w}_TOKEN\"]",
        "    api_key: ${{{{ secrets.{w} }}}}",
        "    assert_eq!(hash({n}), \"{w}{w}\");",
    ];
    for f in 0..files {
        let sub = dir.join(format!("d{}", f % 50));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let mut text = String::with_capacity(lines_per_file * 60);
        for _ in 0..lines_per_file {
            let word: String = (0..8 + next() % 16)
                .map(|_| ALNUM[(next() % ALNUM.len() as u64) as usize] as char)
                .collect();
            let t = templates[(next() % templates.len() as u64) as usize];
            text.push_str(
                &t.replace("{n}", &(next() % 10_000).to_string())
                    .replace("{w}", &word),
            );
            text.push('\n');
        }
        std::fs::write(sub.join(format!("f{f}.rs")), text).expect("write");
    }
}

fn report(name: &str, engine: &Engine, dir: &Path) {
    let changes = changeset::tree(&[dir.to_path_buf()], &PathFilter::default()).expect("walk");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (one, bytes, findings) = throughput(engine, &changes, 1);
    let (all, _, _) = throughput(engine, &changes, cores);
    println!(
        "{name}: {} files, {:.1} MB, {findings} findings\n  \
         scan of the listed tree: 1 thread {one:.1} MB/s | {cores} threads {all:.1} MB/s",
        changes.files.len(),
        bytes as f64 / 1e6
    );
    let one = walk_and_scan_throughput(engine, dir, 1);
    let all = walk_and_scan_throughput(engine, dir, cores);
    println!("  walk and scan together: 1 thread {one:.1} MB/s | {cores} threads {all:.1} MB/s");
}

/// Peak memory must not grow with the tree: each size is scanned in a fresh process (this
/// binary again, with `--memory-child DIR`) so one size's peak cannot hide another's.
fn memory_by_tree_size() {
    let Ok(exe) = std::env::current_exe() else {
        println!("memory by tree size: cannot find this binary to re-run it");
        return;
    };
    for files in [500, 2_000, 8_000] {
        let dir = std::env::temp_dir().join(format!("secretgate-bench-seed-42-{files}"));
        if !dir.exists() {
            generate_tree(&dir, 42, files, 400);
        }
        let out = std::process::Command::new(&exe)
            .args(["--bench", "--memory-child"])
            .arg(&dir)
            .output();
        match out {
            Ok(out) if out.status.success() => {
                print!(
                    "memory, generated tree of {files} files: {}",
                    String::from_utf8_lossy(&out.stdout)
                )
            }
            Ok(out) => println!(
                "memory child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => println!("memory child did not start: {e}"),
        }
    }
}

/// Scans the whole history of `repo` as `secretgate scan --history` does; returns the bytes
/// of blob content scanned, the distinct blobs and the commits walked.
fn scan_history(engine: &Engine, repo: &Path, threads: Option<usize>) -> (u64, u64, u64) {
    let options = ScanOptions {
        threads,
        ..ScanOptions::default()
    };
    let scanner = FileScanner::new(engine, &options);
    let history = changeset::HistoryOptions {
        branch: None,
        since: None,
        max_blob_size: options.max_file_size,
        skip_content: &has_binary_extension,
        threads,
        progress: None,
    };
    let walked = changeset::history_each(repo, &PathFilter::default(), &history, &|blob| {
        scanner.scan_attributed(&blob.file, &blob.provenance)
    })
    .expect("history walk");
    let (commits, blobs) = (walked.commits, walked.blobs);
    let result = scanner.finish(walked.warnings, &Policy::default());
    (result.stats.bytes_scanned, blobs, commits)
}

fn report_history(engine: &Engine, repo: &Path) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = (0, 0);
    let mut speed = |threads: usize| {
        let (elapsed, bytes) = best_of_3(|| {
            let (bytes, blobs, commits) = scan_history(engine, repo, Some(threads));
            counts = (blobs, commits);
            bytes
        });
        (bytes, elapsed, bytes as f64 / 1e6 / elapsed.as_secs_f64())
    };
    let (_, one_time, one) = speed(1);
    let (bytes, all_time, all) = speed(cores);
    println!(
        "history of {}: {} commits, {} distinct blobs, {:.1} MB of text scanned
           1 thread {one:.1} MB/s ({:.2} s) | {cores} threads {all:.1} MB/s ({:.2} s)",
        repo.display(),
        counts.1,
        counts.0,
        bytes as f64 / 1e6,
        one_time.as_secs_f64(),
        all_time.as_secs_f64(),
    );
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    match std::process::Command::new(exe)
        .args(["--bench", "--history-memory-child"])
        .arg(repo)
        .output()
    {
        Ok(out) if out.status.success() => print!(
            "  memory, whole history in a fresh process: {}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Ok(out) => println!(
            "  history memory child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("  history memory child did not start: {e}"),
    }
}

/// The child side of [`report_history`]: one history scan on all cores, then the peak
/// (of this process; git's own processes are apart).
fn history_memory_child(repo: PathBuf) {
    let engine = engine();
    let (bytes, _, _) = scan_history(&engine, &repo, None);
    println!(
        "{:.1} MB scanned, peak resident memory {:.0} MiB",
        bytes as f64 / 1e6,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}

/// The child side of [`memory_by_tree_size`]: one scan on all cores, then the peak.
fn memory_child(dir: PathBuf) {
    let engine = engine();
    let bytes = walk_and_scan(&engine, &dir, None);
    println!(
        "{:.1} MB scanned, peak resident memory {:.0} MiB",
        bytes as f64 / 1e6,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`; the measurement
    // only means something in an optimised build, so it runs under `cargo bench` only.
    if !std::env::args().any(|a| a == "--bench") {
        println!("throughput benchmark: run `cargo bench --bench throughput [-- DIR]`");
        return;
    }
    let after = |flag: &str| {
        let mut args = std::env::args().skip_while(|a| a != flag);
        args.next().and(args.next()).map(PathBuf::from)
    };
    if let Some(dir) = after("--memory-child") {
        return memory_child(dir);
    }
    if let Some(repo) = after("--history-memory-child") {
        return history_memory_child(repo);
    }
    let history = after("--history")
        .or_else(|| std::env::var_os("SECRETGATE_BENCH_HISTORY").map(PathBuf::from));
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .iter()
        .enumerate()
        .skip(1)
        .find(|(i, a)| !a.starts_with('-') && args[i - 1] != "--history")
        .map(|(_, a)| a)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("SECRETGATE_BENCH_DIR").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/registry/src")));

    let t = Instant::now();
    let engine = engine();
    println!(
        "rule compilation: {:.1} ms ({} rules)",
        t.elapsed().as_secs_f64() * 1e3,
        engine.rules().len()
    );

    let sample = b"fn main() {\n    let url = \"https://contoso.blob.core.windows.net\";\n}\n";
    let (one_file, _) = best_of_3(|| {
        let e = self::engine();
        e.scan_content("main.rs", sample).findings.len() as u64
    });
    println!(
        "one-file scan including rule compilation: {:.1} ms",
        one_file.as_secs_f64() * 1e3
    );

    let generated = std::env::temp_dir().join("secretgate-bench-seed-42");
    if !generated.exists() {
        generate_tree(&generated, 42, 2_000, 400);
    }
    report("generated (seed 42)", &engine, &generated);

    match dir {
        Some(d) if d.is_dir() => report(&format!("real tree {}", d.display()), &engine, &d),
        _ => println!("no real tree given (pass a directory or set SECRETGATE_BENCH_DIR)"),
    }
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory of this process (both trees): {mib:.0} MiB");
    }
    memory_by_tree_size();
    match history {
        Some(repo) => report_history(&engine, &repo),
        None => {
            println!("no history benchmark (pass --history REPO or set SECRETGATE_BENCH_HISTORY)")
        }
    }
}
