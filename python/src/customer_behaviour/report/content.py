"""What the report is made of: sections of blocks holding paragraphs, charts, tables and cards.

These are the values the sections return and the HTML template renders. They are frozen: a
block is complete when a section returns it, and nothing changes it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_behaviour.report.stats import Certainty


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of generated text; ``key`` gives it a stable id (fact-<key>) for tests."""

    text: str
    key: str | None = None


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart with its caption."""

    key: str
    svg: str
    caption: str


@dataclass(frozen=True)
class Table:
    """A small HTML table: headers, rows of already formatted cells, and a caption."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    key: str | None = None
    text_columns: int = 1
    """How many leading columns hold text (left-aligned); the others are numbers."""


@dataclass(frozen=True)
class Insight:
    """A generated insight: a headline, the evidence, and how sure it is."""

    key: str
    headline: str
    evidence: str
    certainty: Certainty


@dataclass(frozen=True)
class Recommendation:
    """A generated recommendation, the insight it rests on, and its certainty."""

    key: str
    action: str
    reason: str
    certainty: Certainty


@dataclass(frozen=True)
class Block:
    """One part of a section; built on its own so a missing table only blanks this part."""

    heading: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    insights: tuple[Insight, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    bullets: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()

    def then(self, other: Block) -> Block:
        """This block followed by ``other`` as one block (each kind of content in turn)."""
        return Block(
            heading=self.heading or other.heading,
            paragraphs=self.paragraphs + other.paragraphs,
            charts=self.charts + other.charts,
            tables=self.tables + other.tables,
            insights=self.insights + other.insights,
            recommendations=self.recommendations + other.recommendations,
            bullets=self.bullets + other.bullets,
            notices=self.notices + other.notices,
        )


def notice_block(*notices: str) -> Block:
    """A block that only says what is missing."""
    return Block(notices=notices)


@dataclass(frozen=True)
class Section:
    """A numbered section of the report."""

    id: str
    title: str
    lead: str
    blocks: tuple[Block, ...]

    @property
    def charts(self) -> list[Chart]:
        return [chart for block in self.blocks for chart in block.charts]

    @property
    def notices(self) -> list[str]:
        return [notice for block in self.blocks for notice in block.notices]
