"""6. Product associations: what is bought together, and the funnel per category
(analytics.association_diagnostics, analytics.association_rules, marts.fct_category_funnel)."""

from __future__ import annotations

import pandas as pd

from customer_behaviour.analytics_tables import ASSOCIATION_DIAGNOSTICS, ASSOCIATION_RULES
from customer_behaviour.report import charts
from customer_behaviour.report.content import Block, Paragraph, Table, notice_block
from customer_behaviour.report.data import MissingData, ReportData, numeric
from customer_behaviour.report.figures import embed
from customer_behaviour.report.findings import Baskets, Findings
from customer_behaviour.report.spec import BlockSpec, Evidence, SectionSpec
from customer_behaviour.report.stats import fmt_int, fmt_num, fmt_pct, fmt_usd, join_words

STRONGEST_RULES = 8


def _basket_paragraphs(by_level: pd.DataFrame, product: pd.Series) -> tuple[Paragraph, ...]:
    single = Paragraph(
        f"{fmt_pct(1 - product['multi_item_share'])} of the {fmt_int(product['n_baskets'])} "
        f"baskets hold a single product: only {fmt_int(product['n_multi_item_baskets'])} "
        f"({fmt_pct(product['multi_item_share'])}) can show two products bought together, "
        "and no rule can say anything about the others.",
        key="baskets-single",
    )
    levels = [
        f"{fmt_int(row.n_rules)} at {level} level covering {fmt_pct(row.covered_share)} of "
        f"baskets (highest lift {fmt_num(row.max_lift)})"
        if row.n_rules
        else f"none at {level} level"
        for level, row in by_level.iterrows()
    ]
    rules = Paragraph(
        f"With a minimum support of {fmt_pct(product['min_support'])} and a minimum "
        f"confidence of {fmt_pct(product['min_confidence'])}, the rules found are "
        f"{join_words(levels)}.",
        key="baskets-rules",
    )
    return single, rules


def _rules(data: ReportData) -> Block:
    """The rules' scatter and the strongest rules, or a notice saying why there are none."""
    try:
        rules = data.analytics(ASSOCIATION_RULES)
    except MissingData as missing:
        return notice_block(missing.notice)
    rules = numeric(rules, "support", "confidence", "lift", "n_rule_baskets")
    if rules.empty:
        return notice_block("No rule reaches the thresholds: nothing to plot.")
    chart = embed(
        "rules-scatter",
        charts.rules_scatter(rules),
        "Every association rule: how many baskets it concerns (support) against how much "
        "more often than chance its items go together (lift) (analytics.association_rules).",
    )
    strongest = rules.sort_values(["lift", "support"], ascending=False).head(STRONGEST_RULES)
    table = Table(
        headers=("level", "rule", "support", "confidence", "lift", "baskets"),
        text_columns=2,
        rows=tuple(
            (
                str(row.level),
                f"{row.antecedents} → {row.consequents}",
                fmt_pct(row.support, 2),
                fmt_pct(row.confidence),
                fmt_num(row.lift),
                fmt_int(row.n_rule_baskets),
            )
            for row in strongest.itertuples(index=False)
        ),
        caption="The rules with the highest lift.",
        key="rules-top",
    )
    return Block(charts=(chart,), tables=(table,))


def associations_block(data: ReportData) -> Evidence:
    diagnostics = numeric(
        data.analytics(ASSOCIATION_DIAGNOSTICS),
        "n_baskets",
        "n_multi_item_baskets",
        "multi_item_share",
        "n_rules",
        "covered_share",
        "max_lift",
        "min_support",
        "min_confidence",
    )
    if diagnostics.empty or diagnostics["n_baskets"].sum() == 0:
        return Evidence(notice_block("There are no baskets (no completed orders with lines)."))
    by_level = diagnostics.set_index("level")
    product = by_level.loc["product"] if "product" in by_level.index else by_level.iloc[0]
    baskets = Baskets(
        multi_share=float(product["multi_item_share"]),
        n_baskets=float(product["n_baskets"]),
        covered=float(product["covered_share"]),
    )
    chart = embed(
        "baskets-sizes",
        charts.basket_sizes(diagnostics),
        "Share of baskets with one versus several distinct items "
        "(analytics.association_diagnostics).",
    )
    block = Block(paragraphs=_basket_paragraphs(by_level, product), charts=(chart,))
    return Evidence(block.then(_rules(data)), Findings(baskets=baskets))


def product_funnel_block(data: ReportData) -> Evidence:
    products = numeric(
        data.model("fct_category_funnel"),
        "viewed_sessions",
        "view_to_cart_rate",
        "cart_to_purchase_rate",
        "revenue_usd",
    )
    categories = products[products["viewed_sessions"] > 0].sort_values(
        "view_to_cart_rate", ascending=False
    )
    if categories.empty:
        return Evidence(notice_block("No category was viewed."))
    best, worst = categories.iloc[0], categories.iloc[-1]
    revenue = categories.sort_values("revenue_usd", ascending=False).iloc[0]
    paragraph = Paragraph(
        f"Viewers of {best['category']} add it to the cart most often "
        f"({fmt_pct(best['view_to_cart_rate'])} of sessions that viewed it), viewers of "
        f"{worst['category']} least often ({fmt_pct(worst['view_to_cart_rate'])}). "
        f"{revenue['category']} brings the most revenue "
        f"({fmt_usd(revenue['revenue_usd'])}).",
        key="product-funnel",
    )
    chart = embed(
        "product-funnel",
        charts.paired_rates(categories, "View → cart and cart → purchase, by category"),
        "Per category, the share of sessions that viewed it and added it to the cart, and "
        "of those that added it and bought it (marts.fct_category_funnel).",
    )
    return Evidence(Block(paragraphs=(paragraph,), charts=(chart,)))


SECTION = SectionSpec(
    "associations",
    "Product associations",
    "Which products are bought together, and how far association rules can be trusted here.",
    (
        BlockSpec("What is bought together", associations_block),
        BlockSpec("The funnel per product category", product_funnel_block),
    ),
)
