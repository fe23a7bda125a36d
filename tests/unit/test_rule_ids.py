"""Every rule id of DOMAIN.md (R-…) names the domain function or class that decides it, and no
id is hidden in a range ("R-CERT-1…6"): `grep -rn R-CERT-4 src/shikaku/domain` finds its rule."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "DOMAIN.md"
SRC = ROOT / "src" / "shikaku"
DOMAIN = SRC / "domain"
TEXT_SUFFIXES = {".py", ".html", ".js", ".css", ".mako"}  # code, templates and their comments

RULE_ID = re.compile(r"\bR-[A-Z]+-\d+(?!\d)")
# An id followed by "…", "...", "..", "–" or "-" and a digit or another id: a range of ids.
RANGE = re.compile(r"\bR-[A-Z]+-\d+\s*(?:…|\.{2,3}|–|-)\s*(?:R-[A-Z]+-)?\d")


def spec_ids() -> set[str]:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is absent: the shared spec is not checked out beside the repository")
    return set(RULE_ID.findall(SPEC.read_text(encoding="utf-8")))


def _comments(source: str) -> dict[int, str]:
    """The comments of a module by line number."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def ids_at_definitions(path: Path) -> set[str]:
    """The ids in the docstrings and comments of the functions and classes of one module (its
    own docstring does not count: it names no deciding function)."""
    source = path.read_text(encoding="utf-8")
    comments = _comments(source)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            texts = [ast.get_docstring(node) or ""]
            texts += [text for line, text in comments.items() if node.lineno <= line <= node.end_lineno]
            found.update(RULE_ID.findall("\n".join(texts)))
    return found


def test_every_rule_id_is_at_a_deciding_definition_in_the_domain():
    placed = set().union(*(ids_at_definitions(path) for path in sorted(DOMAIN.rglob("*.py"))))
    missing = sorted(spec_ids() - placed, key=lambda rule: (rule.rsplit("-", 1)[0], int(rule.rsplit("-", 1)[1])))
    assert not missing, f"rule ids of DOMAIN.md named by no function or class in src/shikaku/domain: {missing}"


def test_no_range_of_rule_ids_under_src():
    ranges = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
              for path in sorted(SRC.rglob("*")) if path.is_file() and path.suffix in TEXT_SUFFIXES
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if RANGE.search(line)]
    assert not ranges, "write each rule id out instead of a range:\n" + "\n".join(ranges)


@pytest.mark.parametrize(("text", "is_range"), [
    ("R-CERT-1…6", True), ("R-MYNA-2...4", True), ("R-NUM-1..4", True), ("R-RATIO-1–3", True),
    ("R-LIM-1-3", True), ("R-NOTICE-1 … R-NOTICE-3", True),
    ("R-MYNA-2, R-MYNA-4", False), ("R-CERT-10", False), ("R-LEG-2 (2025-12-01)", False)])
def test_the_range_pattern(text, is_range):
    assert bool(RANGE.search(text)) is is_range
