"""Building the report: every section's evidence, then the conclusions, then the HTML file.

The sections are independent: :func:`build_sections` reads every block's evidence (in the
order given, which does not matter), combines the typed findings, and only then draws the
insights, recommendations and next steps from them. A table that is missing turns its block
into a notice instead of failing the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from customer_behaviour.errors import UserError
from customer_behaviour.manifest import load_manifest
from customer_behaviour.profile import WarehouseTarget, load_target
from customer_behaviour.report.content import Block, Section, notice_block
from customer_behaviour.report.data import MissingData, ReportData
from customer_behaviour.report.findings import Findings
from customer_behaviour.report.sections import (
    associations,
    attribution,
    cleaning,
    enrichment,
    features,
    funnels,
    insights,
    next_steps,
    overview,
    recommendations,
    segmentation,
    sequences,
)
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.warehouse import connect

TEMPLATE = "insights.html.j2"

SECTIONS: tuple[SectionSpec, ...] = (
    overview.SECTION,
    cleaning.SECTION,
    features.SECTION,
    funnels.SECTION,
    sequences.SECTION,
    attribution.SECTION,
    associations.SECTION,
    segmentation.SECTION,
    enrichment.SECTION,
    insights.SECTION,
    recommendations.SECTION,
    next_steps.SECTION,
)
"""The sections, in the order of the source documents' final report."""
SECTION_TITLES = [section.title for section in SECTIONS]
"""The section headings, in order (the tests look for each)."""


def _evidence(block: BlockSpec, data: ReportData) -> Evidence:
    """What a block reads; a notice (and no findings) when a table it needs is missing."""
    if block.evidence is None:
        return Evidence(Block())
    try:
        return block.evidence(data)
    except MissingData as missing:
        return Evidence(notice_block(missing.notice))


def _finish(block: BlockSpec, evidence: Evidence, findings: Findings) -> Block:
    """The block's content: its evidence, then its conclusions, under its heading (none when
    there is no content)."""
    content = evidence.block
    if block.conclusion is not None:
        content = content.then(block.conclusion(findings))
    if content == Block():
        # Nothing to say (fct_named_funnels with the default funnel only): no heading either,
        # and build_sections leaves the block out.
        return content
    return replace(content, heading=block.heading)


def build_sections(
    data: ReportData,
    sections: Sequence[SectionSpec] = SECTIONS,
    say: Callable[[str], None] = print,
) -> list[Section]:
    """Every section, in the order given; ``say`` receives one progress line per section."""
    gathered = []
    for number, section in enumerate(sections, start=1):
        say(f"[{number}/{len(sections)}] {section.title}")
        gathered.append([_evidence(block, data) for block in section.blocks])
    findings = Findings.combine(item.findings for items in gathered for item in items)
    return [
        Section(
            section.id,
            section.title,
            section.lead,
            tuple(
                finished
                for block, evidence in zip(section.blocks, items, strict=True)
                # A block with nothing to say is left out (not an empty box).
                if (finished := _finish(block, evidence, findings)) != Block()
            ),
        )
        for section, items in zip(sections, gathered, strict=True)
    ]


def render_html(sections: list[Section], target: WarehouseTarget, generated_at: datetime) -> str:
    """The report as one HTML document (Jinja2 template, auto-escaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    environment = Environment(
        loader=PackageLoader("customer_behaviour.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template(TEMPLATE)
    return template.render(
        sections=sections,
        svg=Markup,
        target=target,
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        n_charts=sum(len(section.charts) for section in sections),
    )


@dataclass(frozen=True)
class ReportResult:
    path: Path
    sections: int
    charts: int
    notices: int


def _write(html: str, out: Path) -> None:
    """The file, written next to its place and moved there (never half a report)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(out.name + ".tmp")
        staged.write_text(html, encoding="utf-8")
        staged.replace(out)
    except OSError as error:
        raise UserError(
            f"cannot write the report to {out} ({error.strerror or error}); choose another "
            "place with --out"
        ) from error


def write_report(
    target_name: str | None, out: Path, say: Callable[[str], None] = print
) -> ReportResult:
    """Read the target's tables, build every section and write the HTML file."""
    target = load_target(target_name)
    manifest = load_manifest()
    with connect(target) as warehouse:
        say(f"reading the marts and analytics tables of {target.describe()}")
        data = ReportData(warehouse, manifest, target)
        warehouse.require(manifest.model("fct_sessions"))
        sections = build_sections(data, say=say)
    _write(render_html(sections, target, datetime.now(timezone.utc)), out)
    return ReportResult(
        path=out,
        sections=len(sections),
        charts=sum(len(section.charts) for section in sections),
        notices=sum(len(section.notices) for section in sections),
    )
