#!/usr/bin/env python3
"""Writes the complete workflows and pipelines the docs ask readers to copy, so the checks
can lint them like the repository's own.

Usage: doc-examples.py github|azure OUTDIR

A ```yaml block of a file in docs/ (or README.md) counts when it is a whole file: for
`github`, a mapping with top-level `on` and `jobs`; for `azure`, a mapping with top-level
`steps`, `jobs` or `stages` and no `on`. Fragments (a step, a list of steps) are left out.
Each is written as OUTDIR/<doc>-<n>.yml; the names are printed. Exits 1 when a block the
docs present as a file is not YAML at all.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)
# Top-level keys, read without a YAML library (YAML 1.1 loaders turn `on` into True).
TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):", re.M)


def kind(text: str) -> str | None:
    keys = set(TOP_KEY.findall(text))
    if {"on", "jobs"} <= keys:
        return "github"
    if keys & {"steps", "jobs", "stages"} and "on" not in keys:
        return "azure"
    return None


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("github", "azure"):
        print(__doc__, file=sys.stderr)
        return 2
    want, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    docs = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        for n, m in enumerate(BLOCK.finditer(text), 1):
            block = m.group(1)
            if block.startswith((" ", "-")) or kind(block) != want:
                continue
            dest = out / f"{doc.stem}-{n}.yml"
            dest.write_text(block, encoding="utf-8")
            print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
