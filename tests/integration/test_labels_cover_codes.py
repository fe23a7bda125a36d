"""Every value of each code set the pages show has its Japanese label (issue 14 item 7), so a new
value cannot appear raw; and every action the use cases audit has its wording on the audit log."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from shikaku.domain.certificates import CertificateReason, NoticeReason
from shikaku.domain.documents import DOCUMENT_NAMES
from shikaku.domain.registry import Kind, LossReason, Relationship
from shikaku.entrypoints.web import audit, labels
from shikaku.entrypoints.web.common import ROLE
from shikaku.service_layer.auth import Role

SOURCE = Path(__file__).parents[2] / "src" / "shikaku"


@pytest.mark.parametrize("codes, table", [
    (LossReason, labels.LOSS_REASONS), (CertificateReason, labels.ISSUE_REASONS),
    (NoticeReason, labels.NOTICE_REASONS), (Relationship, labels.RELATIONSHIP_LABELS),
    (Kind, labels.REGISTRATION_KINDS), (Role, ROLE),
], ids=lambda v: getattr(v, "__name__", ""))
def test_every_code_has_a_label(codes, table):
    assert [c.value for c in codes if c.value not in table] == []


def test_every_document_kind_and_certification_has_a_label():
    assert {"certificate", "notice", "limit", "limit_reduction", "elderly", "specific_disease"} <= DOCUMENT_NAMES.keys()
    assert labels.CERTIFICATIONS.keys() <= DOCUMENT_NAMES.keys()


def _audited_actions() -> set[str]:
    """The action of every `uow.audit(actor, action, …)` in the source: literals, both branches
    of a conditional, module constants; f-strings by the values their part takes."""
    f_strings = {"certification.{form.kind}": [f"certification.{k}" for k in labels.CERTIFICATIONS],
                 "run.{kind}.start": ["run.ex_officio.start", "run.renewal.start"],
                 "{papers[:-1]}.cancel": ["certificate.cancel", "document.cancel"]}
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        name = ".".join(("shikaku", *path.relative_to(SOURCE).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "audit" and len(node.args) > 1):
                continue
            action = node.args[1]
            for part in (action.body, action.orelse) if isinstance(action, ast.IfExp) else (action,):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.add(part.value)
                elif isinstance(part, ast.Name) and isinstance(getattr(importlib.import_module(name), part.id, None), str):
                    found.add(getattr(importlib.import_module(name), part.id))
                elif isinstance(part, ast.JoinedStr):
                    text = ast.unparse(part)[2:-1]
                    assert text in f_strings, f"{path}: an audited f-string without its values: {text}"
                    found.update(f_strings[text])
    return found


def test_every_audited_action_has_its_wording():
    actions = _audited_actions()
    assert len(actions) > 40  # the scan finds the use cases' audits
    assert sorted(actions - audit.ACTIONS.keys()) == []
