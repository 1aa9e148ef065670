"""11. Next steps: what would make the next version of the report better, from the findings."""

from __future__ import annotations

from customer_behaviour.report.content import Block
from customer_behaviour.report.findings import Findings
from customer_behaviour.report.spec import BlockSpec, SectionSpec
from customer_behaviour.report.stats import fmt_int, fmt_month, fmt_pct

OWN_STATISTICS = (
    "Add official regional statistics of your own (for example CBS or Eurostat figures for "
    "the customers' countries) with `make run STATISTICS=file.csv` (docs/enrichment.md) to "
    "see whether regional differences reflect the population or the shop."
)
"""The step for as long as no real statistics of the user's own are joined."""
ALWAYS = (
    "Recreate any finding in SQL: analyses/ holds the queries (compile them with "
    "`dbt compile` and paste them into DBeaver).",
    "Rebuild this report after every data load: `make run` rebuilds the marts, reruns "
    "the analyses and writes it again.",
)


def next_steps(findings: Findings) -> tuple[str, ...]:
    """The next steps: those the findings call for, then the ones that always apply."""
    steps = []
    if findings.experiment is not None:
        steps.append(
            f"Run the experiment proposed above for at least {fmt_int(findings.experiment.days)} "
            "days and re-run this report on its data; guard against longer sessions "
            "(session_seconds) while conversion and events per minute are the success metrics."
        )
    if findings.repeat is not None:
        steps.append(
            "Collect more months before judging repeat purchase: the "
            f"{fmt_month(findings.repeat.latest)} cohort stands at "
            f"{fmt_pct(findings.repeat.latest_rate)} only because it had little time to come "
            "back."
        )
    if findings.levels is not None:
        steps.append(
            "Model sequences per customer across sessions (not only within a session), since "
            "customers buy over several visits."
        )
    if findings.own_statistics is None or findings.own_statistics.made_up:
        steps.append(OWN_STATISTICS)
    return (*steps, *ALWAYS)


def next_steps_block(findings: Findings) -> Block:
    return Block(bullets=next_steps(findings))


SECTION = SectionSpec(
    "next-steps",
    "Next steps",
    "What would make the next version of this report better.",
    (BlockSpec(None, conclusion=next_steps_block),),
)
