"""Checks of the real-code scorer on a tree made here: counts, hashes, file-level findings.

Run: python3 -m unittest realcode/test_realcode.py   (from the repository root; no trees needed)
"""

import hashlib
import importlib.util
import io
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ beside the script in the repository
SPEC = importlib.util.spec_from_file_location(
    "realcode", Path(__file__).resolve().parent.parent / "scripts" / "realcode.py")
realcode = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(realcode)


def h(text: bytes) -> str:
    return hashlib.sha256(text.strip()).hexdigest()[:12]


class ScoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.root = root / "trees"
        tree = self.root / "t"
        tree.mkdir(parents=True)
        # 1,000,000 bytes in all, so noise per 100 MB is 100 x the noise lines
        config = b"password: generated\nsecretName: a-name\n  key: other\n"
        (tree / "a.yaml").write_bytes(config)
        (tree / "b.pfx").write_bytes(b"\x30\x82\x00" + b"\x00" * 97)
        (tree / "pad").write_bytes(b"x" * (1_000_000 - len(config) - 100))
        self.labels = root / "labels.tsv"
        realcode.write_tsv(self.labels, realcode.LABEL_FIELDS, [
            {"tree": "t", "path": "a.yaml", "line": 1, "hash": h(b"password: generated"),
             "label": "credential", "kind": "generated-password"},
            {"tree": "t", "path": "a.yaml", "line": 2, "hash": h(b"secretName: a-name"),
             "label": "noise", "kind": "k8s-resource-name"},
            {"tree": "t", "path": "b.pfx", "line": 0,
             "hash": hashlib.sha256((tree / "b.pfx").read_bytes()).hexdigest()[:12],
             "label": "credential", "kind": "pkcs12-with-private-key"},
        ])
        self.saved = realcode.LABELS_TSV
        realcode.LABELS_TSV = self.labels

    def tearDown(self):
        realcode.LABELS_TSV = self.saved
        self.tmp.cleanup()

    def finding(self, path, line, scanner, rule="r"):
        return {"tree": "t", "path": path, "line": line, "scanner": scanner, "rule": rule}

    def run_score(self, findings, scanners):
        out = io.StringIO()
        unlabelled = realcode.score(realcode.on_file_level(self.root, findings), self.root, ["t"],
                                    scanners, out=out)
        return unlabelled, out.getvalue()

    def total_row(self, text, scanner):
        for line in text.splitlines():
            cells = line.split()
            if cells[:1] == ["TOTAL"] and cells[2] == scanner:
                return cells
        self.fail(f"no TOTAL row for {scanner}:\n{text}")

    def test_counts_lines_not_findings_and_scales_noise(self):
        findings = [self.finding("a.yaml", 2, "sg", "one"), self.finding("a.yaml", 2, "sg", "two"),
                    self.finding("a.yaml", 1, "sg")]
        unlabelled, text = self.run_score(findings, ["sg"])
        self.assertEqual(unlabelled, 0)
        # tree, MB, scanner, flagged, noise, noise/100MB, cred, recall, unlabelled
        self.assertEqual(self.total_row(text, "sg")[3:], ["2", "1", "100.0", "1", "0.50", "0"])

    def test_finding_inside_a_binary_file_lands_on_line_0(self):
        _, text = self.run_score([self.finding("b.pfx", 1, "sg")], ["sg"])
        self.assertEqual(self.total_row(text, "sg")[6:8], ["1", "0.50"])

    def test_unlabelled_and_stale_lines_are_reported(self):
        unlabelled, text = self.run_score([self.finding("a.yaml", 3, "sg")], ["sg"])
        self.assertEqual(unlabelled, 1)
        self.assertIn("UNLABELLED: 1", text)
        (self.root / "t" / "a.yaml").write_bytes(b"password: changed\nsecretName: a-name\n  key: other\n")
        _, text = self.run_score([], ["sg"])
        self.assertIn("STALE: 1", text)

    def test_a_line_labelled_twice_is_refused(self):
        rows = realcode.read_tsv(self.labels)
        realcode.write_tsv(self.labels, realcode.LABEL_FIELDS, rows + rows[:1])
        with self.assertRaises(SystemExit):
            realcode.load_labels()

    def test_missing_trees_exit_0(self):
        args = type("A", (), {"trees": str(Path(self.tmp.name) / "none"), "secretgate": ["x"]})()
        self.assertEqual(realcode.cmd_score(args), 0)


if __name__ == "__main__":
    unittest.main()
