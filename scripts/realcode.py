#!/usr/bin/env python3
"""Real-code regression set: run scanners on fetched public trees, score them against hand labels.

The trees themselves are never in the repository (realcode/trees.tsv says which repo and commit each
is); the labels (realcode/labels.tsv) and the peers' normalised findings (realcode/peer-findings.tsv)
are. Nothing here stores or prints a secret value: findings are reduced to (tree, path, line, scanner,
rule) and labels keep a short hash of the line, never its text.

Commands (see realcode/README.md):
  score  --secretgate BIN [--name NAME]   scan every tree with BIN, then print the table
  peers  --kingfisher BIN --gitleaks BIN  rerun the peers and rewrite realcode/peer-findings.tsv
  todo   [--secretgate BIN]               list flagged lines that have no label yet (no text)
  extract --git-dir DIR TREE              lay out a tree at its pinned commit
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "realcode"
TREES_TSV = DATA / "trees.tsv"
LABELS_TSV = DATA / "labels.tsv"
PEERS_TSV = DATA / "peer-findings.tsv"
DEFAULT_TREES = os.environ.get("REALCODE_TREES", "/work/trees")
HASH_CHARS = 12
MB = 1_000_000  # tree sizes and "per 100 MB" use decimal megabytes

FINDING_FIELDS = ["tree", "path", "line", "scanner", "rule"]
LABEL_FIELDS = ["tree", "path", "line", "hash", "label", "kind"]
LABELS = {"credential", "noise"}


# ---------------------------------------------------------------- data files


def read_tsv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if not r[next(iter(r))].startswith("#")]


def write_tsv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, delimiter="\t", lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def trees() -> list[dict]:
    return read_tsv(TREES_TSV)


def line_hash(root: Path, tree: str, path: str, line: int) -> str | None:
    """sha256 prefix of the line's trimmed text (line 0: of the whole file, for findings on a file such
    as a PKCS#12 bundle); None when the file or line is not there."""
    try:
        data = (root / tree / path).read_bytes()
    except OSError:
        return None
    if line == 0:
        return hashlib.sha256(data).hexdigest()[:HASH_CHARS]
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        return None
    return hashlib.sha256(lines[line - 1].strip()).hexdigest()[:HASH_CHARS]


_BINARY: dict[Path, bool] = {}


def is_binary(path: Path) -> bool:
    """A NUL in the first 8 KiB, as git and most scanners decide."""
    if path not in _BINARY:
        try:
            with path.open("rb") as f:
                _BINARY[path] = b"\0" in f.read(8192)
        except OSError:
            _BINARY[path] = False
    return _BINARY[path]


def on_file_level(root: Path, rows: list[dict]) -> list[dict]:
    """A finding in a binary file (a PKCS#12 bundle) is a finding on the file: line 0, whatever
    line the scanner gave (gitleaks says 0, secretgate 1), so scanners compare on one key."""
    for r in rows:
        if int(r["line"]) != 0 and is_binary(root / r["tree"] / r["path"]):
            r["line"] = 0
    return rows


def tree_bytes(root: Path) -> int:
    """Bytes of every regular file under the tree (symlinks not followed): what a scanner is handed."""
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


# ---------------------------------------------------------------- scanners


def rel(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


CONFIDENCE = ["low", "medium", "high"]


def run_secretgate(binary: str, tree_dir: Path, threads: int, min_confidence: str = "low") -> list[tuple[str, int, str]]:
    cmd = [binary, "scan", ".", "--format", "json", "--fail-on", "never"]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, cwd=tree_dir, capture_output=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"secretgate failed on {tree_dir} (exit {out.returncode}): {out.stderr.decode()[-500:]}")
    doc = json.loads(out.stdout)
    floor = CONFIDENCE.index(min_confidence)
    return [(rel(f["path"]), int(f["line"]), f["rule_id"]) for f in doc["findings"]
            if CONFIDENCE.index(f.get("confidence", "high")) >= floor]


def run_kingfisher(binary: str, tree_dir: Path, threads: int) -> list[tuple[str, int, str]]:
    # --no-dedup: every occurrence, so lines compare with the other scanners line for line.
    # --redact: the report we parse never holds a value.
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "kf.json"
        cmd = [binary, "scan", ".", "--no-validate", "--no-dedup", "--redact", "-f", "json", "-o", str(report)]
        if threads:
            cmd += ["-j", str(threads)]
        subprocess.run(cmd, cwd=tree_dir, capture_output=True, check=False)
        doc = json.loads(report.read_text())
    found = []
    for f in doc["findings"]:
        fin = f["finding"]
        found.append((rel(fin["path"]), int(fin["line"]), f["rule"]["id"]))
    return found


def run_gitleaks(binary: str, tree_dir: Path, threads: int) -> list[tuple[str, int, str]]:
    """gitleaks findings; a multi-line match (a Kubernetes Secret from `kind: Secret` on) is put on the
    line that holds the secret, so each scanner is judged on the same line. The unredacted report
    lives only in a temporary folder and in memory; nothing of a value is kept."""
    del threads  # gitleaks picks its own
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "gl.json"
        cmd = [binary, "dir", ".", "-f", "json", "-r", str(report), "--no-banner", "--exit-code", "0", "-l", "error"]
        subprocess.run(cmd, cwd=tree_dir, capture_output=True, check=False)
        doc = json.loads(report.read_text())
    found = []
    for f in doc:
        path, line = rel(f["File"]), int(f["StartLine"])
        end = int(f.get("EndLine") or line)
        first = (f.get("Secret") or "").split("\n")[0].strip()
        if end > line and first:
            try:
                lines = (tree_dir / path).read_text(encoding="utf-8", errors="replace").split("\n")
            except OSError:
                lines = []
            for n in range(line, min(end, len(lines)) + 1):
                if first in lines[n - 1]:
                    line = n
                    break
            else:
                line = end  # a decoded secret is not in the text; the match ends on its line
        found.append((path, line, f["RuleID"]))
    return found


# ---------------------------------------------------------------- scoring


def load_labels() -> dict[tuple[str, str, int], dict]:
    labels = {}
    for r in read_tsv(LABELS_TSV):
        where = f"{r['tree']}/{r['path']}:{r['line']}"
        if r["label"] not in LABELS:
            raise SystemExit(f"labels.tsv: bad label {r['label']!r} at {where}")
        if not r["kind"] or len(r["hash"]) != HASH_CHARS:
            raise SystemExit(f"labels.tsv: a label needs a kind and a {HASH_CHARS}-digit hash, at {where}")
        key = (r["tree"], r["path"], int(r["line"]))
        if key in labels:
            raise SystemExit(f"labels.tsv: {where} is labelled twice")
        labels[key] = r
    return labels


def scan_all(binary: str, name: str, root: Path, names: list[str], threads: int,
             min_confidence: str = "low") -> list[dict]:
    rows = []
    for t in names:
        for path, line, rule in run_secretgate(binary, root / t, threads, min_confidence):
            rows.append({"tree": t, "path": path, "line": line, "scanner": name, "rule": rule})
        print(f"  scanned {t} with {name}", file=sys.stderr)
    return on_file_level(root, rows)


def present_trees(root: Path) -> tuple[list[str], list[str]]:
    names = [t["tree"] for t in trees()]
    return [t for t in names if (root / t).is_dir()], [t for t in names if not (root / t).is_dir()]


def score(findings: list[dict], root: Path, names: list[str], scanners: list[str], out=sys.stdout,
          check_hashes: bool = True, detail: list[str] | None = None) -> int:
    """Print the table; return the number of flagged lines without a label."""
    labels = load_labels()
    sizes = {t: tree_bytes(root / t) for t in names}
    flagged: dict[tuple[str, str], set] = defaultdict(set)  # (scanner, tree) -> {(path, line)}
    rules_on: dict[tuple, set] = defaultdict(set)
    for f in findings:
        key = (f["path"], int(f["line"]))
        flagged[(f["scanner"], f["tree"])].add(key)
        rules_on[(f["tree"],) + key].add((f["scanner"], f["rule"]))

    unlabelled = sorted({(f["tree"], f["path"], int(f["line"])) for f in findings} - set(labels))
    stale = []
    if check_hashes:
        for (t, p, n), lab in labels.items():
            if t in names and line_hash(root, t, p, n) != lab["hash"]:
                stale.append((t, p, n))

    creds = defaultdict(set)
    for (t, p, n), lab in labels.items():
        if lab["label"] == "credential":
            creds[t].add((p, n))

    header = ["tree", "MB", "scanner", "flagged", "noise", "noise/100MB", "cred", "recall", "unlabelled"]
    rows = []
    totals = defaultdict(lambda: [0, 0, 0, 0])  # scanner -> flagged, noise, cred, unlabelled
    total_bytes = sum(sizes.values())
    total_creds = sum(len(creds[t]) for t in names)
    for t in names:
        for s in scanners:
            lines = flagged.get((s, t), set())
            noise = sum(1 for k in lines if labels.get((t,) + k, {}).get("label") == "noise")
            cred = sum(1 for k in lines if labels.get((t,) + k, {}).get("label") == "credential")
            unl = sum(1 for k in lines if (t,) + k not in labels)
            mb = sizes[t] / MB
            recall = f"{cred / len(creds[t]):.2f}" if creds[t] else "-"
            rows.append([t, f"{mb:.1f}", s, len(lines), noise, f"{noise / mb * 100:.1f}", cred, recall, unl])
            for i, v in enumerate((len(lines), noise, cred, unl)):
                totals[s][i] += v
    for s in scanners:
        fl, noise, cred, unl = totals[s]
        mb = total_bytes / MB
        recall = f"{cred / total_creds:.2f}" if total_creds else "-"
        rows.append(["TOTAL", f"{mb:.1f}", s, fl, noise, f"{noise / mb * 100:.1f}", cred, recall, unl])

    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w if i < 3 else "{:>%d}" % w for i, w in enumerate(widths))
    print(fmt.format(*header), file=out)
    last = None
    for r in rows:
        if last is not None and r[0] != last:
            print("", file=out)
        last = r[0]
        print(fmt.format(*map(str, r)), file=out)
    print(f"\ncredential lines in the labelled union: {total_creds}; tree bytes: {total_bytes}", file=out)
    for s in detail or []:
        print_detail(s, findings, labels, out)
    if unlabelled:
        print(f"\nUNLABELLED: {len(unlabelled)} flagged lines have no label; the figures above are not final "
              f"until they are labelled (`scripts/realcode.py todo`). First ones:", file=out)
        for t, p, n in unlabelled[:20]:
            rs = ",".join(sorted(f"{s}:{r}" for s, r in rules_on[(t, p, n)]))
            print(f"  {t}/{p}:{n}  {rs}", file=out)
    if stale:
        print(f"\nSTALE: {len(stale)} labelled lines no longer match their hash (tree changed?):", file=out)
        for t, p, n in stale[:20]:
            print(f"  {t}/{p}:{n}", file=out)
    return len(unlabelled)


def print_detail(scanner: str, findings: list[dict], labels: dict, out) -> None:
    """Noise lines and missed credential lines of one scanner, by rule and kind, with locations."""
    noise = defaultdict(lambda: defaultdict(set))  # rule -> kind -> {line}
    hit = set()
    for f in findings:
        if f["scanner"] != scanner:
            continue
        key = (f["tree"], f["path"], int(f["line"]))
        hit.add(key)
        lab = labels.get(key)
        if lab and lab["label"] == "noise":
            noise[f["rule"]][lab["kind"]].add(key)
    print(f"\n{scanner}: noise lines by rule and kind", file=out)
    for rule, kinds in sorted(noise.items(), key=lambda x: -sum(len(v) for v in x[1].values())):
        print(f"  {rule}: {sum(len(v) for v in kinds.values())}", file=out)
        for kind, keys in sorted(kinds.items(), key=lambda x: -len(x[1])):
            t, p, n = sorted(keys)[0]
            print(f"    {kind}: {len(keys)}   e.g. {t}/{p}:{n}", file=out)
    missed = defaultdict(list)
    for key, lab in labels.items():
        if lab["label"] == "credential" and key not in hit and any(key[0] == f["tree"] for f in findings):
            missed[lab["kind"]].append(key)
    print(f"{scanner}: credential lines of the labelled union not found, by kind", file=out)
    for kind, keys in sorted(missed.items(), key=lambda x: -len(x[1])):
        t, p, n = sorted(keys)[0]
        print(f"    {kind}: {len(keys)}   e.g. {t}/{p}:{n}", file=out)


# ---------------------------------------------------------------- commands


def cmd_score(args) -> int:
    root = Path(args.trees)
    names, missing = present_trees(root)
    if not names:
        print(f"realcode: no trees under {root} (see realcode/README.md to fetch them); nothing scored.")
        return 0
    if missing:
        print(f"realcode: trees missing under {root}, left out: {', '.join(missing)}", file=sys.stderr)
    findings = []
    scanners = []
    for spec in args.secretgate:
        name, _, binary = spec.rpartition("=")
        name = name or "secretgate"
        findings += scan_all(binary, name, root, names, args.threads, args.min_confidence)
        scanners.append(name)
    if args.findings_out:
        write_tsv(Path(args.findings_out), FINDING_FIELDS, findings)
    if not args.no_peers:
        peers = on_file_level(root, [r for r in read_tsv(PEERS_TSV) if r["tree"] in names])
        findings += peers
        scanners += sorted({r["scanner"] for r in peers})
    unl = score(findings, root, names, scanners, detail=args.detail)
    return 1 if (unl and args.strict) else 0


def cmd_peers(args) -> int:
    root = Path(args.trees)
    names, missing = present_trees(root)
    if missing:
        raise SystemExit(f"peers: all trees must be present to rewrite {PEERS_TSV.name}; missing: {missing}")
    rows = []
    for t in names:
        for scanner, runner, binary in (("kingfisher", run_kingfisher, args.kingfisher),
                                        ("gitleaks", run_gitleaks, args.gitleaks)):
            if not binary:
                continue
            hits = sorted(set(runner(binary, root / t, args.threads)))
            rows += on_file_level(root, [{"tree": t, "path": p, "line": n, "scanner": scanner, "rule": r}
                                         for p, n, r in hits])
            print(f"  {scanner} on {t}: {len(hits)} findings", file=sys.stderr)
    keep = [r for r in read_tsv(PEERS_TSV)
            if not ((r["scanner"] == "kingfisher" and args.kingfisher) or (r["scanner"] == "gitleaks" and args.gitleaks))]
    rows = sorted(keep + rows, key=lambda r: (r["tree"], r["path"], int(r["line"]), r["scanner"], r["rule"]))
    write_tsv(PEERS_TSV, FINDING_FIELDS, rows)
    return 0


def cmd_extract(args) -> int:
    """Lay out one tree at its pinned commit from a bare git dir (as the search tool's fetch brings),
    skipping blobs the snapshot lacks (files of 4 MiB and more) and the tree's left-out prefixes."""
    row = next((t for t in trees() if t["tree"] == args.tree), None)
    if row is None:
        raise SystemExit(f"extract: {args.tree} is not in {TREES_TSV}")
    dest = Path(args.trees) / args.tree
    if dest.exists():
        raise SystemExit(f"extract: {dest} exists; remove it first")
    left_out = [p for p in row["left_out"].split(",") if p and p != "-"]
    git = ["git", "--git-dir", args.git_dir]
    listing = subprocess.run(git + ["ls-tree", "-r", "-z", row["commit"]], capture_output=True, check=True).stdout
    entries = []
    for rec in listing.split(b"\0"):
        if not rec:
            continue
        meta, raw_path = rec.split(b"\t", 1)
        mode, kind, sha = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and mode != b"120000" and not any(path.startswith(p) for p in left_out):
            entries.append((sha, path))
    batch = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin and batch.stdout

    def feed() -> None:  # from another thread, so neither pipe fills while the other waits
        assert batch.stdin
        for sha, _ in entries:
            batch.stdin.write(sha + b"\n")
        batch.stdin.close()

    threading.Thread(target=feed, daemon=True).start()
    missing = 0
    for _sha, path in entries:
        header = batch.stdout.readline().split()
        if header[1] == b"missing":
            missing += 1
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    batch.wait()
    print(f"{dest}: {len(entries) - missing} files, {missing} absent from the snapshot")
    return 0


def cmd_todo(args) -> int:
    """Flagged lines without a label, with the line's text, for the person labelling (terminal only)."""
    root = Path(args.trees)
    names, _ = present_trees(root)
    findings = on_file_level(root, [r for r in read_tsv(PEERS_TSV) if r["tree"] in names])
    for spec in args.secretgate or []:
        name, _, binary = spec.rpartition("=")
        findings += scan_all(binary, name or "secretgate", root, names, args.threads)
    for extra in args.findings or []:
        findings += on_file_level(root, read_tsv(Path(extra)))
    labels = load_labels()
    by_line = defaultdict(set)
    for f in findings:
        by_line[(f["tree"], f["path"], int(f["line"]))].add(f"{f['scanner']}:{f['rule']}")
    todo = sorted(k for k in by_line if k not in labels)
    rows = []
    for t, p, n in todo:
        h = line_hash(root, t, p, n) or "missing"
        rows.append({"tree": t, "path": p, "line": n, "hash": h, "rules": " ".join(sorted(by_line[(t, p, n)]))})
    out = Path(args.out)
    write_tsv(out, ["tree", "path", "line", "hash", "rules"], rows)
    print(f"{len(rows)} unlabelled flagged lines written to {out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trees", default=DEFAULT_TREES, help="folder holding the trees (env REALCODE_TREES)")
    ap.add_argument("--threads", type=int, default=1, help="scanner threads (default 1: a shared machine)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score", help="scan with secretgate binaries and print the table")
    s.add_argument("--secretgate", action="append", required=True, metavar="[NAME=]BIN",
                   help="a secretgate binary; repeat to compare builds side by side")
    s.add_argument("--no-peers", action="store_true", help="leave out the recorded peer findings")
    s.add_argument("--min-confidence", choices=CONFIDENCE, default="low",
                   help="count only secretgate findings of this confidence or higher (default: all)")
    s.add_argument("--findings-out", help="also write secretgate's normalised findings here (TSV)")
    s.add_argument("--strict", action="store_true", help="exit 1 when a flagged line has no label")
    s.add_argument("--detail", action="append", metavar="SCANNER",
                   help="also list that scanner's noise and missed credential lines by rule and kind")
    p = sub.add_parser("peers", help="rerun Kingfisher and gitleaks and rewrite realcode/peer-findings.tsv")
    p.add_argument("--kingfisher")
    p.add_argument("--gitleaks")
    t = sub.add_parser("todo", help="write unlabelled flagged lines (no text) to a TSV")
    t.add_argument("--secretgate", action="append", metavar="[NAME=]BIN")
    t.add_argument("--findings", action="append", help="extra normalised findings TSV files")
    t.add_argument("--out", default="/tmp/realcode-todo.tsv")
    e = sub.add_parser("extract", help="lay out a tree at its pinned commit from a bare git dir")
    e.add_argument("--git-dir", required=True)
    e.add_argument("tree")
    args = ap.parse_args()
    return {"score": cmd_score, "peers": cmd_peers, "todo": cmd_todo, "extract": cmd_extract}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
