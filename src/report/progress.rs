//! A progress line for long scans, on a terminal's standard error only: CI logs and
//! redirected output never get it.

use super::human_bytes;
use crate::changeset::HistoryProgress;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `1,234 commits walked, 5,678 blobs scanned, 120.5 MiB (95.1 MB/s)`.
pub fn history_line(commits: u64, blobs: u64, bytes: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        bytes as f64 / 1e6 / secs
    } else {
        0.0
    };
    format!(
        "{commits} commits walked, {blobs} blobs scanned, {} ({rate:.1} MB/s)",
        human_bytes(bytes)
    )
}

/// Redraws the history line on stderr a few times a second until `done`, then erases it.
pub fn show_history(progress: &HistoryProgress, done: &AtomicBool) {
    let start = Instant::now();
    let mut stderr = std::io::stderr();
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(150));
        let line = history_line(
            progress.commits.load(Ordering::Relaxed),
            progress.blobs.load(Ordering::Relaxed),
            progress.bytes.load(Ordering::Relaxed),
            start.elapsed(),
        );
        // Carriage return and erase-line: the line is redrawn in place.
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
    }
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_and_rates() {
        let line = history_line(12, 34, 2 * 1024 * 1024, Duration::from_secs(2));
        assert_eq!(
            line,
            "12 commits walked, 34 blobs scanned, 2.0 MiB (1.0 MB/s)"
        );
    }
}
