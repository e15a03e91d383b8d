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

use super::git::{path_from_bytes, Git, Streaming};
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
    /// Read blobs through `git cat-file --batch` even where the object store can be read
    /// in-process (to compare the two, or to work around a store gitoxide cannot read).
    pub git_cat_file: bool,
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
/// Blob buffers go back from the workers to the reader, up to this many, each of at most
/// [`SPARE_BUFFER_BYTES`]: allocating, zeroing and growing a fresh buffer for every blob
/// costs more than a tenth of the reading. Bounded, so at most 64 MiB stay spare.
const SPARE_BUFFERS: usize = 64;
const SPARE_BUFFER_BYTES: usize = 1 << 20;

/// Walks the history of the repository containing `dir` and hands each new blob to `sink`,
/// on worker threads, in no particular order.
pub fn history_each(
    dir: &Path,
    filter: &PathFilter,
    options: &HistoryOptions,
    sink: &(dyn Fn(&HistoryBlob) + Sync),
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
    let objects = if options.git_cat_file {
        None
    } else {
        open_objects(&git)
    };
    let mut log = git.stream(&args, false)?;
    let Some(log_out) = log.stdout() else {
        log.kill();
        return Err(pipe_error("git log", "no pipe from git".into()));
    };
    let workers = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let walk = Walk { filter, options };
    let (listed, warnings, cat) = match objects {
        Some(objects) => {
            let (listed, read) = walk_reading_in_process(
                &walk,
                log_out,
                objects,
                workers,
                options.max_blob_size,
                sink,
            );
            (listed, read, None)
        }
        None => {
            let mut cat = match git.stream(&["cat-file", "--batch", "--buffer"], true) {
                Ok(cat) => cat,
                Err(e) => {
                    log.kill();
                    return Err(e);
                }
            };
            let (Some(cat_in), Some(cat_out)) = (cat.stdin(), cat.stdout()) else {
                log.kill();
                cat.kill();
                return Err(pipe_error("git cat-file --batch", "no pipes to git".into()));
            };
            let (listed, read) =
                walk_reading_through_git(&walk, log_out, cat_in, cat_out, workers, sink);
            (listed, read, Some(cat))
        }
    };

    // git's own complaint (a broken repository) says more than the closed pipe it leaves;
    // but when our side stopped first, git only saw its pipe close.
    let finished = log
        .finish()
        .and_then(|()| cat.map_or(Ok(()), Streaming::finish));
    let (git_said_why, git_failed) = match finished {
        Err(ChangesetError::GitFailed { command, stderr }) if !stderr.is_empty() => {
            (Some(ChangesetError::GitFailed { command, stderr }), None)
        }
        other => (None, other.err()),
    };
    if let Some(err) = git_said_why {
        return Err(err);
    }
    let listed = listed?;
    let mut warnings = warnings?;
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
}

/// A blob id as bytes (SHA-1 or SHA-256, zero-padded), for the set of blobs seen.
type BlobKey = [u8; 32];

fn blob_key(hex_id: &[u8]) -> Option<BlobKey> {
    let mut key = [0; 32];
    let bytes = key.get_mut(..hex_id.len() / 2)?;
    hex::decode_to_slice(hex_id, bytes).ok()?;
    Some(key)
}

/// A blob the walk found first: its id (hex, as git wrote it), where and when it came in,
/// and whether its content is to be read at all.
struct Wanted<'a> {
    id: &'a [u8],
    path: String,
    provenance: Provenance,
    read: bool,
}

/// Where the walk hands the blobs it finds.
trait Feed {
    fn want(&mut self, wanted: Wanted) -> Result<(), String>;
    /// Hands over what is still held; the warnings of blobs that could not be read.
    fn finish(self) -> Result<Vec<Warning>, String>;
}

impl Walk<'_> {
    /// Reads `git log` and hands each blob not seen before to `feed`, with the path and
    /// commit that brought it.
    fn list(&self, log: impl Read, mut feed: impl Feed) -> Result<(Listed, Vec<Warning>), String> {
        let mut log = BufReader::with_capacity(1 << 16, log);
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
                let read = !(self.options.skip_content)(&name);
                feed.want(Wanted {
                    id: blob,
                    path: name,
                    provenance: commit.clone(),
                    read,
                })?;
            }
            // Anything else (an empty field between records) carries nothing.
        }
        let warnings = feed.finish()?;
        Ok((listed, warnings))
    }
}

/// Runs the walk with blobs read through one `git cat-file --batch`: the lister writes ids
/// to git, a reader thread takes git's answers and queues them for the workers.
fn walk_reading_through_git(
    walk: &Walk,
    log_out: impl Read + Send,
    cat_in: impl Write + Send,
    cat_out: impl Read + Send,
    workers: usize,
    sink: &(dyn Fn(&HistoryBlob) + Sync),
) -> (
    Result<Listed, ChangesetError>,
    Result<Vec<Warning>, ChangesetError>,
) {
    let (blob_tx, blob_rx) = sync_channel::<Vec<HistoryBlob>>(workers * QUEUE_PER_WORKER);
    // Unbounded, yet bounded in practice: a request waits here only while its id or its
    // answer sits in a pipe or in git's buffers, all of fixed size.
    let (request_tx, request_rx) = channel::<Request>();
    let blob_rx = Mutex::new(blob_rx);
    let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(SPARE_BUFFERS);
    let max_size = walk.options.max_blob_size;
    let progress = walk.options.progress;
    let feed = CatFileFeed {
        cat_in: BufWriter::with_capacity(1 << 16, cat_in),
        requests: request_tx,
        blobs: blob_tx.clone(),
    };
    // The queue to the workers closes when the lister and the reader, its only senders,
    // are done.
    let (listed, read) = std::thread::scope(|scope| {
        let lister = scope.spawn(move || walk.list(log_out, feed));
        let reader = {
            let blobs = blob_tx;
            scope.spawn(move || read_blobs(cat_out, request_rx, &blobs, &spare_rx, max_size))
        };
        for _ in 0..workers {
            scope.spawn(|| work(&blob_rx, sink, progress, &spare_tx));
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
    let read = read.map_err(|why| pipe_error("git cat-file --batch", why));
    let listed = listed
        .map(|(listed, _)| listed)
        .map_err(|why| pipe_error("git log", why));
    (listed, read)
}

/// Hands blobs to `git cat-file --batch` and tells the reader whose answer comes next;
/// blobs not to be read go straight to the workers.
struct CatFileFeed<W: Write> {
    cat_in: BufWriter<W>,
    requests: Sender<Request>,
    blobs: SyncSender<Vec<HistoryBlob>>,
}

impl<W: Write> Feed for CatFileFeed<W> {
    fn want(&mut self, wanted: Wanted) -> Result<(), String> {
        if !wanted.read {
            let file = blob_file(wanted.path, Source::Bytes(Vec::new()));
            let provenance = wanted.provenance;
            return self
                .blobs
                .send(vec![HistoryBlob { file, provenance }])
                .map_err(|_| "the scan stopped taking blobs".to_string());
        }
        let request = Request {
            path: wanted.path,
            provenance: wanted.provenance,
        };
        // Queued before the id is written: the reader pops one per answer.
        self.requests
            .send(request)
            .map_err(|_| "reading blobs stopped".to_string())?;
        self.cat_in
            .write_all(wanted.id)
            .and_then(|()| self.cat_in.write_all(b"\n"))
            .map_err(|e| format!("writing to git: {e}"))
    }

    fn finish(mut self) -> Result<Vec<Warning>, String> {
        self.cat_in
            .flush()
            .map_err(|e| format!("writing to git: {e}"))?;
        // Blobs git lacks are the reader's to report.
        Ok(Vec::new())
    }
}

/// The object store of a SHA-1 repository, opened for reading in-process; `None` when it
/// cannot be (another hash, a layout gitoxide does not read), and git reads the blobs.
fn open_objects(git: &Git) -> Option<gix_odb::HandleArc> {
    let out = git
        .output(&["rev-parse", "--show-object-format", "--git-path", "objects"])
        .ok()?;
    let mut lines = out.split(|&b| b == b'\n');
    if lines.next()? != b"sha1" {
        return None;
    }
    // Relative to where git ran, the top level; absolute when GIT_DIR or
    // GIT_OBJECT_DIRECTORY point elsewhere.
    let objects = git.top().join(path_from_bytes(lines.next()?));
    gix_odb::at(objects).ok()?.into_arc().ok()
}

/// Each reader's cache of decoded delta bases: most of history is deltas on deltas, and a
/// file's versions, read one after another, keep the bases they need warm.
const BASE_CACHE_BYTES: usize = 32 << 20;
/// Blobs per job handed to an in-process reader.
const JOB_BLOBS: usize = 32;
/// Jobs waiting for each reader. Jobs hold names, not content, so a deep queue costs little
/// and lets a reader that got a run of large files fall behind without stalling the lister,
/// and with it the other readers.
const JOBS_QUEUED: usize = 64;

/// A blob for an in-process reader to read and scan.
struct Job {
    id: gix_hash::ObjectId,
    path: String,
    provenance: Provenance,
    read: bool,
}

/// Shares the walk's blobs among the readers by path: every version of a file goes to the
/// same reader, so the delta bases its cache holds serve the next version too, and no two
/// readers inflate the same bases.
struct InProcessFeed {
    readers: Vec<SyncSender<Vec<Job>>>,
    batches: Vec<Vec<Job>>,
}

impl Feed for InProcessFeed {
    fn want(&mut self, wanted: Wanted) -> Result<(), String> {
        let id = gix_hash::ObjectId::from_hex(wanted.id)
            .map_err(|e| format!("git log gave an object id gitoxide cannot read: {e}"))?;
        let reader = reader_for(&wanted.path, self.readers.len());
        let batch = &mut self.batches[reader];
        batch.push(Job {
            id,
            path: wanted.path,
            provenance: wanted.provenance,
            read: wanted.read,
        });
        if batch.len() >= JOB_BLOBS {
            let jobs = std::mem::replace(batch, Vec::with_capacity(JOB_BLOBS));
            self.readers[reader]
                .send(jobs)
                .map_err(|_| "the scan stopped taking blobs".to_string())?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<Warning>, String> {
        for (reader, jobs) in self.readers.iter().zip(self.batches) {
            if !jobs.is_empty() && reader.send(jobs).is_err() {
                return Err("the scan stopped taking blobs".into());
            }
        }
        // Blobs the store lacks are the readers' to report.
        Ok(Vec::new())
    }
}

/// Which of `readers` takes the versions of `path`: FNV-1a of the path, stable and cheap.
fn reader_for(path: &str, readers: usize) -> usize {
    let hash = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % readers.max(1) as u64) as usize
}

/// Runs the walk with blobs read from the object store in-process: readers, each with its
/// share of paths, read blobs into buffers and queue them; workers scan them from one
/// shared queue. Reading is shared by path for the delta caches' sake, scanning is not,
/// since one file's versions can be a third of a history's bytes. No blob crosses a pipe
/// or another process.
fn walk_reading_in_process(
    walk: &Walk,
    log_out: impl Read + Send,
    objects: gix_odb::HandleArc,
    workers: usize,
    max_size: u64,
    sink: &(dyn Fn(&HistoryBlob) + Sync),
) -> (
    Result<Listed, ChangesetError>,
    Result<Vec<Warning>, ChangesetError>,
) {
    let progress = walk.options.progress;
    let mut senders = Vec::with_capacity(workers);
    let mut queues = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (tx, rx) = sync_channel::<Vec<Job>>(JOBS_QUEUED);
        senders.push(tx);
        queues.push(rx);
    }
    let feed = InProcessFeed {
        batches: (0..workers)
            .map(|_| Vec::with_capacity(JOB_BLOBS))
            .collect(),
        readers: senders,
    };
    let (blob_tx, blob_rx) = sync_channel::<Vec<HistoryBlob>>(workers * QUEUE_PER_WORKER);
    let blob_rx = Mutex::new(blob_rx);
    let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(SPARE_BUFFERS);
    let spare_rx = Mutex::new(spare_rx);
    let (listed, read) = std::thread::scope(|scope| {
        let lister = scope.spawn(move || walk.list(log_out, feed));
        let readers: Vec<_> = queues
            .into_iter()
            .map(|queue| {
                let mut store = objects.clone();
                store.set_pack_cache(|| {
                    Box::new(gix_pack::cache::lru::MemoryCappedHashmap::new(
                        BASE_CACHE_BYTES,
                    ))
                });
                let blobs = blob_tx.clone();
                let spare = &spare_rx;
                scope.spawn(move || read_objects(&queue, &store, max_size, &blobs, spare))
            })
            .collect();
        // The queue to the workers closes when the readers, its only senders, are done.
        drop(blob_tx);
        for _ in 0..workers {
            scope.spawn(|| work(&blob_rx, sink, progress, &spare_tx));
        }
        // The lister first: when it stops early it drops the readers' queues, which ends
        // the readers, and with them the workers.
        let listed = lister
            .join()
            .unwrap_or_else(|_| Err("the history walk stopped".into()));
        let mut read = Ok(Vec::new());
        for reader in readers {
            let found = reader
                .join()
                .unwrap_or_else(|_| Err("reading blobs stopped".into()));
            match (&mut read, found) {
                (Ok(all), Ok(found)) => all.extend(found),
                (Ok(_), Err(why)) => read = Err(why),
                (Err(_), _) => {}
            }
        }
        (listed, read)
    });
    let read = read.map_err(|why| pipe_error("reading blobs from the object store", why));
    let listed = match (listed, &read) {
        (Ok((listed, _)), _) => Ok(listed),
        // A reader's own complaint says more than the queue it left closed.
        (Err(_), Err(_)) => Err(pipe_error("git log", "reading blobs stopped".into())),
        (Err(why), Ok(_)) => Err(pipe_error("git log", why)),
    };
    (listed, read)
}

/// An in-process reader: reads each queued blob into a spare buffer and queues it for the
/// workers in batches, until its queue closes. It stops at the first error, which closes
/// its queue and so stops the lister too.
fn read_objects(
    queue: &Receiver<Vec<Job>>,
    store: &gix_odb::HandleArc,
    max_size: u64,
    blobs: &SyncSender<Vec<HistoryBlob>>,
    spare: &Mutex<Receiver<Vec<u8>>>,
) -> Result<Vec<Warning>, String> {
    let mut warnings = Vec::new();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for jobs in queue {
        for job in jobs {
            let source = if job.read {
                let mut buffer = spare
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .try_recv()
                    .unwrap_or_default();
                match read_blob(store, &job.id, max_size, &mut buffer)? {
                    Some(source) => source,
                    None => {
                        warnings.push(Warning {
                            path: format!("{}:{}", job.provenance.short_commit(), job.path),
                            message: "skipped: the blob is missing from this clone".into(),
                        });
                        continue;
                    }
                }
            } else {
                Source::Bytes(Vec::new())
            };
            if let Source::Bytes(b) = &source {
                batch_bytes += b.len();
            }
            batch.push(HistoryBlob {
                file: blob_file(job.path, source),
                provenance: job.provenance,
            });
            if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_BLOBS {
                batch_bytes = 0;
                if blobs.send(std::mem::take(&mut batch)).is_err() {
                    return Err("the scan stopped taking blobs".into());
                }
            }
        }
    }
    if !batch.is_empty() && blobs.send(batch).is_err() {
        return Err("the scan stopped taking blobs".into());
    }
    Ok(warnings)
}

/// One blob's content (read into `buffer`'s allocation), its size when over the limit, or
/// `None` when the store lacks it.
fn read_blob(
    store: &gix_odb::HandleArc,
    id: &gix_hash::oid,
    max_size: u64,
    buffer: &mut Vec<u8>,
) -> Result<Option<Source>, String> {
    use gix_object::Find as _;
    use gix_odb::Header as _;
    let failed = |e| format!("reading blob {id} from the object store: {e}");
    // The size first: a blob over the limit is never inflated into memory.
    let size = match store.try_header(id).map_err(failed)? {
        None => return Ok(None),
        Some(header) => header.size(),
    };
    if size > max_size {
        return Ok(Some(Source::TooLarge(size)));
    }
    // The buffer as it is: gitoxide sizes it to the blob and overwrites what it keeps,
    // rather than zeroing a fresh one.
    match store.try_find(id, buffer).map_err(failed)? {
        None => Ok(None),
        Some(data) => {
            // gitoxide decodes into the buffer it is given, from its start.
            let len = data.data.len();
            buffer.truncate(len);
            Ok(Some(Source::Bytes(std::mem::take(buffer))))
        }
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
    spare: &Receiver<Vec<u8>>,
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
                    let mut content = spare.try_recv().unwrap_or_default();
                    content.clear();
                    content.reserve(size as usize + 1);
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
    sink: &(dyn Fn(&HistoryBlob) + Sync),
    progress: Option<&HistoryProgress>,
    spare: &SyncSender<Vec<u8>>,
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
            sink(&blob);
            if let Source::Bytes(buffer) = blob.file.source {
                // Back to the reader when there is room; else freed.
                if (1..=SPARE_BUFFER_BYTES).contains(&buffer.capacity()) {
                    let _ = spare.try_send(buffer);
                }
            }
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
