"""The report's figures: colours, matplotlib style, and each figure as inline SVG.

:func:`to_svg` turns a matplotlib ``Figure`` into an ``<svg>`` element that can sit in an HTML
page: no XML prolog, no metadata, no namespace URLs, ids prefixed so that several charts in
one page never clash, text kept as text (searchable, selectable, small) and a viewBox so the
chart scales with the page. No pyplot: figures are created directly, so nothing depends on a
display or on global state.

Why matplotlib, each chart rendered to SVG and inlined in the page:

* self-contained by construction: the SVG is markup inside the HTML file, so the report opens
  offline, from an e-mail attachment or a file share, with no JavaScript, CDN or fonts to
  fetch (libraries that write standalone HTML, such as Plotly or Bokeh, either embed a
  multi-megabyte JavaScript bundle per file or load it from a CDN);
* vector output that stays sharp when zoomed and prints well (stakeholders print reports);
* text in the SVG stays text (``svg.fonttype = none``), so numbers on charts are searchable
  and the file stays small;
* matplotlib is already a dependency of the analytics layer and draws everything needed here,
  including a hand-made Sankey flow and heat maps, so no new package is installed.

The price is no interactivity (no hover tool-tips); every chart states its key numbers in the
text next to it instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

from customer_behaviour.report.content import Chart

PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#882255",
    "#999933",
    "#332288",
    "#44AA99",
    "#F0E442",
]
"""Okabe-Ito colours first (distinguishable with the common colour-vision deficiencies), then
Paul Tol's for breakdowns with more values."""
GREY = "#8a8f98"
DARK = "#1f2933"
WIDTH = 8.0

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "customer-behaviour-report",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#b0b6bf",
    "axes.labelcolor": DARK,
    "xtick.color": DARK,
    "ytick.color": DARK,
    "axes.grid": False,
    "legend.frameon": False,
}


@contextmanager
def chart_style() -> Iterator[None]:
    """The report's matplotlib settings, for the duration of one chart."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(height: float, width: float = WIDTH) -> Figure:
    """A figure with the report's layout engine."""
    return Figure(figsize=(width, height), layout="constrained")


def to_svg(figure: Figure, key: str, title: str) -> str:
    """The figure as an inline ``<svg>`` element, ids prefixed with ``key``."""
    buffer = io.StringIO()
    with chart_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(
        r'<svg\s+width="([\d.]+)pt"\s+height="([\d.]+)pt"',
        lambda match: (
            f'<svg class="chart-svg" role="img" aria-label="{_attribute(title)}" '
            f'data-width-pt="{match.group(1)}" data-height-pt="{match.group(2)}"'
        ),
        svg,
        count=1,
    )
    return svg.strip()


def embed(key: str, figure: Figure, caption: str) -> Chart:
    """The figure as a chart of the report (``chart-<key>`` in the page), with its caption."""
    return Chart(key=key, svg=to_svg(figure, key, caption), caption=caption)


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
