"""The report package keeps its shape (no build needed): sections share nothing but typed,
frozen findings, and no function grows past ~60 lines without saying why."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import customer_behaviour.report as report_package
from customer_behaviour.report import content, findings
from customer_behaviour.report.build import SECTIONS

PACKAGE = Path(report_package.__file__).resolve().parent
MAX_FUNCTION_LINES = 60
LONG_REASON = "Long because"
"""A function over the limit says why in its docstring, starting with these words."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_function_is_over_sixty_lines_without_a_reason() -> None:
    too_long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                reason = LONG_REASON in (ast.get_docstring(node) or "")
                if lines > MAX_FUNCTION_LINES and not reason:
                    too_long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({lines} lines)")
    assert too_long == []


def test_no_section_imports_another_section() -> None:
    """A section can only learn what another found through the findings it returns."""
    sections = {path.stem for path in (PACKAGE / "sections").glob("*.py")} - {"__init__"}
    crossing = []
    for name in sorted(sections):
        tree = ast.parse((PACKAGE / "sections" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = {node.module.rsplit(".", 1)[-1]} | {alias.name for alias in node.names}
                if node.module.startswith("customer_behaviour.report.sections") or (
                    node.module == "customer_behaviour.report" and imported & sections
                ):
                    crossing.append(f"{name} imports {node.module}")
    assert crossing == []
    assert {spec.id.replace("-", "_") for spec in SECTIONS} == sections


def test_findings_and_content_are_frozen_dataclasses() -> None:
    for module in (findings, content):
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == module.__name__
        ]
        assert classes, module.__name__
        for cls in classes:
            assert dataclasses.is_dataclass(cls), cls
            assert cls.__dataclass_params__.frozen, f"{cls.__name__} is not frozen"


def test_every_finding_is_typed_not_a_table() -> None:
    """No DataFrame or dict of anything travels between sections."""
    for item in dataclasses.fields(findings.Findings):
        assert "DataFrame" not in str(item.type) and "dict" not in str(item.type), item
    for cls in vars(findings).values():
        if dataclasses.is_dataclass(cls) and cls is not findings.Findings:
            for item in dataclasses.fields(cls):
                assert item.type not in ("Any", "dict") and "DataFrame" not in str(item.type)


def test_section_ids_and_titles_are_unique() -> None:
    assert len({spec.id for spec in SECTIONS}) == len(SECTIONS)
    assert len({spec.title for spec in SECTIONS}) == len(SECTIONS)
