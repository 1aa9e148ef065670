"""The generated dbt docs site and the insight report, opened in headless Chromium as a user
would open them: the docs page of fct_sessions shows its description and lineage, the report
shows every section with its charts and logs nothing to the console. Screenshots are kept in
reports/screenshots/ as artefacts.

Chromium is driven directly (``--dump-dom`` after a virtual-time budget, ``--screenshot``,
console output via ``--enable-logging=stderr``); Playwright's own browser download does not
work offline. Without a browser the tests are skipped with a message, except under CI=true.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from customer_behaviour.report.build import SECTION_TITLES
from support.build import Build
from support.report import (
    SCREENSHOT_DIR,
    BuiltReport,
    console_messages,
    parse_report,
    require_chromium,
    run_chromium,
)

pytestmark = pytest.mark.browser

MODEL = "model.customer_behaviour.fct_sessions"
RENDER_BUDGET_MS = "15000"


@pytest.fixture(scope="session")
def browser() -> str:
    """The browser; asked for first by every test, so a missing one skips before any build."""
    return require_chromium()


def _screenshot(browser: str, url: str, name: str, height: int) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    path.unlink(missing_ok=True)
    result = run_chromium(
        browser,
        url,
        f"--screenshot={path}",
        f"--window-size=1280,{height}",
        f"--virtual-time-budget={RENDER_BUDGET_MS}",
    )
    assert result.returncode == 0 and path.is_file(), result.stderr[-2000:]
    return path


def _colourful_share(path: Path) -> float:
    """Share of pixels that are clearly coloured (charts), not white, grey or black text."""
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return float((spread > 60).mean())


# ----------------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------------


def test_the_report_renders_every_section_and_chart_without_console_errors(
    browser: str, built_report: BuiltReport
) -> None:
    url = built_report.path.as_uri()
    result = run_chromium(
        browser,
        url,
        "--enable-logging=stderr",
        "--v=0",
        f"--virtual-time-budget={RENDER_BUDGET_MS}",
        "--window-size=1280,4000",
        "--dump-dom",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = parse_report(result.stdout)
    assert [section.heading for section in rendered.sections] == [
        f"{n}. {title}" for n, title in enumerate(SECTION_TITLES, start=1)
    ]
    source = parse_report(built_report.html)
    assert [s.svg_count for s in rendered.sections] == [s.svg_count for s in source.sections]
    assert sum(section.svg_count for section in rendered.sections) >= 15
    assert console_messages(result.stderr) == []

    shot = _screenshot(browser, url, f"report_{built_report.build.target}.png", 24000)
    # Charts were painted: a good part of the page is in the charts' colours, all the way down.
    from PIL import Image

    height = Image.open(shot).size[1]
    assert _colourful_share(shot) > 0.02
    with Image.open(shot) as image:
        lower = image.crop((0, height // 2, 1280, height)).convert("RGB")
        assert np.asarray(lower).std() > 10, "the lower half of the report is blank"


# ----------------------------------------------------------------------------------------------
# The docs site
# ----------------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture(scope="module")
def docs_site(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`dbt docs generate` into a temporary target folder, served over HTTP like `make docs`."""
    folder = tmp_path_factory.mktemp(f"docs_{build.target}")
    build.dbt("docs", "generate", "--target", build.target, "--target-path", str(folder))
    assert (folder / "index.html").is_file() and (folder / "catalog.json").is_file()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class _DocsPage:
    description: str = ""
    references: dict[str, list[str]] = field(default_factory=dict)
    graph: dict[str, bool] = field(default_factory=dict)


class _DocsParser(HTMLParser):
    """The rendered model page: its description, the links of its reference lists
    (``parents`` = Depends On, ``references`` = Referenced By) and the state of the lineage
    graph panel. Scripts are not parsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _DocsPage()
        self._depth = 0
        self._markdown_depth: int | None = None
        self._list: tuple[str, int] | None = None

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in self.VOID:
            self._depth += 1
        classes = (attributes.get("class") or "").split()
        if "model-markdown" in classes and self._markdown_depth is None:
            self._markdown_depth = self._depth
        if tag == "reference-list" and "ng-isolate-scope" in classes:
            self._list = (attributes.get("references") or "", self._depth)
            self.page.references.setdefault(self._list[0], [])
        href = attributes.get("href") or ""
        if tag == "a" and self._list and href.startswith("#!/"):
            self.page.references[self._list[0]].append(href)
        if "launcher" in classes and "ng-isolate-scope" in classes:
            self.page.graph["expanded"] = "on" in classes
        if "__________cytoscape_container" in classes:
            self.page.graph["cytoscape"] = True
        if (
            tag == "input"
            and attributes.get("ng-model") == "selectorService.selection.dirty.include"
        ):
            self.page.graph["selection_filled"] = "ng-not-empty" in classes

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self._markdown_depth == self._depth:
            self._markdown_depth = -1
        if self._list and self._list[1] == self._depth:
            self._list = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._markdown_depth is not None and self._markdown_depth > 0:
            self.page.description += data


def _model_ids(hrefs: list[str]) -> set[str]:
    return {href.split("/")[-1].split("#")[0] for href in hrefs}


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_the_docs_site_shows_fct_sessions_with_its_description_and_lineage(
    browser: str, docs_site: tuple[str, Path]
) -> None:
    base, folder = docs_site
    url = f"{base}/#!/model/{MODEL}"
    result = run_chromium(
        browser,
        url,
        f"--virtual-time-budget={RENDER_BUDGET_MS}",
        "--window-size=1280,2400",
        "--dump-dom",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    parser = _DocsParser()
    parser.feed(result.stdout)
    page = parser.page

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    node = manifest["nodes"][MODEL]
    description = " ".join(node["description"].split())
    assert description, "fct_sessions has no description in the manifest"
    shown = " ".join(page.description.split())
    assert description[:80] in shown, (description[:80], shown[:200])

    # Lineage: the page lists exactly the models fct_sessions is built from, and models
    # built from it.
    parents = {parent for parent in node["depends_on"]["nodes"] if parent.startswith("model.")}
    assert parents, "fct_sessions depends on no model?"
    assert _model_ids(page.references.get("parents", [])) == parents
    children = set(manifest["child_map"][MODEL])
    referenced = _model_ids(page.references.get("references", []))
    assert referenced and referenced <= children
    assert any(child.startswith("model.customer_behaviour.fct_funnel") for child in referenced)

    _screenshot(browser, url, "docs_fct_sessions.png", 2400)


@pytest.mark.parametrize("build", ["duckdb"], indirect=True)
def test_the_docs_lineage_graph_of_fct_sessions_opens(
    browser: str, docs_site: tuple[str, Path]
) -> None:
    """The lineage graph, opened on +fct_sessions+ (what the graph button of the page shows)."""
    base, _ = docs_site
    url = f"{base}/#!/model/{MODEL}?g_v=1&g_i=%2Bfct_sessions%2B"
    result = run_chromium(
        browser,
        url,
        f"--virtual-time-budget={RENDER_BUDGET_MS}",
        "--window-size=1280,900",
        "--dump-dom",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    parser = _DocsParser()
    parser.feed(result.stdout)
    graph = parser.page.graph
    assert graph.get("expanded"), "the lineage graph did not open"
    assert graph.get("cytoscape"), "no graph canvas container"
    assert graph.get("selection_filled"), "the graph selection +fct_sessions+ was not applied"

    shot = _screenshot(browser, url, "docs_fct_sessions_lineage.png", 900)
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)[80:800, 40:1220]
    colours, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    background = colours[counts.argmax()]
    # The graph panel fills the window, and nodes and edges are drawn on it.
    assert counts.max() / counts.sum() > 0.5
    assert (np.abs(pixels - background).sum(axis=2) > 60).mean() > 0.01
