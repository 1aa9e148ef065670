"""How a section of the report is declared: its blocks, what each reads and what it concludes.

A block has up to two parts:

* ``evidence``: a function of the tables (:class:`~customer_behaviour.report.data.ReportData`)
  returning the block's content and the findings it contributes (:class:`Evidence`);
* ``conclusion``: a pure function of every section's findings
  (:class:`~customer_behaviour.report.findings.Findings`) returning more content: insight and
  recommendation cards, next steps.

:func:`customer_behaviour.report.build.build_sections` gathers every block's evidence first,
in any order, then draws the conclusions from the combined findings; a conclusion never sees
another block's content, only the typed findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from customer_behaviour.report.content import Block
from customer_behaviour.report.data import ReportData
from customer_behaviour.report.findings import Findings


@dataclass(frozen=True)
class Evidence:
    """What a block read from the tables: its content and the findings it hands on."""

    block: Block
    findings: Findings = field(default_factory=Findings)


EvidenceBuilder = Callable[[ReportData], Evidence]
ConclusionBuilder = Callable[[Findings], Block]


@dataclass(frozen=True)
class BlockSpec:
    """One block of a section: its heading and how its content is made."""

    heading: str | None
    evidence: EvidenceBuilder | None = None
    conclusion: ConclusionBuilder | None = None


@dataclass(frozen=True)
class SectionSpec:
    """A numbered section of the report: id (the HTML anchor), title, lead and blocks."""

    id: str
    title: str
    lead: str
    blocks: tuple[BlockSpec, ...]
