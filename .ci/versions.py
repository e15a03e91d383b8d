#!/usr/bin/env python3
"""Checks that every place naming secretgate's version agrees with Cargo.toml.

Cargo.toml's `version` is the source of truth. The Azure task (task.json, package.json), the
extension (vss-extension.json), the pre-commit shim (pyproject.toml and its pinned
secretgate-cli), Cargo.lock, and the docs' install snippets (pre-commit `rev`, `uses: ...@vN`,
`task: secretgate@N`) must follow it. The release pinned in the action (action/version.txt)
may lag behind (it moves when a release is published, see RELEASING.md), but never ahead,
and action/checksums.txt must list exactly the release assets for it.

Run from the repository root (or anywhere: it finds the root itself). Exits 1 listing every
disagreement. `--self-test` also checks that a wrong version in a copy is caught.
"""

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The release assets install.sh may download, one per supported runner platform.
RELEASE_ASSETS = [
    "secretgate-x86_64-unknown-linux-musl",
    "secretgate-aarch64-unknown-linux-musl",
    "secretgate-x86_64-apple-darwin",
    "secretgate-aarch64-apple-darwin",
    "secretgate-x86_64-pc-windows-msvc.exe",
    "secretgate-aarch64-pc-windows-msvc.exe",
]


def toml_value(text: str, section: str, key: str) -> str | None:
    """The string value of `key` in `[section]` (a flat reader: enough for these files)."""
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
        elif current == section:
            m = re.match(rf'{re.escape(key)}\s*=\s*"([^"]*)"', stripped)
            if m:
                return m.group(1)
    return None


def semver(v: str) -> tuple:
    core = v.split("-")[0].split("+")[0]
    return tuple(int(p) for p in core.split("."))


def check(root: Path) -> list[str]:
    problems: list[str] = []

    def read(rel: str) -> str:
        return (root / rel).read_text(encoding="utf-8")

    version = toml_value(read("Cargo.toml"), "package", "version")
    if not version or not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", version):
        return [f"Cargo.toml: no valid [package] version ({version!r})"]
    major = version.split(".")[0]

    def expect(where: str, found, wanted=version):
        if found != wanted:
            problems.append(f"{where}: {found!r}, expected {wanted!r} (Cargo.toml {version})")

    task = json.loads(read("azure-task/task.json"))
    v = task.get("version", {})
    expect("azure-task/task.json version", f"{v.get('Major')}.{v.get('Minor')}.{v.get('Patch')}")
    expect("azure-task/package.json version", json.loads(read("azure-task/package.json")).get("version"))
    expect("vss-extension.json version", json.loads(read("vss-extension.json")).get("version"))

    shim = read("pyproject.toml")
    expect("pyproject.toml [project] version", toml_value(shim, "project", "version"))
    pins = re.findall(r'"secretgate-cli==([^"]+)"', shim)
    expect("pyproject.toml dependency secretgate-cli==", pins[0] if len(pins) == 1 else pins)
    wheel = read("python/pyproject.toml")
    if toml_value(wheel, "project", "version") is not None or not re.search(r'dynamic\s*=\s*\[\s*"version"\s*\]', wheel):
        problems.append('python/pyproject.toml: the version must be dynamic = ["version"] (maturin reads Cargo.toml)')

    lock = re.search(r'\[\[package\]\]\nname = "secretgate"\nversion = "([^"]+)"', read("Cargo.lock"))
    expect("Cargo.lock secretgate version", lock.group(1) if lock else None)

    # Install snippets in the docs.
    for doc in ["README.md", "docs/github.md", "docs/azure-devops.md", "docs/scheduled.md",
                "azure-extension/overview.md"]:
        if not (root / doc).is_file():
            continue
        text = read(doc)
        for m in re.finditer(r"rev:\s*v(\S+)", text):
            expect(f"{doc} pre-commit rev", m.group(1))
        for m in re.finditer(r"uses:\s*secretgate/secretgate@(v[^\s#]+)", text):
            ref = m.group(1)
            if ref != f"v{major}" and ref != f"v{version}":
                problems.append(f"{doc}: uses secretgate/secretgate@{ref}, expected @v{major} or @v{version}")
        for m in re.finditer(r"task:\s*secretgate@(\d+)", text):
            expect(f"{doc} task: secretgate@", m.group(1), major)

    # The release the action pins: never ahead of the source, with one hash per asset.
    version_file = root / "action/version.txt"
    pinned = version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else ""
    listed = {}
    for line in read("action/checksums.txt").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            parts = line.split()
            if len(parts) != 2 or not re.fullmatch(r"[0-9a-f]{64}", parts[0]):
                problems.append(f"action/checksums.txt: not a `sha256  name` line: {line!r}")
                continue
            listed[parts[1].lstrip("*")] = parts[0]
    if pinned:
        if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", pinned):
            problems.append(f"action/version.txt: {pinned!r} is not a version")
        elif semver(pinned) > semver(version):
            problems.append(f"action/version.txt pins {pinned}, ahead of Cargo.toml {version}")
        if sorted(listed) != sorted(RELEASE_ASSETS):
            problems.append(f"action/checksums.txt lists {sorted(listed)}, expected {sorted(RELEASE_ASSETS)}")
    elif listed:
        problems.append("action/checksums.txt lists hashes but action/version.txt names no release")
    return problems


def self_test() -> None:
    """A copy with one wrong version must fail, naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        for rel in ["Cargo.toml", "Cargo.lock", "azure-task/task.json", "azure-task/package.json",
                    "vss-extension.json", "pyproject.toml", "python/pyproject.toml", "README.md",
                    "docs/github.md", "docs/azure-devops.md", "action/checksums.txt"]:
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, copy / rel)
        assert check(copy) == [], check(copy)
        vss = json.loads((copy / "vss-extension.json").read_text())
        vss["version"] = "9.9.9"
        (copy / "vss-extension.json").write_text(json.dumps(vss))
        (copy / "action/version.txt").write_text("99.0.0\n")
        found = check(copy)
        assert any(p.startswith("vss-extension.json version") for p in found), found
        assert any("ahead of Cargo.toml" in p for p in found), found
        assert any("action/checksums.txt lists" in p for p in found), found


def main() -> int:
    if "--self-test" in sys.argv:
        self_test()
        print("versions: self-test ok")
    problems = check(ROOT)
    for p in problems:
        print(f"versions: {p}", file=sys.stderr)
    if problems:
        return 1
    print("versions: all agree with Cargo.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
