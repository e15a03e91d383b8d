#!/usr/bin/env python3
"""Measures secretgate on the other scanners' own published examples.

    scripts/peer-examples.py extract [--mirrors DIR] [--out DIR]
    scripts/peer-examples.py score --bin target/release/secretgate [--out DIR] [--misses N]
                                   [--min-confidence {low,medium,high}]

`extract` reads the peers' rule files from git mirrors (the `fetch` tool's snapshots, default
/work/.mirror) and writes one JSONL file per peer to --out (default /work/peer-examples, outside
the repository: the example strings are the peers' text and are never committed):

- gitleaks: the literal `tps`/`fps` strings of cmd/generate/config/rules/*.go, and the
  `utils.GenerateSampleSecrets(id, secret)` samples, with the secret drawn at random from the
  regex the generator names (as gitleaks' own generator does) in four of its templates;
- Kingfisher: `examples` (and `negative_examples` where present) of data/rules/*.yml;
- Nosey Parker: `examples` and `negative_examples` of its built-in rules;
- Microsoft security-utilities: the literal `yield return "..."` strings of the SEC101 patterns'
  GenerateTruePositiveExamples / GenerateFalsePositiveExamples.

Rules a peer marks as identifiers or as generic (no provider format) are kept: they are what a
new user would try. `score` writes every example to its own file, scans them all in one run and
prints recall per peer and overall, and precision over positives and negatives. With
`--min-confidence medium` only findings at or above that confidence count: the gate fails on
medium and above by default, so that is recall at the gate; low findings only warn.
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regex_sample  # noqa: E402

PEERS = {
    "gitleaks": "gitleaks+gitleaks/repo",
    "kingfisher": "mongodb+kingfisher/repo",
    "noseyparker": "praetorian-inc+noseyparker/repo",
    "security-utilities": "microsoft+security-utilities/repo",
}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def files(repo, prefix, suffix):
    return [p for p in git(repo, "ls-tree", "-r", "--name-only", "HEAD", prefix).splitlines()
            if p.endswith(suffix)]


def show(repo, path):
    return git(repo, "show", f"HEAD:{path}")


def sample(pattern, rng):
    """gitleaks' generator draws bounded repeats near their minimum: so does this."""
    return regex_sample.sample(pattern, rng, bounded_extra=8)


# ---- gitleaks ----

GO_HELPERS = {
    "Numeric": "[0-9]{%s}", "Hex": "[a-f0-9]{%s}", "AlphaNumeric": "[a-z0-9]{%s}",
    "AlphaNumericExtendedShort": "[a-z0-9_-]{%s}", "AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
    "AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}",
}
TEMPLATES = ['{i}Token = "{s}"', '{{\n    "{i}_token": "{s}"\n}}', "{i}_token: {s}",
             "{i}Token := `{s}`"]
GO_STRING = r'"(?:[^"\\\n]|\\.)*"|`[^`]*`'


def go_string(lit):
    if lit.startswith("`"):
        return lit[1:-1]
    try:
        return json.loads(lit)
    except Exception:
        return None


def go_expr(expr, rng, as_regex=False):
    """Evaluates a concatenation of Go string literals, utils.X("n") helpers and
    secrets.NewSecret(...) calls. None when it holds anything else."""
    parts, i, expr = [], 0, expr.strip()
    while i < len(expr):
        rest = expr[i:]
        m = re.match(r"\s*\+?\s*", rest)
        i += m.end()
        rest = expr[i:]
        if not rest:
            break
        m = re.match(GO_STRING, rest)
        if m:
            parts.append(go_string(m.group(0)))
            i += m.end()
            continue
        m = re.match(r'utils\.(\w+)\("(\d+)"\)', rest)
        if m and m.group(1) in GO_HELPERS:
            regex = GO_HELPERS[m.group(1)] % m.group(2)
            parts.append(regex if as_regex else sample(regex, rng))
            i += m.end()
            continue
        m = re.match(r"utils\.Hex8_4_4_4_12\(\)", rest)
        if m:
            regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
            parts.append(regex if as_regex else sample(regex, rng))
            i += m.end()
            continue
        m = re.match(r"secrets\.NewSecret\(", rest)
        if m:
            depth, j = 1, m.end()
            while j < len(rest) and depth:
                depth += {"(": 1, ")": -1}.get(rest[j], 0)
                j += 1
            inner = go_expr(rest[m.end():j - 1], rng, as_regex=True)
            parts.append(sample(inner, rng) if inner is not None else None)
            i += j
            continue
        return None
    if any(p is None for p in parts):
        return None
    return "".join(parts)


def call_args(text, start):
    """The argument text of the call whose '(' is at text[start-1]."""
    depth, j = 1, start
    while j < len(text) and depth:
        c = text[j]
        if c in "\"`":
            m = re.match(GO_STRING, text[j:])
            j += m.end() if m else 1
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        j += 1
    return text[start:j - 1]


def split_top(args):
    out, depth, cur, j = [], 0, "", 0
    while j < len(args):
        c = args[j]
        if c in "\"`":
            m = re.match(GO_STRING, args[j:])
            if m:
                cur += m.group(0)
                j += m.end()
                continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
        j += 1
    out.append(cur)
    return out


def gitleaks(repo, rng):
    for path in files(repo, "cmd/generate/config/rules", ".go"):
        text = show(repo, path)
        rule = os.path.basename(path)[:-3]
        for m in re.finditer(r"\b(tps|fps)\s*:?=\s*(?:append\(\w+,\s*)?\[\]string\{", text):
            body = call_args(text.replace("{", "(").replace("}", ")"), m.end())
            label = "pos" if m.group(1) == "tps" else "neg"
            for item in split_top(body):
                item = item.strip()
                if re.fullmatch(r"(?:%s)(?:\s*\+\s*(?:%s))*" % (GO_STRING, GO_STRING), item, re.S):
                    s = go_expr(item, rng)
                    if s:
                        yield rule, label, s
        for m in re.finditer(r"utils\.GenerateSampleSecrets\(", text):
            args = split_top(call_args(text, m.end()))
            if len(args) != 2:
                continue
            ident = go_expr(args[0], rng)
            if not ident:
                continue
            for t in TEMPLATES:
                secret = go_expr(args[1], rng)
                if secret:
                    yield rule, "pos", t.format(i=ident, s=secret)


def yaml_rules(repo, prefix):
    import yaml
    for path in files(repo, prefix, ".yml"):
        try:
            doc = yaml.safe_load(show(repo, path)) or {}
        except Exception:
            continue
        for rule in doc.get("rules", []) or []:
            rid = rule.get("id", path)
            for e in rule.get("examples") or []:
                yield rid, "pos", e
            for e in rule.get("negative_examples") or []:
                yield rid, "neg", e


CS_RANDOM = {"RandomBase62": "[A-Za-z0-9]{%s}", "RandomBase64": "[A-Za-z0-9+/]{%s}",
             "RandomHexadecimal": "[a-f0-9]{%s}", "RandomLowercase": "[a-z]{%s}"}


def cs_string(lit, rng):
    """A C# literal, `$"..."` interpolations of WellKnownRegexPatterns.RandomX(n) drawn at
    random; None for any other interpolation."""
    interpolated = lit.startswith("$") or lit.startswith("@$")
    body = go_string(lit.lstrip("@$"))
    if body is None or not interpolated:
        return body
    def fill(m):
        h = re.fullmatch(r"WellKnownRegexPatterns\.(\w+)\((\d+)\)", m.group(1))
        if not h or h.group(1) not in CS_RANDOM:
            raise ValueError
        return sample(CS_RANDOM[h.group(1)] % h.group(2), rng)
    try:
        return re.sub(r"\{([^{}]*)\}", fill, body)
    except ValueError:
        return None


def security_utilities(repo, rng):
    for path in files(repo, "src/Microsoft.Security.Utilities.Core", ".cs"):
        if not os.path.basename(path).startswith("SEC101"):
            continue
        text = show(repo, path)
        rule = os.path.basename(path)[:-3]
        for m in re.finditer(r"Generate(True|False)PositiveExamples\(\)\s*\{", text):
            body = call_args(text.replace("{", "(").replace("}", ")"), m.end())
            body = text[m.end():m.end() + len(body)]
            label = "pos" if m.group(1) == "True" else "neg"
            for lit in re.findall(r'yield return\s+((?:@?\$|\$@|@)?"(?:[^"\\\n]|\\.)*")\s*;', body):
                s = cs_string(lit, rng)
                if s and len(s) >= 8:
                    yield rule, label, s


def extract(args):
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(15)
    for peer, rel in PEERS.items():
        repo = os.path.join(args.mirrors, rel)
        if not os.path.isdir(repo):
            print(f"{peer}: no mirror at {repo}, skipped", file=sys.stderr)
            continue
        if peer == "gitleaks":
            rows = gitleaks(repo, rng)
        elif peer == "kingfisher":
            rows = yaml_rules(repo, "data/rules")
        elif peer == "noseyparker":
            rows = yaml_rules(repo, "crates/noseyparker/data/default/builtin/rules")
        else:
            rows = security_utilities(repo, rng)
        seen, n = set(), {"pos": 0, "neg": 0}
        with open(os.path.join(args.out, f"{peer}.jsonl"), "w") as f:
            for rule, label, text in rows:
                if not isinstance(text, str) or (label, text) in seen:
                    continue
                seen.add((label, text))
                n[label] += 1
                f.write(json.dumps({"peer": peer, "rule": rule, "label": label, "text": text}) + "\n")
        print(f"{peer}: {n['pos']} positives, {n['neg']} negatives")


def score(args):
    rows = []
    for peer in PEERS:
        p = os.path.join(args.out, f"{peer}.jsonl")
        if os.path.exists(p):
            rows += [json.loads(l) for l in open(p)]
    work = tempfile.mkdtemp(prefix="peer-examples-")
    try:
        for i, r in enumerate(rows):
            with open(os.path.join(work, f"{i:05}.txt"), "w") as f:
                f.write(r["text"] + "\n")
        out = subprocess.run([args.bin, "scan", work, "--format", "json", "--fail-on", "never"],
                             capture_output=True, text=True)
        report = json.loads(out.stdout)
    finally:
        shutil.rmtree(work)
    rank = {"low": 0, "medium": 1, "high": 2}
    hits = {}
    for f in report["findings"]:
        if rank[f.get("confidence", "high")] < rank[args.min_confidence]:
            continue
        i = int(os.path.basename(f["path"] if "path" in f else f["file"])[:5])
        hits.setdefault(i, []).append(f.get("rule_id") or f.get("rule"))
    tp = fp = 0
    print(f"{'peer':20} {'recall':>7} {'pos':>6} {'neg':>5} {'neg hit':>7}")
    for peer in PEERS:
        pos = [i for i, r in enumerate(rows) if r["peer"] == peer and r["label"] == "pos"]
        neg = [i for i, r in enumerate(rows) if r["peer"] == peer and r["label"] == "neg"]
        if not pos:
            continue
        found = sum(1 for i in pos if i in hits)
        neg_hit = sum(1 for i in neg if i in hits)
        tp += found
        fp += neg_hit
        print(f"{peer:20} {found / len(pos):7.3f} {len(pos):6} {len(neg):5} {neg_hit:7}")
    npos = sum(1 for r in rows if r["label"] == "pos")
    print(f"{'all':20} {tp / npos:7.3f} {npos:6}  precision {tp / max(1, tp + fp):.3f}")
    if args.misses:
        missed = [r for i, r in enumerate(rows) if r["label"] == "pos" and i not in hits]
        by_rule = {}
        for r in missed:
            by_rule.setdefault((r["peer"], r["rule"]), []).append(r["text"])
        for (peer, rule), texts in sorted(by_rule.items(), key=lambda kv: -len(kv[1]))[:args.misses]:
            print(f"MISS {peer} {rule} x{len(texts)}: {texts[0][:100]!r}")
        for i, r in enumerate(rows):
            if r["label"] == "neg" and i in hits:
                print(f"FP {r['peer']} {r['rule']} {hits[i]}: {r['text'][:100]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["extract", "score"])
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--out", default="/work/peer-examples")
    ap.add_argument("--bin", default="target/release/secretgate")
    ap.add_argument("--misses", type=int, default=0, help="list this many rules with misses")
    ap.add_argument("--min-confidence", choices=["low", "medium", "high"], default="low",
                    help="count only findings of this confidence or higher (default: all)")
    args = ap.parse_args()
    extract(args) if args.command == "extract" else score(args)


if __name__ == "__main__":
    main()
