//! Running `git`: the one runner every part of secretgate uses, failures mapped to
//! [`ChangesetError`], and one `git cat-file --batch` process to read many blobs.
//!
//! Every command runs with `core.quotePath=false` (non-ASCII paths stay raw bytes),
//! `GIT_OPTIONAL_LOCKS=0` (a scan inside a pre-commit hook must not fight `git commit` for
//! `index.lock`), `LC_ALL=C` (stable messages to recognise), `GIT_TERMINAL_PROMPT=0` (a CI
//! job never waits for a password) and no standard input. The environment is otherwise
//! inherited on purpose: inside a hook `GIT_INDEX_FILE` names the index being committed,
//! which is the one staged mode has to read.

use super::ChangesetError;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A repository, addressed by its top-level directory.
pub(crate) struct Git {
    top: PathBuf,
}

fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(["-c", "core.quotePath=false"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    cmd
}

/// Credentials for `git fetch` from `origin`: an `http.extraheader` that goes to git through
/// `GIT_CONFIG_*` variables, never the command line, where other processes could read it.
/// `Debug` never shows the header.
#[derive(Clone)]
pub struct FetchAuth {
    key: String,
    value: String,
}

impl FetchAuth {
    /// `key` is the config key (`http.extraheader`, or `http.<url>.extraheader` to scope
    /// it to one server); `value` the header (`AUTHORIZATION: …`).
    pub fn new(key: String, value: String) -> Self {
        Self { key, value }
    }
}

impl std::fmt::Debug for FetchAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FetchAuth({} = ***)", self.key)
    }
}

/// Runs git with `args` in `dir`, the same way as every other call; `auth` adds the
/// credentials header for fetches. The output is returned whatever the exit status.
pub fn run(dir: &Path, args: &[&str], auth: Option<&FetchAuth>) -> Result<Output, ChangesetError> {
    let mut cmd = command(dir);
    cmd.args(args);
    if let Some(a) = auth {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", &a.key)
            .env("GIT_CONFIG_VALUE_0", &a.value);
    }
    cmd.output().map_err(|e| spawn_error(e, dir))
}

/// Trimmed standard output of a git command that succeeded; `None` otherwise.
pub fn stdout_of(dir: &Path, args: &[&str]) -> Option<String> {
    let out = run(dir, args, None).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn spawn_error(err: std::io::Error, dir: &Path) -> ChangesetError {
    match err.kind() {
        std::io::ErrorKind::NotFound => ChangesetError::GitNotFound,
        _ => ChangesetError::Io {
            path: dir.to_path_buf(),
            source: err,
        },
    }
}

fn failed(args: &[&str], stderr: &[u8]) -> ChangesetError {
    ChangesetError::GitFailed {
        command: format!("git {}", args.join(" ")),
        stderr: String::from_utf8_lossy(stderr).trim().to_string(),
    }
}

/// A path from git's output (raw bytes) as a native path.
pub(crate) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// `git ARGS` in `dir`, whatever its exit status.
fn command_in(dir: &Path, args: &[&str]) -> Result<Output, ChangesetError> {
    command(dir)
        .args(args)
        .output()
        .map_err(|e| spawn_error(e, dir))
}

impl Git {
    /// Finds the repository that contains `dir`.
    pub(crate) fn open(dir: &Path) -> Result<Self, ChangesetError> {
        if !dir.exists() {
            return Err(ChangesetError::NotFound(dir.to_path_buf()));
        }
        if !dir.is_dir() {
            return Err(ChangesetError::NotARepository(dir.to_path_buf()));
        }
        let args = ["rev-parse", "--show-toplevel"];
        let out = command(dir)
            .args(args)
            .output()
            .map_err(|e| spawn_error(e, dir))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(if stderr.contains("not a git repository") {
                ChangesetError::NotARepository(dir.to_path_buf())
            } else {
                failed(&args, &out.stderr)
            });
        }
        let top = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
        Ok(Self {
            top: path_from_bytes(top),
        })
    }

    /// Finds the repository that contains `dir`, bare or not. A bare repository (a mirror,
    /// a server's copy) has no top level; its git directory stands in, which is where git
    /// commands run and what paths are quoted relative to. For commands that read history
    /// only: anything that needs a work tree opens with [`Git::open`].
    pub(crate) fn open_repository(dir: &Path) -> Result<Self, ChangesetError> {
        match Self::open(dir) {
            Err(ChangesetError::GitFailed { command, stderr }) => {
                let args = ["rev-parse", "--is-bare-repository", "--absolute-git-dir"];
                let out = command_in(dir, &args)?;
                let lines: Vec<&[u8]> = out.stdout.split(|&b| b == b'\n').collect();
                match lines.as_slice() {
                    [b"true", git_dir, b""] if out.status.success() => Ok(Self {
                        top: path_from_bytes(git_dir),
                    }),
                    _ => Err(ChangesetError::GitFailed { command, stderr }),
                }
            }
            opened => opened,
        }
    }

    pub(crate) fn top(&self) -> &Path {
        &self.top
    }

    fn run(&self, args: &[&str]) -> Result<Output, ChangesetError> {
        command(&self.top)
            .args(args)
            .output()
            .map_err(|e| spawn_error(e, &self.top))
    }

    /// Standard output of a command that must succeed.
    pub(crate) fn output(&self, args: &[&str]) -> Result<Vec<u8>, ChangesetError> {
        let out = self.run(args)?;
        if !out.status.success() {
            return Err(failed(args, &out.stderr));
        }
        Ok(out.stdout)
    }

    /// The commit `rev` names, as a full object id.
    pub(crate) fn commit(&self, rev: &str) -> Result<String, ChangesetError> {
        // A name starting with `-` would be read as an option; no ref can start with one.
        if rev.is_empty() || rev.starts_with('-') {
            return Err(ChangesetError::UnknownRevision(rev.to_string()));
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self.run(&["rev-parse", "--verify", "--quiet", &spec])?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || id.is_empty() {
            return Err(ChangesetError::UnknownRevision(rev.to_string()));
        }
        Ok(id)
    }

    /// The best common ancestor of two commits (what `git diff A...B` compares against).
    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, ChangesetError> {
        let args = ["merge-base", a, b];
        let out = self.run(&args)?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        match out.status.code() {
            Some(0) if !id.is_empty() => Ok(Some(id)),
            // Exit 1 with no output: the histories share no commit.
            Some(1) if out.stderr.is_empty() => Ok(None),
            _ => Err(failed(&args, &out.stderr)),
        }
    }

    /// The content of `path` as it is in commit `rev`; `None` when the commit has no such
    /// file. (`git show <rev>:<path>`, through the batch reader.)
    pub(crate) fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, ChangesetError> {
        let commit = self.commit(rev)?;
        let spec = format!("{commit}:{path}");
        Ok(self.blobs(&[&spec])?.pop().flatten())
    }

    /// Reads blobs by object id through one `git cat-file --batch`; `None` for a missing one.
    pub(crate) fn blobs(&self, ids: &[&str]) -> Result<Vec<Option<Vec<u8>>>, ChangesetError> {
        const ARGS: [&str; 2] = ["cat-file", "--batch"];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = command(&self.top)
            .args(ARGS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(e, &self.top))?;
        let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(failed(&ARGS, b"no pipes to git"));
        };
        // Requests go in from another thread: written inline, a long list would fill the
        // pipe back from git while nobody reads it, and both sides would wait forever.
        let requests: Vec<u8> = ids
            .iter()
            .flat_map(|id| [id.as_bytes(), b"\n"].concat())
            .collect();
        let writer = std::thread::spawn(move || {
            // An early exit of git shows up on the reading side with its stderr.
            let _ = stdin.write_all(&requests);
        });
        let read = read_batch(&mut BufReader::new(stdout), ids.len());
        let _ = writer.join();
        let mut err_text = Vec::new();
        let _ = stderr.read_to_end(&mut err_text);
        let status = child.wait().map_err(|e| spawn_error(e, &self.top))?;
        match read {
            Ok(blobs) if status.success() => Ok(blobs),
            Ok(_) => Err(failed(&ARGS, &err_text)),
            Err(why) => {
                let mut msg = err_text;
                if msg.is_empty() {
                    msg = why.into_bytes();
                }
                Err(failed(&ARGS, &msg))
            }
        }
    }
}

/// A git command that runs while its output is read (and, with `stdin`, while requests are
/// written to it): `git log` and `git cat-file --batch` over a whole history. Standard error
/// is collected on a thread of its own so that a chatty git cannot stall on a full pipe.
pub(crate) struct Streaming {
    child: std::process::Child,
    command: String,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

/// The pipe size asked for a streamed command's output (Linux's default limit for an
/// unprivileged process is 1 MiB).
#[cfg(target_os = "linux")]
const STREAM_PIPE_SIZE: usize = 1 << 20;

impl Git {
    /// Starts `git ARGS` with its standard output (and standard input when `stdin`) piped.
    /// Objects missing from a partial clone are not fetched: a scan never goes to the network.
    pub(crate) fn stream(&self, args: &[&str], stdin: bool) -> Result<Streaming, ChangesetError> {
        let mut cmd = command(&self.top);
        cmd.args(args)
            .env("GIT_NO_LAZY_FETCH", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if stdin {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().map_err(|e| spawn_error(e, &self.top))?;
        // A whole history is hundreds of MB through this pipe: at Linux's default 64 KiB
        // every few blobs cost a round of waking git and the reader, which on a busy
        // machine is most of the time. Best effort: the pipe works either way.
        #[cfg(target_os = "linux")]
        if let Some(out) = &child.stdout {
            let _ = rustix::pipe::fcntl_setpipe_size(out, STREAM_PIPE_SIZE);
        }
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut text = Vec::new();
                let _ = pipe.read_to_end(&mut text);
                text
            })
        });
        Ok(Streaming {
            child,
            command: format!("git {}", args.join(" ")),
            stderr,
        })
    }
}

impl Streaming {
    pub(crate) fn stdin(&mut self) -> Option<std::process::ChildStdin> {
        self.child.stdin.take()
    }

    pub(crate) fn stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Waits for git to exit; an error carries its standard error.
    pub(crate) fn finish(mut self) -> Result<(), ChangesetError> {
        let status = self.child.wait().map_err(|source| ChangesetError::Io {
            path: PathBuf::from("git"),
            source,
        })?;
        let stderr = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        if status.success() {
            Ok(())
        } else {
            Err(ChangesetError::GitFailed {
                command: self.command.clone(),
                stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
            })
        }
    }

    /// Stops git early (the scan failed elsewhere) and reaps it.
    pub(crate) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `count` answers of `git cat-file --batch`: `<id> <type> <size>\n<content>\n`, or
/// `<id> missing\n`.
fn read_batch(out: &mut impl BufRead, count: usize) -> Result<Vec<Option<Vec<u8>>>, String> {
    let mut blobs = Vec::with_capacity(count);
    let mut header = Vec::new();
    for _ in 0..count {
        header.clear();
        out.read_until(b'\n', &mut header)
            .map_err(|e| format!("reading from git: {e}"))?;
        let text = String::from_utf8_lossy(&header);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let size = match fields.as_slice() {
            [_, _, size] => size
                .parse::<usize>()
                .map_err(|_| "unexpected answer from git".to_string())?,
            [_, "missing" | "ambiguous"] => {
                blobs.push(None);
                continue;
            }
            _ => return Err("git stopped answering".into()),
        };
        let mut content = vec![0; size + 1];
        out.read_exact(&mut content)
            .map_err(|e| format!("reading from git: {e}"))?;
        content.pop(); // the newline after each object
        blobs.push(Some(content));
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_answers_parse_including_missing_and_empty() {
        let answers = b"aaa blob 5\nhello\nbbb missing\nccc blob 0\n\n";
        let got = read_batch(&mut &answers[..], 3).expect("parses");
        assert_eq!(got, [Some(b"hello".to_vec()), None, Some(Vec::new())]);
        assert!(read_batch(&mut &b"aaa blob 9\nshort\n"[..], 1).is_err());
        assert!(read_batch(&mut &b""[..], 1).is_err());
    }
}
