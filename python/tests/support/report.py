"""Helpers for the report and browser tests: build the report as a user would, read its HTML,
and find a headless Chromium. A pytest plugin (python/tests/conftest.py) for the fixture
``built_report``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support.analytics import ANALYZE_OPTIONS, run_cli
from support.build import Build
from support.paths import PROJECT_DIR

SCREENSHOT_DIR = PROJECT_DIR / "reports" / "screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass
class BuiltReport:
    """The report written from one built target."""

    build: Build
    path: Path
    html: str
    stdout: str


@pytest.fixture(scope="session", name="built_report")
def built_report_fixture(build: Build, tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """`customer-behaviour analyze` then `customer-behaviour report` on the built target. The
    analyze options are those of the analytics tests, so the tables are the same whichever
    runs last."""
    analyzed = run_cli(build.env, "analyze", "--target", build.target, *ANALYZE_OPTIONS)
    assert analyzed.returncode == 0, analyzed.stderr[-3000:]
    out = tmp_path_factory.mktemp(f"report_{build.target}") / "insights.html"
    result = run_cli(build.env, "report", "--target", build.target, "--out", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return BuiltReport(build, out, out.read_text(encoding="utf-8"), result.stdout)


@dataclass
class ReportSection:
    """What one <section> of the report holds."""

    id: str
    heading: str = ""
    svg_count: int = 0
    notices: list[str] = field(default_factory=list)


@dataclass
class ParsedReport:
    sections: list[ReportSection] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """Visible text of every element with an id (facts, insights, tables, ...)."""
    tags: set[str] = field(default_factory=set)


class _ReportParser(HTMLParser):
    """Collects sections, their h2, SVG charts and notices, and the text of elements with an
    id (nested ids each get the full text of their element)."""

    VOID = {"meta", "br", "img", "link", "input", "hr", "source"}
    SEPARATED = {"td", "th", "tr", "p", "li", "div", "caption", "figcaption", "h2", "h3", "h4"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = ParsedReport()
        self._open_ids: list[tuple[str, int]] = []
        self._buffers: dict[str, list[str]] = {}
        self._depth = 0
        self._in_h2 = False
        self._notice_depth: int | None = None
        self._notice: list[str] = []
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.tags.add(tag)
        attributes = dict(attrs)
        if tag in self.SEPARATED:
            # Cells and paragraphs read as separate words, as a browser shows them.
            for key, _ in self._open_ids:
                self._buffers[key].append(" ")
        if tag in self.VOID:
            return
        self._depth += 1
        if tag == "section":
            self.result.sections.append(ReportSection(id=attributes.get("id") or ""))
        if tag == "h2":
            self._in_h2 = True
        if tag == "svg":
            if self._svg_depth == 0 and self.result.sections:
                self.result.sections[-1].svg_count += 1
            self._svg_depth += 1
        if "notice" in (attributes.get("class") or "").split():
            self._notice_depth = self._depth
            self._notice = []
        if attributes.get("id") and self._svg_depth == 0:
            self._open_ids.append((attributes["id"], self._depth))
            self._buffers[attributes["id"]] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if tag == "h2":
            self._in_h2 = False
        if tag == "svg":
            self._svg_depth -= 1
        if self._notice_depth == self._depth:
            self.result.sections[-1].notices.append(" ".join("".join(self._notice).split()))
            self._notice_depth = None
        while self._open_ids and self._open_ids[-1][1] == self._depth:
            key, _ = self._open_ids.pop()
            self.result.texts[key] = " ".join("".join(self._buffers.pop(key)).split())
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_h2 and self.result.sections:
            self.result.sections[-1].heading += data
        if self._notice_depth is not None:
            self._notice.append(data)
        for key, _ in self._open_ids:
            self._buffers[key].append(data)


def parse_report(html: str) -> ParsedReport:
    parser = _ReportParser()
    parser.feed(html)
    parser.close()
    for section in parser.result.sections:
        section.heading = " ".join(section.heading.split())
    return parser.result


@contextmanager
def report_data(build: Build) -> Iterator[object]:
    """The report's data access (``ReportData``) on a built target, in this process, with the
    environment dbt ran with; the connection is closed on leaving."""
    from customer_behaviour.manifest import load_manifest
    from customer_behaviour.profile import load_target
    from customer_behaviour.report.data import ReportData
    from customer_behaviour.warehouse import connect

    with pytest.MonkeyPatch.context() as patch:
        for name, value in build.env.items():
            patch.setenv(name, value)
        target = load_target(build.target)
        manifest = load_manifest(Path(build.env["DBT_TARGET_PATH"]) / "manifest.json")
        with connect(target) as warehouse:
            yield ReportData(warehouse, manifest, target)


def visible_text(html: str) -> str:
    """Everything a reader of the page sees as text: the HTML text and the charts' labels."""
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def numbers(text: str) -> list[float]:
    """Every number in a text, in order: '1,234' -> 1234, '11.9%' -> 11.9, '$5' -> 5."""
    return [float(match.replace(",", "")) for match in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def chromium() -> str | None:
    """The Chromium (or Chrome) binary: $CHROMIUM, else the first one on PATH."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The browser, or a skip (a failure under CI=true) saying how to install it."""
    found = chromium()
    if found:
        return found
    message = (
        "no headless Chromium found: install Debian's package (apt-get install -y chromium) "
        "or point $CHROMIUM at a Chrome/Chromium binary"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(message)


def run_chromium(
    binary: str, url: str, *options: str, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on one URL (root in CI containers needs --no-sandbox)."""
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            *options,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    """The page's console output in Chromium's log (--enable-logging=stderr --v=0)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]
