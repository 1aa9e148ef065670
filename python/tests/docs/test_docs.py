"""The README and docs/ stay true as they move: every link and anchor resolves, every project
path they name exists, every `make` target they name is in the Makefile, and every
`customer-behaviour` command they show is accepted by the CLI's own argument parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from customer_behaviour.cli import build_parser
from support.paths import PROJECT_DIR

DOCUMENTS = sorted(
    [
        PROJECT_DIR / "README.md",
        PROJECT_DIR / "python" / "tests" / "README.md",
        *(PROJECT_DIR / "docs").glob("*.md"),
    ]
)
# Top-level folders whose files are committed (data/, reports/insights.html, target/ are
# written by runs and need not exist).
COMMITTED_ROOTS = ("models", "macros", "python", "docs", "seeds", "tests", "analyses", "docker")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PLACEHOLDER = re.compile(r"[<>|…*]")


def _ids(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"(?m)^#{1,6} (.+)$", _text(path)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
        anchors.add(slug.replace(" ", "-"))
    return anchors


def _code(text: str) -> list[str]:
    """Lines of fenced code blocks and inline code spans."""
    fenced = re.findall(r"(?ms)^```[a-z]*\n(.*?)^```", text)
    lines = [line for block in fenced for line in block.splitlines()]
    prose = re.sub(r"(?ms)^```.*?^```", "", text)
    return lines + CODE_SPAN.findall(prose)


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids)
def test_every_link_and_anchor_resolves(document: Path) -> None:
    broken = []
    for target in LINK.findall(_text(document)):
        if re.match(r"[a-z]+:", target):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(target)
    assert broken == [], f"{_ids(document)}: links that lead nowhere: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids)
def test_every_project_path_named_exists(document: Path) -> None:
    roots = "|".join(COMMITTED_ROOTS)
    named = {
        match.rstrip(".,;:")
        for span in _code(_text(document))
        for match in re.findall(rf"(?<![\w./])(?:{roots})/[\w./-]*", span)
        if not PLACEHOLDER.search(span)
    }
    missing = sorted(
        path
        for path in named
        if not (PROJECT_DIR / path).exists() and not (document.parent / path).exists()
    )
    assert missing == [], f"{_ids(document)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids)
def test_every_make_target_named_is_in_the_makefile(document: Path) -> None:
    targets = set(re.findall(r"(?m)^([a-z][a-z-]*):", _text(PROJECT_DIR / "Makefile")))
    named = {
        word
        for line in _code(_text(document))
        for word in re.findall(r"(?:^|[;&]\s*)make ([a-z][a-z-]*)", line.strip())
    }
    assert sorted(named - targets) == [], f"{_ids(document)}: make targets that do not exist"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids)
def test_every_cli_command_shown_parses(document: Path) -> None:
    parser = build_parser()
    commands = next(
        action.choices for action in parser._actions if isinstance(action.choices, dict)
    )
    refused = []
    for line in _code(_text(document)):
        found = re.search(r"(?:^|\s)(?:\.venv/bin/)?customer-behaviour (.+)$", line.strip())
        if not found or PLACEHOLDER.search(found[1]):
            continue
        arguments = shlex.split(found[1].split(" #", 1)[0])
        if len(arguments) == 1:  # the command named in prose, not a command line
            if arguments[0] not in commands:
                refused.append(found[0].strip())
            continue
        try:
            parser.parse_args(arguments)
        except SystemExit:
            refused.append(found[0].strip())
    assert refused == [], f"{_ids(document)}: commands the CLI refuses: {refused}"
