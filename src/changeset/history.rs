//! History scans: every blob reachable from the refs, each read once, with the commit that
//! first brought it into the repository at that path.
//!
//! One `git log --topo-order --reverse --raw -c` lists, for every commit (parents before
//! children), the blobs whose paths it changes: against its parent, against the empty tree
//! for a root, and for a merge only the paths whose result differs from every parent (the
//! merge's own resolution). By induction every blob of every reachable tree appears in
//! such a list at the first commit that holds it at that path, and a blob a commit took
//! unchanged from a parent is never listed again, so a commit inherits what its parents
//! have seen. A blob listed again later (the same content on another branch or under
//! another name) is skipped: the first listing, in topological order, is its provenance.
//!
//! The new blobs go to one `git cat-file --batch` as they are found, and its answers are
//! handed to worker threads through a bounded queue: memory holds the commit graph (inside
//! `git log`), the set of blob ids seen, and the few blobs in flight; it does not grow
//! with the bytes of history. Blobs over the size limit are skipped without being held,
//! blobs whose path names a never-text format are not read at all, symbolic links and
//! submodules are not files.
//!
//! The walk covers every ref (branches, tags, remote-tracking and any other refs), or the
//! commits one `branch` reaches, minus those `since` reaches. A shallow clone walks what it
//! has, and says so: its oldest commits then look like roots that add their whole tree.

use super::git::{path_from_bytes, Git};
use super::{ChangedFile, ChangesetError, LineFilter, PathFilter, Source};
use crate::findings::{Author, Provenance, Warning};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Mutex, PoisonError};

/// What a history scan walks, and how.
pub struct HistoryOptions<'a> {
    /// Walk only the commits this ref reaches (default: every ref).
    pub branch: Option<String>,
    /// Leave out the commits this ref reaches.
    pub since: Option<String>,
    /// Blobs larger than this are passed over unread ([`Source::TooLarge`]).
    pub max_blob_size: u64,
    /// Paths whose content is never read (formats that are never text): handed over with
    /// no bytes, for the scanner to count.
    pub skip_content: &'a (dyn Fn(&str) -> bool + Sync),
    /// Threads that call the sink; `None` = all cores.
    pub threads: Option<usize>,
    /// Counters a progress display may read while the walk runs.
    pub progress: Option<&'a HistoryProgress>,
}

/// Running totals of a walk, updated as it goes.
#[derive(Debug, Default)]
pub struct HistoryProgress {
    pub commits: AtomicU64,
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
}

/// One blob to scan: its first path and content, and the commit that introduced it there.
#[derive(Debug)]
pub struct HistoryBlob {
    pub file: ChangedFile,
    pub provenance: Provenance,
}

/// What a walk leaves once every blob is handed over.
#[derive(Debug, Default)]
pub struct HistoryWalked {
    /// The repository's top level, which paths are relative to (a bare repository's git
    /// directory).
    pub root: PathBuf,
    pub commits: u64,
    /// Distinct blobs handed over.
    pub blobs: u64,
    /// Blobs git could not provide, and the shallow-clone notice.
    pub warnings: Vec<Warning>,
    /// The clone is shallow: commits before its boundary were not walked.
    pub shallow: bool,
}

/// Batches in flight between git and the workers, per worker: enough to keep both busy,
/// few enough that memory stays a handful of files.
const QUEUE_PER_WORKER: usize = 2;
/// Blobs go to the workers in batches of about this many bytes (or [`BATCH_BLOBS`] blobs):
/// most blobs are small, and handing each over alone costs more in wake-ups than its scan.
const BATCH_BYTES: usize = 256 << 10;
const BATCH_BLOBS: usize = 64;

/// Walks the history of the repository containing `dir` and hands each new blob to `sink`,
/// on worker threads, in no particular order.
pub fn history_each(
    dir: &Path,
    filter: &PathFilter,
    options: &HistoryOptions,
    sink: &(dyn Fn(HistoryBlob) + Sync),
) -> Result<HistoryWalked, ChangesetError> {
    let git = Git::open_repository(dir)?;
    let mut revisions = Vec::new();
    match &options.branch {
        Some(branch) => revisions.push(git.commit(branch)?),
        None => revisions.push("--all".to_string()),
    }
    if let Some(since) = &options.since {
        revisions.push(format!("^{}", git.commit(since)?));
    }
    let shallow = git.output(&["rev-parse", "--is-shallow-repository"])? == b"true\n";

    let mut args = vec![
        "-c",
        "log.showRoot=true",
        "log",
        "--topo-order",
        "--reverse",
        "--raw",
        "-c",
        "--no-abbrev",
        "--no-renames",
        "--no-show-signature",
        "--no-color",
        "-z",
        // \x01 never starts a raw entry (`:`), so a header cannot be mistaken for one.
        "--format=\x01%H%x00%an%x00%ae%x00%aI",
    ];
    args.extend(revisions.iter().map(String::as_str));
    args.push("--");
    let mut log = git.stream(&args, false)?;
    // `--buffer`: answers leave git in blocks rather than one write (and one wake-up of
    // the reader) per blob. What git holds back is flushed when its input ends, and the
    // lister never waits on the reader, so nobody waits for an answer git is keeping.
    let mut cat = match git.stream(&["cat-file", "--batch", "--buffer"], true) {
        Ok(cat) => cat,
        Err(e) => {
            log.kill();
            return Err(e);
        }
    };
    let (Some(log_out), Some(cat_in), Some(cat_out)) = (log.stdout(), cat.stdin(), cat.stdout())
    else {
        log.kill();
        cat.kill();
        return Err(ChangesetError::GitFailed {
            command: "git log | git cat-file --batch".into(),
            stderr: "no pipes to git".into(),
        });
    };

    let workers = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let (blob_tx, blob_rx) = sync_channel::<Vec<HistoryBlob>>(workers * QUEUE_PER_WORKER);
    // Unbounded, yet bounded in practice: a request waits here only while its id or its
    // answer sits in a pipe or in git's buffers, all of fixed size.
    let (request_tx, request_rx) = channel::<Request>();
    let blob_rx = Mutex::new(blob_rx);
    let walk = Walk {
        filter,
        options,
        blobs: blob_tx.clone(),
    };

    // The queue to the workers closes when the lister and the reader, its only senders,
    // are done.
    let (listed, read) = std::thread::scope(|scope| {
        let lister = scope.spawn(move || walk.list(log_out, cat_in, request_tx));
        let reader = {
            let blobs = blob_tx;
            scope.spawn(move || read_blobs(cat_out, request_rx, &blobs, options.max_blob_size))
        };
        for _ in 0..workers {
            scope.spawn(|| work(&blob_rx, sink, options.progress));
        }
        (
            lister
                .join()
                .unwrap_or_else(|_| Err("the history walk stopped".into())),
            reader
                .join()
                .unwrap_or_else(|_| Err("reading blobs stopped".into())),
        )
    });

    // git's own complaint (a broken repository) says more than the closed pipe it leaves;
    // but when our side stopped first, git only saw its pipe close.
    let (git_said_why, git_failed) = match log.finish().and(cat.finish()) {
        Err(ChangesetError::GitFailed { command, stderr }) if !stderr.is_empty() => {
            (Some(ChangesetError::GitFailed { command, stderr }), None)
        }
        other => (None, other.err()),
    };
    if let Some(err) = git_said_why {
        return Err(err);
    }
    let listed = listed.map_err(|why| pipe_error("git log", why))?;
    let mut warnings = read.map_err(|why| pipe_error("git cat-file --batch", why))?;
    if let Some(err) = git_failed {
        return Err(err);
    }
    if shallow {
        warnings.push(Warning {
            path: ".".into(),
            message: "shallow clone: history is partial. Commits older than the clone's depth \
                      were not scanned, and the oldest commit present is credited with every \
                      file it holds. Fetch full history (`git fetch --unshallow`; \
                      actions/checkout `fetch-depth: 0`; Azure `fetchDepth: 0`)"
                .into(),
        });
    }
    Ok(HistoryWalked {
        root: git.top().to_path_buf(),
        commits: listed.commits,
        blobs: listed.blobs,
        warnings,
        shallow,
    })
}

/// The repository as SARIF's `versionControlProvenance` names it: the `origin` remote's
/// URL without any user name or token in it, else the top-level directory as a `file:` URL.
pub fn repository_uri(dir: &Path) -> Option<String> {
    let git = Git::open_repository(dir).ok()?;
    let remote = git
        .output(&["config", "--get", "remote.origin.url"])
        .ok()
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .filter(|url| !url.is_empty());
    match remote {
        Some(url) => Some(without_credentials(&url)),
        None => Some(format!("file://{}", git.top().to_string_lossy())),
    }
}

/// `https://user:token@host/path` -> `https://host/path`; scp-like `git@host:path` becomes
/// `ssh://host/path`, since SARIF wants a URI.
fn without_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        return format!("{scheme}://{host}/{path}");
    }
    match url.split_once(':') {
        Some((user_host, path)) if !user_host.contains('/') => {
            let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
            format!("ssh://{host}/{}", path.trim_start_matches('/'))
        }
        _ => format!("file://{url}"),
    }
}

fn pipe_error(command: &str, why: String) -> ChangesetError {
    ChangesetError::GitFailed {
        command: command.into(),
        stderr: why,
    }
}

/// A blob asked of `git cat-file`, waiting for its answer.
struct Request {
    path: String,
    provenance: Provenance,
}

struct Listed {
    commits: u64,
    blobs: u64,
}

struct Walk<'a> {
    filter: &'a PathFilter,
    options: &'a HistoryOptions<'a>,
    blobs: SyncSender<Vec<HistoryBlob>>,
}

/// A blob id as bytes (SHA-1 or SHA-256, zero-padded), for the set of blobs seen: no
/// allocation per entry.
type BlobKey = [u8; 32];

fn blob_key(hex_id: &[u8]) -> Option<BlobKey> {
    let mut key = [0; 32];
    let bytes = key.get_mut(..hex_id.len() / 2)?;
    hex::decode_to_slice(hex_id, bytes).ok()?;
    Some(key)
}

impl Walk<'_> {
    /// Reads `git log`, asks `git cat-file` for each blob not seen before, and tells the
    /// reader which path and commit each answer belongs to.
    fn list(
        &self,
        log: impl Read,
        cat_in: impl Write,
        requests: Sender<Request>,
    ) -> Result<Listed, String> {
        let mut log = BufReader::with_capacity(1 << 16, log);
        let mut cat_in = BufWriter::with_capacity(1 << 16, cat_in);
        let mut seen: HashSet<BlobKey> = HashSet::new();
        let mut listed = Listed {
            commits: 0,
            blobs: 0,
        };
        let mut commit: Option<Provenance> = None;
        let mut token = Vec::new();
        let mut path = Vec::new();
        loop {
            if !next_token(&mut log, &mut token)? {
                break;
            }
            // Between records git writes a newline; entries follow the header directly.
            let field = token.strip_prefix(b"\n").unwrap_or(&token);
            if let Some(id) = field.strip_prefix(b"\x01") {
                let id = String::from_utf8_lossy(id).into_owned();
                let name = field_text(&mut log, &mut token)?;
                let email = field_text(&mut log, &mut token)?;
                let date = field_text(&mut log, &mut token)?;
                commit = Some(Provenance {
                    commit: id,
                    author: Author { name, email },
                    date,
                    order: listed.commits,
                });
                listed.commits += 1;
                if let Some(progress) = self.options.progress {
                    progress.commits.fetch_add(1, Ordering::Relaxed);
                }
            } else if field.first() == Some(&b':') {
                let entry = RawEntry::parse(field)?;
                if !next_token(&mut log, &mut path)? {
                    return Err("git log ended inside an entry".into());
                }
                let Some(commit) = &commit else {
                    return Err("git log listed a file before any commit".into());
                };
                let Some(blob) = entry.new_file_blob() else {
                    continue;
                };
                let Some(key) = blob_key(blob) else {
                    return Err("git log gave an object id that is not hex".into());
                };
                // Most entries name a blob seen before: no path text for those.
                if seen.contains(&key) {
                    continue;
                }
                let name = path_text(&path);
                if self.filter.excludes(&name) {
                    continue;
                }
                seen.insert(key);
                listed.blobs += 1;
                let provenance = commit.clone();
                if (self.options.skip_content)(&name) {
                    let file = blob_file(name, Source::Bytes(Vec::new()));
                    if self
                        .blobs
                        .send(vec![HistoryBlob { file, provenance }])
                        .is_err()
                    {
                        return Err("the scan stopped taking blobs".into());
                    }
                    continue;
                }
                let request = Request {
                    path: name,
                    provenance,
                };
                // Queued before the id is written: the reader pops one per answer.
                requests
                    .send(request)
                    .map_err(|_| "reading blobs stopped".to_string())?;
                cat_in
                    .write_all(blob)
                    .and_then(|()| cat_in.write_all(b"\n"))
                    .map_err(|e| format!("writing to git: {e}"))?;
            }
            // Anything else (an empty field between records) carries nothing.
        }
        cat_in.flush().map_err(|e| format!("writing to git: {e}"))?;
        Ok(listed)
    }
}

fn blob_file(path: String, source: Source) -> ChangedFile {
    ChangedFile {
        path,
        source,
        lines: LineFilter::All,
    }
}

/// Reads one NUL-terminated field into `buf` (without the NUL); `false` at the end.
fn next_token(input: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<bool, String> {
    buf.clear();
    let n = input
        .read_until(0, buf)
        .map_err(|e| format!("reading from git: {e}"))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&0) {
        buf.pop();
    }
    Ok(true)
}

fn field_text(input: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<String, String> {
    if !next_token(input, buf)? {
        return Err("git log ended inside a commit header".into());
    }
    Ok(String::from_utf8_lossy(buf).into_owned())
}

/// A path from git as reported: raw bytes as a native path, then as text with `/`.
fn path_text(raw: &[u8]) -> String {
    path_from_bytes(raw).to_string_lossy().into_owned()
}

/// One `--raw` entry: `:old-mode new-mode old-id new-id status`, or for a merge's combined
/// diff one `:` per parent, a mode and an id per parent, then the result's.
struct RawEntry<'a> {
    mode: &'a [u8],
    id: &'a [u8],
}

impl<'a> RawEntry<'a> {
    fn parse(field: &'a [u8]) -> Result<Self, String> {
        let parents = field.iter().take_while(|&&b| b == b':').count();
        let words: Vec<&[u8]> = field[parents..].split(|&b| b == b' ').collect();
        // parents + 1 modes, parents + 1 ids, the status.
        let (modes, rest) = words.split_at(words.len().min(parents + 1));
        let ids = rest.get(..parents + 1);
        match (modes.last(), ids.and_then(|ids| ids.last())) {
            (Some(mode), Some(id)) if rest.len() > parents + 1 => Ok(Self { mode, id }),
            _ => Err("git log gave an entry it should not".into()),
        }
    }

    /// The id of the blob the commit leaves at this path, if it is a regular file: not a
    /// deletion, a symbolic link or a submodule.
    fn new_file_blob(&self) -> Option<&'a [u8]> {
        let regular = self.mode == b"100644" || self.mode == b"100755";
        let deleted = self.id.iter().all(|&b| b == b'0');
        (regular && !deleted).then_some(self.id)
    }
}

/// Reads the answers of `git cat-file --batch`, one per request, and queues the blobs.
fn read_blobs(
    cat_out: impl Read,
    requests: Receiver<Request>,
    blobs: &SyncSender<Vec<HistoryBlob>>,
    max_size: u64,
) -> Result<Vec<Warning>, String> {
    // Small: content past what is buffered is read straight into the blob's own buffer.
    let mut out = BufReader::with_capacity(1 << 16, cat_out);
    let mut warnings = Vec::new();
    let mut header = Vec::new();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for request in requests {
        header.clear();
        out.read_until(b'\n', &mut header)
            .map_err(|e| format!("reading from git: {e}"))?;
        let text = String::from_utf8_lossy(&header);
        let source = match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            [_, "blob", size] => {
                let size: u64 = size.parse().map_err(|_| "unexpected answer from git")?;
                if size > max_size {
                    // Passed over without holding it: read past it.
                    let skipped =
                        std::io::copy(&mut (&mut out).take(size + 1), &mut std::io::sink())
                            .map_err(|e| format!("reading from git: {e}"))?;
                    if skipped != size + 1 {
                        return Err("git stopped answering".into());
                    }
                    Source::TooLarge(size)
                } else {
                    // Read into spare capacity: no zeroing of what the read overwrites.
                    let mut content = Vec::with_capacity(size as usize + 1);
                    (&mut out)
                        .take(size + 1)
                        .read_to_end(&mut content)
                        .map_err(|e| format!("reading from git: {e}"))?;
                    if content.len() as u64 != size + 1 {
                        return Err("git stopped answering".into());
                    }
                    content.pop(); // the newline after each object
                    Source::Bytes(content)
                }
            }
            [_, "missing" | "ambiguous"] => {
                warnings.push(Warning {
                    path: format!("{}:{}", request.provenance.short_commit(), request.path),
                    message: "skipped: the blob is missing from this clone".into(),
                });
                continue;
            }
            _ => return Err("git stopped answering".into()),
        };
        if let Source::Bytes(b) = &source {
            batch_bytes += b.len();
        }
        batch.push(HistoryBlob {
            file: blob_file(request.path, source),
            provenance: request.provenance,
        });
        if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_BLOBS {
            batch_bytes = 0;
            if blobs.send(std::mem::take(&mut batch)).is_err() {
                return Err("the scan stopped taking blobs".into());
            }
        }
    }
    if !batch.is_empty() && blobs.send(batch).is_err() {
        return Err("the scan stopped taking blobs".into());
    }
    Ok(warnings)
}

/// A worker: scans queued batches of blobs until the queue closes.
fn work(
    queue: &Mutex<Receiver<Vec<HistoryBlob>>>,
    sink: &(dyn Fn(HistoryBlob) + Sync),
    progress: Option<&HistoryProgress>,
) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(batch) = next else { return };
        for blob in batch {
            if let Some(progress) = progress {
                let bytes = match &blob.file.source {
                    Source::Bytes(b) => b.len() as u64,
                    _ => 0,
                };
                progress.blobs.fetch_add(1, Ordering::Relaxed);
                progress.bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            sink(blob);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_entries_give_the_resulting_blob_of_regular_files() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let added = format!(":000000 100644 {zero} {a} A");
        let entry = RawEntry::parse(added.as_bytes()).expect("parses");
        assert_eq!(entry.new_file_blob(), Some(a.as_bytes()));

        let deleted = format!(":100644 000000 {a} {zero} D");
        assert_eq!(
            RawEntry::parse(deleted.as_bytes())
                .expect("parses")
                .new_file_blob(),
            None
        );

        let link = format!(":000000 120000 {zero} {a} A");
        assert_eq!(
            RawEntry::parse(link.as_bytes())
                .expect("parses")
                .new_file_blob(),
            None
        );

        let merge = format!("::100644 100644 100755 {a} {a} {b} MM");
        let entry = RawEntry::parse(merge.as_bytes()).expect("parses");
        assert_eq!(entry.new_file_blob(), Some(b.as_bytes()));

        assert!(RawEntry::parse(b":100644 100644").is_err());
    }

    #[test]
    fn remote_urls_lose_their_credentials() {
        let token = ["ghp", "_", "0123456789abcdef"].concat();
        let url = format!("https://x-access-token:{token}@github.com/o/r.git");
        assert_eq!(without_credentials(&url), "https://github.com/o/r.git");
        assert_eq!(
            without_credentials("https://dev.azure.com/org/p/_git/r"),
            "https://dev.azure.com/org/p/_git/r"
        );
        assert_eq!(
            without_credentials("git@github.com:o/r.git"),
            "ssh://github.com/o/r.git"
        );
        assert_eq!(without_credentials("/srv/repo.git"), "file:///srv/repo.git");
    }

    #[test]
    fn blob_keys_take_either_hash_and_refuse_what_is_not_hex() {
        let sha1 = "0123456789abcdef0123456789abcdef01234567";
        let sha256 = "ab".repeat(32);
        assert_eq!(blob_key(sha1.as_bytes()).map(|k| k[19]), Some(0x67));
        assert_eq!(blob_key(sha256.as_bytes()).map(|k| k[31]), Some(0xab));
        assert_ne!(blob_key(sha1.as_bytes()), blob_key(&sha1.as_bytes()[..38]));
        assert_eq!(blob_key(b"xyz0"), None);
        assert_eq!(blob_key(b"abc"), None);
        assert_eq!(blob_key("ab".repeat(33).as_bytes()), None);
    }

    #[test]
    fn tokens_split_at_nul() {
        let mut input = &b"one\0\0two"[..];
        let mut buf = Vec::new();
        assert!(next_token(&mut input, &mut buf).expect("reads"));
        assert_eq!(buf, b"one");
        assert!(next_token(&mut input, &mut buf).expect("reads"));
        assert_eq!(buf, b"");
        assert!(next_token(&mut input, &mut buf).expect("reads"));
        assert_eq!(buf, b"two");
        assert!(!next_token(&mut input, &mut buf).expect("reads"));
    }
}
