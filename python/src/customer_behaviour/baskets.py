"""Association rules on baskets with mlxtend, at product and at category level.

A basket is an accepted, completed order: the set of its distinct products (or of their
categories). Baskets are one-hot encoded as a scipy sparse matrix, never as a dense
orders x products crosstab. mlxtend's ``fpgrowth`` (or ``apriori``) only ever sees a small
slice of it: the columns of items that are frequent on their own (no itemset can be more
frequent than its items) and the rows of baskets holding at least two of them (the only
baskets that can support an itemset of two or more). Item supports come from the full
matrix, and every support is ``baskets holding the itemset / all baskets``, so the numbers
are exactly those of mining the whole matrix. This matters because mlxtend 0.23.2+ turns its
input into a dense array while counting item supports (``df.values`` in ``setup_fptree``):
a sparse DataFrame of 1M orders x 10k products would otherwise need ~10 GB.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from customer_behaviour.errors import UserError
from customer_behaviour.warehouse import Columns, conform, empty_frame

Level = Literal["product", "category"]
LEVELS: dict[Level, str] = {"product": "product_id", "category": "category"}
"""Basket level -> the column of the basket items that names the item."""
BASKET_COLUMNS = ("order_id", "product_id", "category")
ITEM_SEPARATOR = " + "
WEAK_LIFT = 1.5
"""Below this lift a rule is too close to independence to act on."""

RULE_COLUMNS: Columns = {
    "level": "text",
    "antecedents": "text",
    "consequents": "text",
    "n_items": "integer",
    "antecedent_support": "float",
    "consequent_support": "float",
    "support": "float",
    "confidence": "float",
    "lift": "float",
    "leverage": "float",
    "conviction": "float",
    "n_rule_baskets": "integer",
    "n_baskets": "integer",
}
DIAGNOSTIC_COLUMNS: Columns = {
    "level": "text",
    "n_baskets": "integer",
    "n_multi_item_baskets": "integer",
    "multi_item_share": "float",
    "mean_items_per_basket": "float",
    "n_frequent_itemsets": "integer",
    "n_rules": "integer",
    "n_covered_baskets": "integer",
    "covered_share": "float",
    "max_lift": "float",
    "min_support": "float",
    "min_confidence": "float",
    "max_len": "integer",
    "algorithm": "text",
    "verdict": "text",
}


@dataclass(frozen=True)
class BasketOptions:
    """Thresholds of the rule mining."""

    min_support: float = 0.01
    min_confidence: float = 0.1
    max_len: int = 3
    algorithm: Literal["fpgrowth", "apriori"] = "fpgrowth"

    def validate(self) -> None:
        if not 0.0 < self.min_support <= 1.0:
            raise UserError(f"--min-support must be in (0, 1], got {self.min_support}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise UserError(f"--min-confidence must be in [0, 1], got {self.min_confidence}")
        if self.max_len < 2:
            raise UserError(
                f"--max-len must be at least 2 (a rule has two items), got {self.max_len}"
            )
        if self.algorithm not in ("fpgrowth", "apriori"):
            raise UserError(f"algorithm must be fpgrowth or apriori, got {self.algorithm}")


@dataclass(frozen=True)
class OneHot:
    """Baskets x items as a sparse boolean matrix (CSR), with the item names."""

    matrix: sparse.csr_matrix
    items: np.ndarray

    @property
    def n_baskets(self) -> int:
        return int(self.matrix.shape[0])


@dataclass
class BasketResult:
    """The rules and the per-level diagnostics, plus messages for the user."""

    rules: pd.DataFrame
    diagnostics: pd.DataFrame
    messages: list[str] = field(default_factory=list)


def one_hot(basket_items: pd.DataFrame, level: Level) -> OneHot:
    """Sparse one-hot encoding of the baskets at a level (an item counts once per basket)."""
    item_column = LEVELS[level]
    pairs = basket_items[["order_id", item_column]].dropna().drop_duplicates()
    basket_codes, _ = pd.factorize(pairs["order_id"].astype(str), sort=True)
    item_codes, items = pd.factorize(pairs[item_column].astype(str), sort=True)
    n_baskets = int(basket_codes.max()) + 1 if len(basket_codes) else 0
    matrix = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=bool), (basket_codes, item_codes)),
        shape=(n_baskets, len(items)),
        dtype=bool,
    )
    return OneHot(matrix=matrix, items=np.asarray(items, dtype=object))


def _minimum_count(min_support: float, n_baskets: int) -> int:
    """The smallest basket count whose support reaches min_support (at least 1)."""
    return max(1, math.ceil(min_support * n_baskets - 1e-9))


def frequent_itemsets(encoded: OneHot, options: BasketOptions) -> pd.DataFrame:
    """Frequent itemsets (columns support, count, itemsets) of up to max_len items.

    mlxtend mines only the frequent items x the baskets holding two or more of them; its
    counts are exact there, and supports are rescaled to all baskets.
    """
    from mlxtend.frequent_patterns import apriori, fpgrowth

    n_baskets = encoded.n_baskets
    columns = ["support", "count", "itemsets"]
    if n_baskets == 0:
        return pd.DataFrame(columns=columns)
    min_count = _minimum_count(options.min_support, n_baskets)
    item_counts = np.asarray(encoded.matrix.sum(axis=0)).ravel()
    frequent = np.flatnonzero(item_counts >= min_count)
    singles = pd.DataFrame(
        {
            "count": item_counts[frequent],
            "itemsets": [frozenset([encoded.items[index]]) for index in frequent],
        }
    )
    reduced = encoded.matrix[:, frequent].tocsr()
    reduced = reduced[np.asarray(reduced.sum(axis=1)).ravel() >= 2]
    multiples = pd.DataFrame(columns=["count", "itemsets"])
    n_rows = int(reduced.shape[0])
    if n_rows >= min_count and options.max_len >= 2:
        frame = pd.DataFrame.sparse.from_spmatrix(
            reduced, columns=[str(item) for item in encoded.items[frequent]]
        )
        # count >= min_count exactly: a threshold half a basket below it.
        reduced_support = min(1.0, (min_count - 0.5) / n_rows)
        miner = fpgrowth if options.algorithm == "fpgrowth" else apriori
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            found = miner(
                frame, min_support=reduced_support, use_colnames=True, max_len=options.max_len
            )
        found = found[found["itemsets"].map(len) >= 2]
        multiples = pd.DataFrame(
            {
                "count": np.rint(found["support"].to_numpy() * n_rows).astype(np.int64),
                "itemsets": found["itemsets"].to_numpy(),
            }
        )
    itemsets = pd.concat([singles, multiples], ignore_index=True)
    itemsets["count"] = itemsets["count"].astype(np.int64)
    itemsets["support"] = itemsets["count"] / n_baskets
    return itemsets[columns]


def _joined(items: frozenset) -> str:
    return ITEM_SEPARATOR.join(sorted(str(item) for item in items))


def rules_from_itemsets(
    itemsets: pd.DataFrame, n_baskets: int, level: Level, options: BasketOptions
) -> tuple[pd.DataFrame, list[frozenset]]:
    """mlxtend association rules with confidence >= min_confidence (in RULE_COLUMNS), and the
    itemset (antecedents and consequents together) of every rule."""
    from mlxtend.frequent_patterns import association_rules

    if n_baskets == 0 or not (itemsets["itemsets"].map(len) >= 2).any():
        return empty_frame(RULE_COLUMNS), []
    with np.errstate(divide="ignore", invalid="ignore"):  # metrics we do not keep
        found = association_rules(
            itemsets[["support", "itemsets"]],
            num_itemsets=n_baskets,
            metric="confidence",
            min_threshold=options.min_confidence,
        )
    if found.empty:
        return empty_frame(RULE_COLUMNS), []
    rule_itemsets = [
        frozenset(antecedents | consequents)
        for antecedents, consequents in zip(found["antecedents"], found["consequents"], strict=True)
    ]
    confidence = found["confidence"].to_numpy(dtype=float)
    consequent_support = found["consequent support"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        conviction = np.where(
            confidence < 1.0, (1.0 - consequent_support) / (1.0 - confidence), np.nan
        )
    rules = pd.DataFrame(
        {
            "level": level,
            "antecedents": found["antecedents"].map(_joined),
            "consequents": found["consequents"].map(_joined),
            "n_items": (found["antecedents"].map(len) + found["consequents"].map(len)),
            "antecedent_support": found["antecedent support"].astype(float),
            "consequent_support": consequent_support,
            "support": found["support"].astype(float),
            "confidence": confidence,
            "lift": found["lift"].astype(float),
            "leverage": found["leverage"].astype(float),
            "conviction": conviction,
            "n_rule_baskets": np.rint(found["support"].to_numpy(dtype=float) * n_baskets),
            "n_baskets": n_baskets,
        }
    )
    rules = rules.sort_values(
        ["support", "confidence", "antecedents", "consequents"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return conform(rules, RULE_COLUMNS), rule_itemsets


def _minimal(itemsets: set[frozenset]) -> list[frozenset]:
    """The itemsets none of whose proper subsets (of two or more items) is in the set."""
    return [
        itemset
        for itemset in itemsets
        if not any(
            frozenset(subset) in itemsets
            for size in range(2, len(itemset))
            for subset in combinations(itemset, size)
        )
    ]


def covered_baskets(encoded: OneHot, rule_itemsets: list[frozenset]) -> int:
    """Baskets that hold every item of at least one rule (antecedents and consequents)."""
    if not rule_itemsets or encoded.n_baskets == 0:
        return 0
    position = {str(item): index for index, item in enumerate(encoded.items)}
    # A basket holding a superset also holds the subset: keep minimal itemsets only.
    minimal = _minimal(set(rule_itemsets))
    columns = sorted({position[item] for itemset in minimal for item in itemset})
    local = {column: index for index, column in enumerate(columns)}
    matrix = encoded.matrix[:, columns].tocsr()
    candidates = np.flatnonzero(np.asarray(matrix.sum(axis=1)).ravel() >= 2)
    matrix = matrix[candidates].tocsc()
    covered = np.zeros(len(candidates), dtype=bool)
    for itemset in minimal:
        indices = [local[position[item]] for item in itemset]
        hits = np.asarray(matrix[:, indices].sum(axis=1)).ravel() == len(indices)
        covered |= hits
    return int(covered.sum())


def verdict(
    level: Level,
    n_baskets: int,
    n_multi_item_baskets: int,
    n_rules: int,
    covered_share: float,
    max_lift: float | None,
    options: BasketOptions,
) -> str:
    """A plain-language judgement of how useful the rules are for this data."""
    if n_baskets == 0:
        return (
            "No baskets: there are no accepted, completed orders with accepted lines, so no "
            "association rules can be mined."
        )
    item, items = (level, "products") if level == "product" else (level, "categories")
    single_share = 1.0 - n_multi_item_baskets / n_baskets
    text = (
        f"{single_share:.0%} of the {n_baskets:,} baskets hold a single {item}; only "
        f"{n_multi_item_baskets:,} ({1.0 - single_share:.1%}) can show two {items} bought "
        "together, and no rule can say anything about the others."
    )
    if n_rules == 0:
        return text + (
            f" No rule reaches support >= {options.min_support:g} and confidence >= "
            f"{options.min_confidence:g}: at this volume association rules are not useful at "
            f"{level} level, and lower thresholds would rest rules on a handful of baskets."
        )
    text += (
        f" {n_rules:,} rules cover {covered_share:.1%} of all baskets (strongest lift "
        f"{max_lift:.1f})."
    )
    if max_lift is None or max_lift < WEAK_LIFT:
        return text + (
            f" No rule's lift reaches {WEAK_LIFT:g}: these {items} are bought together about "
            "as often as chance predicts, so the rules are no basis for cross-sell."
        )
    if covered_share < 0.05:
        return text + (
            " They describe a niche: good for a few targeted cross-sell pairs, not for "
            "recommendations across the catalogue or for most customers."
        )
    if covered_share < 0.20:
        return text + (
            " Useful for targeted cross-sell on a minority of orders; most orders are "
            "untouched by any rule."
        )
    return text + (
        " They cover a meaningful share of orders and can support bundle and cross-sell decisions."
    )


def mine_level(
    basket_items: pd.DataFrame, level: Level, options: BasketOptions
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Rules and the diagnostics row for one level."""
    encoded = one_hot(basket_items, level)
    n_baskets = encoded.n_baskets
    sizes = np.asarray(encoded.matrix.sum(axis=1)).ravel()
    n_multi = int((sizes >= 2).sum())
    itemsets = frequent_itemsets(encoded, options)
    rules, rule_itemsets = rules_from_itemsets(itemsets, n_baskets, level, options)
    n_covered = covered_baskets(encoded, rule_itemsets)
    covered_share = n_covered / n_baskets if n_baskets else None
    max_lift = float(rules["lift"].max()) if not rules.empty else None
    diagnostics: dict[str, object] = {
        "level": level,
        "n_baskets": n_baskets,
        "n_multi_item_baskets": n_multi,
        "multi_item_share": n_multi / n_baskets if n_baskets else None,
        "mean_items_per_basket": float(sizes.mean()) if n_baskets else None,
        "n_frequent_itemsets": len(itemsets),
        "n_rules": len(rules),
        "n_covered_baskets": n_covered,
        "covered_share": covered_share,
        "max_lift": max_lift,
        "min_support": options.min_support,
        "min_confidence": options.min_confidence,
        "max_len": options.max_len,
        "algorithm": options.algorithm,
        "verdict": verdict(
            level, n_baskets, n_multi, len(rules), covered_share or 0.0, max_lift, options
        ),
    }
    return rules, diagnostics


def mine_baskets(basket_items: pd.DataFrame, options: BasketOptions) -> BasketResult:
    """Association rules and diagnostics at product and category level."""
    options.validate()
    missing = [column for column in BASKET_COLUMNS if column not in basket_items.columns]
    if missing:
        raise ValueError(f"basket items lack columns {missing}")
    all_rules: list[pd.DataFrame] = []
    rows: list[dict[str, object]] = []
    messages: list[str] = []
    for level in LEVELS:
        rules, diagnostics = mine_level(basket_items, level, options)
        all_rules.append(rules)
        rows.append(diagnostics)
        messages.append(
            f"{level} level: {diagnostics['n_baskets']:,} baskets, "
            f"{diagnostics['n_multi_item_baskets']:,} with several items, "
            f"{diagnostics['n_rules']:,} rules"
        )
    non_empty = [rules for rules in all_rules if not rules.empty]
    rules = (
        conform(pd.concat(non_empty, ignore_index=True), RULE_COLUMNS)
        if non_empty
        else empty_frame(RULE_COLUMNS)
    )
    if rows and rows[0]["n_baskets"] == 0:
        messages.append("no baskets (no accepted completed orders): the rule tables are empty")
    return BasketResult(
        rules=rules,
        diagnostics=conform(pd.DataFrame(rows), DIAGNOSTIC_COLUMNS),
        messages=messages,
    )
