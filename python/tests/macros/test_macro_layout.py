"""The layout of macros/: one folder per concern, one macro per file, a YAML per folder.

Read from the sources (no dbt run): every file holds the macro it is named after, plus only
that macro's dispatched implementations and helpers nothing else calls; every other macro is
described, with each argument, in its folder's `_<folder>__macros.yml`; and every
`macros/...` path the models and configs mention exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2 import nodes

from support.paths import PROJECT_DIR

MACROS_DIR = PROJECT_DIR / "macros"
# Adapters a macro of ours is dispatched to; `<adapter>__<macro>` stays in `<macro>.sql`.
DISPATCH_PREFIXES = ("default", "postgres", "duckdb", "spark")
# Where a macro can be called from, besides macros/.
CALLER_PATHS = ("models", "tests", "analyses", "dbt_project.yml")
TEXT_SUFFIXES = {".sql", ".yml", ".md", ".py", ".sh"}


@dataclass(frozen=True)
class Macro:
    name: str
    arguments: tuple[str, ...]
    path: Path


def _parse(path: Path) -> list[Macro]:
    """The macros of one file. `{% test x(...) %}` is dbt's macro `test_x`."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"{%(-?)\s*test\s+(\w+)\s*\(", r"{%\1 macro test_\2(", source)
    source = re.sub(r"{%(-?)\s*endtest\s*(-?)%}", r"{%\1 endmacro \2%}", source)
    tree = jinja2.Environment(extensions=["jinja2.ext.do"]).parse(source)
    return [
        Macro(macro.name, tuple(argument.name for argument in macro.args), path)
        for macro in tree.find_all(nodes.Macro)
    ]


def _macro_files() -> list[Path]:
    return sorted(MACROS_DIR.rglob("*.sql"))


def _main_name(path: Path) -> str:
    return f"test_{path.stem}" if path.parent.name == "tests" else path.stem


def _is_implementation(name: str, main: str) -> bool:
    return any(name == f"{prefix}__{main}" for prefix in DISPATCH_PREFIXES)


def _callers_text(excluding: Path) -> str:
    paths = [path for path in _macro_files() if path != excluding]
    for caller in CALLER_PATHS:
        root = PROJECT_DIR / caller
        paths += [root] if root.is_file() else sorted(root.rglob("*.sql"))
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


def _described(folder: Path) -> dict[str, dict]:
    properties = folder / f"_{folder.name}__macros.yml"
    assert properties.is_file(), f"{folder.relative_to(PROJECT_DIR)} has no {properties.name}"
    entries = yaml.safe_load(properties.read_text(encoding="utf-8"))["macros"]
    return {entry["name"]: entry for entry in entries}


def test_macros_live_in_concern_folders_only() -> None:
    loose = sorted(path.name for path in MACROS_DIR.iterdir() if path.is_file())
    assert loose == [], f"files directly in macros/ (move them into a concern folder): {loose}"
    deep = [path for path in _macro_files() if path.parent.parent != MACROS_DIR]
    assert deep == [], f"macros nested below a concern folder: {deep}"


@pytest.mark.parametrize("path", _macro_files(), ids=lambda path: path.stem)
def test_a_file_holds_its_macro_and_only_that_macro_s_own_helpers(path: Path) -> None:
    macros = _parse(path)
    main = _main_name(path)
    assert main in {macro.name for macro in macros}, f"{path.name} does not define {main}"
    others = [m.name for m in macros if m.name != main and not _is_implementation(m.name, main)]
    callers = _callers_text(excluding=path)
    called_elsewhere = [name for name in others if re.search(rf"\b{name}\b", callers)]
    assert called_elsewhere == [], (
        f"{path.relative_to(PROJECT_DIR)} holds macros other files call: {called_elsewhere}; "
        "give each its own file"
    )
    header = path.read_text(encoding="utf-8").split("-#}", 1)[0]
    globs = re.findall(r"\b(\w+)\*", header)
    unnamed = [
        name
        for name in others
        if not re.search(rf"\b{name}\b", header) and not any(name.startswith(g) for g in globs)
    ]
    assert unnamed == [], f"{path.name}'s header must name the helpers it keeps: {unnamed}"


@pytest.mark.parametrize(
    "folder", sorted(path for path in MACROS_DIR.iterdir() if path.is_dir()), ids=lambda p: p.name
)
def test_a_folder_describes_each_of_its_macros_and_arguments(folder: Path) -> None:
    described = _described(folder)
    defined: dict[str, Macro] = {}
    for path in sorted(folder.glob("*.sql")):
        main = _main_name(path)
        for macro in _parse(path):
            if not _is_implementation(macro.name, main):
                defined[macro.name] = macro
    assert sorted(set(defined) - set(described)) == [], "macros without a description"
    assert sorted(set(described) - set(defined)) == [], "descriptions of no macro in this folder"
    for name, macro in defined.items():
        entry = described[name]
        assert str(entry.get("description") or "").strip(), f"{name}: empty description"
        documented = {
            argument["name"]: str(argument.get("description") or "").strip()
            for argument in entry.get("arguments", [])
        }
        missing = [a for a in macro.arguments if not documented.get(a)]
        assert missing == [], f"{name}: arguments without a description: {missing}"
        assert sorted(set(documented) - set(macro.arguments)) == [], f"{name}: unknown arguments"


def test_every_macro_path_the_project_files_name_exists() -> None:
    """In models, configs and scripts (python/tests/docs checks the README and docs/)."""
    texts = [PROJECT_DIR / name for name in ("dbt_project.yml", "dbt-bouncer.yml", ".sqlfluff")]
    for folder in ("models", "macros", "docker", "python/src"):
        texts += sorted(
            path for path in (PROJECT_DIR / folder).rglob("*") if path.suffix in TEXT_SUFFIXES
        )
    named = {
        (str(path.relative_to(PROJECT_DIR)), mention)
        for path in texts
        for mention in re.findall(
            r"(?<![\w./])macros/[\w/]*\w(?:\.sql)?", path.read_text(encoding="utf-8")
        )
    }
    missing = sorted(pair for pair in named if not (PROJECT_DIR / pair[1]).exists())
    assert missing == [], f"references to macro files that do not exist: {missing}"
