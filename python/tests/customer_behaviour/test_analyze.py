"""The analytics layer on the built sample, on both targets: `analyze` runs as a user runs it,
and its tables are checked against the SQL marts and against independent re-computations.

The planted findings come from the generator that wrote the committed sample
(``make sample``: 10,000 sessions, seed 42, defects at 0.5 %).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from customer_behaviour import analyze, drivers
from customer_behaviour.manifest import Exposure, Manifest, load_manifest
from customer_behaviour.profile import load_target
from customer_behaviour.warehouse import KeySample, Warehouse, connect
from support.analytics import ANALYZE_OPTIONS, run_cli
from support.build import Build

SAMPLE_CONFIG = {"n_sessions": 10_000, "seed": 42, "defect_rate": 0.005}
MIN_SUPPORT = float(ANALYZE_OPTIONS[1])
MIN_CONFIDENCE = float(ANALYZE_OPTIONS[3])
ENGAGEMENT = ["event_count", "session_seconds", "first_event_delay_seconds"]
PRE_INTENT = ["pre_intent_event_count", "pre_intent_seconds", "first_event_delay_seconds"]
SPECIFICATIONS = {"all_events": ENGAGEMENT, "pre_intent": PRE_INTENT}


@pytest.fixture(scope="session")
def analyzed(build: Build) -> Build:
    """The sample build after `customer-behaviour analyze` has written schema analytics."""
    result = run_cli(build.env, "analyze", "--target", build.target, *ANALYZE_OPTIONS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"[{analyze.STEPS}/{analyze.STEPS}] writing" in result.stdout
    return build


def _floats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_numeric(frame[column].astype(float))
    return frame


def _rows(frame: pd.DataFrame, columns: list[str]) -> set[tuple]:
    return set(frame[columns].itertuples(index=False, name=None))


def _sessions(build: Build) -> pd.DataFrame:
    frame = build.frame("select * from marts.fct_sessions")
    numeric = [*ENGAGEMENT, *PRE_INTENT[:2], "amount_usd", "events_per_minute"]
    numeric.append("avg_item_price_usd")
    return _floats(frame, numeric)


def _manifest(build: Build) -> Manifest:
    return load_manifest(Path(build.env["DBT_TARGET_PATH"]) / "manifest.json")


# ----------------------------------------------------------------------------------------------
# The tables and their declaration in dbt
# ----------------------------------------------------------------------------------------------


def test_every_result_table_is_declared_in_the_dbt_source_and_written(analyzed: Build) -> None:
    tables = _manifest(analyzed).analytics_tables()
    assert set(tables) == set(analyze.RESULT_COLUMNS)
    for name, columns in analyze.RESULT_COLUMNS.items():
        declared = tables[name]
        assert declared.description.strip(), name
        assert list(declared.column_descriptions) == list(columns), name
        assert all(text.strip() for text in declared.column_descriptions.values()), name
        in_warehouse = analyzed.frame(
            "select column_name from information_schema.columns "
            f"where table_schema = '{declared.relation.schema}' "
            f"and table_name = '{declared.relation.name}' order by ordinal_position"
        )
        assert in_warehouse["column_name"].tolist() == list(columns), name


def test_tables_carry_the_dbt_descriptions_as_comments(analyzed: Build) -> None:
    declared = _manifest(analyzed).analytics_table(analyze.ASSOCIATION_RULES)
    if analyzed.target == "duckdb":
        sql = (
            "select comment from duckdb_tables() "
            "where schema_name = 'analytics' and table_name = 'association_rules'"
        )
    else:
        sql = "select obj_description('analytics.association_rules'::regclass) as comment"
    comment = analyzed.frame(sql)["comment"].iloc[0]
    assert comment == " ".join(declared.description.split())


# ----------------------------------------------------------------------------------------------
# Association rules
# ----------------------------------------------------------------------------------------------


def test_two_item_rules_equal_the_sql_pair_rules(analyzed: Build) -> None:
    rules = analyzed.frame("select * from analytics.association_rules")
    pairs = analyzed.frame("select * from marts.fct_product_pairs")
    metrics = [
        "support",
        "antecedent_support",
        "consequent_support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
    ]
    rules = _floats(rules, metrics)
    pairs = _floats(pairs, metrics)
    for _, level_rules in rules.groupby("level", sort=False):
        order = level_rules.sort_values(
            ["support", "confidence", "antecedents", "consequents"],
            ascending=[False, False, True, True],
        )
        assert level_rules.index.tolist() == order.index.tolist(), "strongest rules first"
    two_item = rules[rules["n_items"] == 2]
    assert set(two_item["level"]) == {"product", "category"}
    merged = two_item.merge(
        pairs,
        left_on=["level", "antecedents", "consequents"],
        right_on=["level", "antecedent", "consequent"],
        how="left",
        suffixes=("", "_sql"),
        validate="one_to_one",
    )
    assert merged["pair_rule_key"].notna().all(), "a mlxtend rule has no SQL pair"
    for metric in metrics:
        np.testing.assert_allclose(
            merged[metric], merged[f"{metric}_sql"], rtol=1e-9, atol=1e-12, err_msg=metric
        )
    assert (merged["n_rule_baskets"] == merged["n_pair_baskets"]).all()
    assert (merged["n_baskets"] == merged["n_baskets_sql"]).all()
    # and mlxtend misses none of the SQL pairs that pass the thresholds
    qualifying = pairs[
        (pairs["n_pair_baskets"] >= np.ceil(MIN_SUPPORT * pairs["n_baskets"] - 1e-9))
        & (pairs["confidence"] >= MIN_CONFIDENCE)
    ]
    found = _rows(two_item, ["level", "antecedents", "consequents"])
    expected = _rows(qualifying, ["level", "antecedent", "consequent"])
    assert expected == found


def test_planted_pairs_are_the_strongest_product_pairs(analyzed: Build) -> None:
    from customer_behaviour.generate import GeneratorConfig, planted_pairs

    planted = planted_pairs(GeneratorConfig(**SAMPLE_CONFIG))
    rules = analyzed.frame(
        "select * from analytics.association_rules where level = 'product' and n_items = 2"
    )
    rules["lift"] = rules["lift"].astype(float)
    for first, second in planted:
        for antecedent, consequent in ((first, second), (second, first)):
            rule = rules[
                (rules["antecedents"] == antecedent) & (rules["consequents"] == consequent)
            ]
            assert len(rule) == 1, (antecedent, consequent)
            assert rule["lift"].iloc[0] > 5, rule
    strongest = rules.sort_values("n_rule_baskets", ascending=False).head(2 * len(planted))
    pairs = _rows(strongest, ["antecedents", "consequents"])
    assert {tuple(sorted(pair)) for pair in pairs} == set(planted)


def test_diagnostics_agree_with_an_independent_count_of_the_baskets(analyzed: Build) -> None:
    items = analyzed.frame("select order_id, product_id, category from marts.fct_basket_items")
    rules = analyzed.frame("select * from analytics.association_rules")
    diagnostics = analyzed.frame("select * from analytics.association_diagnostics").set_index(
        "level"
    )
    assert set(diagnostics.index) == {"product", "category"}
    for level, column in (("product", "product_id"), ("category", "category")):
        baskets = items.groupby("order_id")[column].agg(frozenset)
        row = diagnostics.loc[level]
        assert row["n_baskets"] == len(baskets)
        assert row["n_multi_item_baskets"] == int((baskets.map(len) >= 2).sum())
        level_rules = rules[rules["level"] == level]
        assert row["n_rules"] == len(level_rules)
        itemsets = [
            frozenset(f"{antecedents} + {consequents}".split(" + "))
            for antecedents, consequents in _rows(level_rules, ["antecedents", "consequents"])
        ]
        covered = [any(itemset <= basket for itemset in itemsets) for basket in baskets]
        assert row["n_covered_baskets"] == sum(covered)
        assert float(row["min_support"]) == MIN_SUPPORT
        assert f"{len(baskets):,} baskets" in row["verdict"]
        assert "single" in row["verdict"]


# ----------------------------------------------------------------------------------------------
# Driver analysis
# ----------------------------------------------------------------------------------------------


def _standardised(frame: pd.DataFrame, terms: list[str] = ENGAGEMENT) -> pd.DataFrame:
    frame = frame.copy()
    for term in terms:
        frame[f"z_{term}"] = (frame[term] - frame[term].mean()) / frame[term].std()
    return frame


def _clusters(frame: pd.DataFrame) -> np.ndarray:
    labels = np.where(
        frame["customer_id"].isna(),
        "session:" + frame["session_id"].astype(str),
        "customer:" + frame["customer_id"].astype(str),
    )
    return pd.factorize(labels)[0]


def _drivers(build: Build, table: str, specification: str = "all_events") -> pd.DataFrame:
    frame = build.frame(f"select * from analytics.{table}")
    return frame[frame["specification"] == specification].set_index("term")


def test_conversion_drivers_recover_the_planted_findings(analyzed: Build) -> None:
    table = _drivers(analyzed, "conversion_drivers")
    events, seconds = table.loc["event_count"], table.loc["session_seconds"]
    assert events["coef"] > 0 and events["p_value"] < 1e-6
    assert events["odds_ratio"] > 1.5
    # time on site adds little once the number of interactions is known
    assert abs(seconds["coef"]) < events["coef"] / 4
    assert seconds["p_value"] > 0.01
    assert table["n_clusters"].iloc[0] < table["n_obs"].iloc[0], "customers repeat"


@pytest.mark.parametrize("specification", list(SPECIFICATIONS))
def test_conversion_drivers_equal_an_independent_formula_fit(
    analyzed: Build, specification: str
) -> None:
    import statsmodels.formula.api as smf

    terms = SPECIFICATIONS[specification]
    sessions = _standardised(_sessions(analyzed).dropna(subset=terms), terms)
    sessions["purchased"] = sessions["did_purchase"].astype(int)
    fitted = smf.logit(
        "purchased ~ "
        + " + ".join(f"z_{term}" for term in terms)
        + " + C(device) + C(traffic_source)",
        data=sessions,
    ).fit(disp=0, cov_type="cluster", cov_kwds={"groups": _clusters(sessions)})
    table = _drivers(analyzed, "conversion_drivers", specification)

    def formula_name(term: str) -> str:
        if term == "intercept":
            return "Intercept"
        if "=" in term:
            column, level = term.split("=", 1)
            return f"C({column})[T.{level}]"
        return f"z_{term}"

    assert len(table) == len(fitted.params)
    for term, row in table.iterrows():
        name = formula_name(str(term))
        assert row["coef"] == pytest.approx(fitted.params[name], rel=1e-5, abs=1e-8), term
        assert row["std_err"] == pytest.approx(fitted.bse[name], rel=1e-5), term
    assert table["pseudo_r_squared"].iloc[0] == pytest.approx(fitted.prsquared, rel=1e-6)
    assert table["n_obs"].iloc[0] == len(sessions)


def _pairwise_auc(outcome: np.ndarray, scores: np.ndarray) -> float:
    """AUC by its definition: over every (buyer, non-buyer) pair, 1 when the buyer scores
    higher, 1/2 on a tie."""
    buyers = np.sort(scores[outcome.astype(bool)])
    others = np.sort(scores[~outcome.astype(bool)])
    below = np.searchsorted(others, buyers, side="left")
    tied = np.searchsorted(others, buyers, side="right") - below
    return float((below + 0.5 * tied).sum() / (len(buyers) * len(others)))


@pytest.mark.parametrize("specification", list(SPECIFICATIONS))
def test_out_of_sample_auc_and_calibration_equal_an_independent_cross_validation(
    analyzed: Build, specification: str
) -> None:
    """Refit each fold with statsmodels' formula API on the same customer folds (part of the
    definition: drivers.customer_folds), then count the AUC pair by pair and cut the deciles
    with pandas."""
    import statsmodels.formula.api as smf

    from customer_behaviour import drivers

    terms = SPECIFICATIONS[specification]
    sessions = _sessions(analyzed).dropna(subset=terms)
    sessions = sessions.sort_values("session_id").reset_index(drop=True)
    sessions["purchased"] = sessions["did_purchase"].astype(int)
    folds = drivers.customer_folds(drivers.cluster_codes(sessions), drivers.CV_FOLDS)
    formula = "purchased ~ " + " + ".join([*terms, "C(device)", "C(traffic_source)"])
    predicted = np.empty(len(sessions))
    for fold in range(drivers.CV_FOLDS):
        held_out = folds == fold
        model = smf.logit(formula, data=sessions[~held_out]).fit(disp=0)
        predicted[held_out] = model.predict(sessions[held_out])
    outcome = sessions["purchased"].to_numpy()
    table = _drivers(analyzed, "conversion_drivers", specification)
    assert table["auc_out_of_sample"].iloc[0] == pytest.approx(
        _pairwise_auc(outcome, predicted), rel=1e-6
    )

    deciles = pd.qcut(pd.Series(predicted).rank(method="first"), 10, labels=False) + 1
    expected = (
        pd.DataFrame({"decile": deciles, "p": predicted, "y": outcome})
        .groupby("decile")
        .agg(n=("y", "size"), buyers=("y", "sum"), mean_p=("p", "mean"), rate=("y", "mean"))
    )
    calibration = analyzed.frame(
        "select * from analytics.conversion_calibration "
        f"where specification = '{specification}' order by decile"
    )
    assert calibration["decile"].tolist() == list(range(1, 11))
    assert calibration["n_sessions"].tolist() == expected["n"].tolist()
    assert calibration["n_purchasing"].tolist() == expected["buyers"].tolist()
    assert np.allclose(calibration["mean_predicted"].astype(float), expected["mean_p"], rtol=1e-5)
    assert np.allclose(calibration["observed_rate"].astype(float), expected["rate"])


def test_the_pre_intent_specification_shows_the_leak_on_the_sample(analyzed: Build) -> None:
    """The sample's generator plants purchase on browsing; the checkout and purchase events
    of buyers inflate event_count on top of it, so the effect per event and the AUC drop
    once only the events before the first add_to_cart count, and stay above chance."""
    leaky = _drivers(analyzed, "conversion_drivers", "all_events")
    clean = _drivers(analyzed, "conversion_drivers", "pre_intent")
    per_event = {
        "all_events": leaky.loc["event_count", "coef"] / leaky.loc["event_count", "raw_std"],
        "pre_intent": clean.loc["pre_intent_event_count", "coef"]
        / clean.loc["pre_intent_event_count", "raw_std"],
    }
    assert per_event["all_events"] > 2 * per_event["pre_intent"] > 0
    auc_leaky, auc_clean = (
        leaky["auc_out_of_sample"].iloc[0],
        clean["auc_out_of_sample"].iloc[0],
    )
    assert auc_leaky > auc_clean + 0.05 and auc_clean > 0.55


def test_engagement_vifs_equal_one_over_one_minus_r_squared(analyzed: Build) -> None:
    sessions = _standardised(_sessions(analyzed).dropna(subset=ENGAGEMENT))
    dummies = pd.get_dummies(sessions[["device", "traffic_source"]], drop_first=True, dtype=float)
    table = _drivers(analyzed, "conversion_drivers")
    for term in ENGAGEMENT:
        others = [f"z_{other}" for other in ENGAGEMENT if other != term]
        design = np.column_stack(
            [np.ones(len(sessions)), sessions[others].to_numpy(), dummies.to_numpy()]
        )
        target = sessions[f"z_{term}"].to_numpy()
        residual = target - design @ np.linalg.lstsq(design, target, rcond=None)[0]
        r_squared = 1 - residual.var() / target.var()
        assert table.loc[term, "vif"] == pytest.approx(1 / (1 - r_squared), rel=1e-6), term
    # event_count and session_seconds are correlated, and the table says so
    assert table.loc["session_seconds", "vif"] > 2
    assert "event_count" in table.loc["session_seconds", "note"]


def test_spend_drivers_recover_the_planted_findings(analyzed: Build) -> None:
    table = _drivers(analyzed, "spend_drivers")
    # at equal engagement, more time goes with lower spend
    assert table.loc["session_seconds", "coef"] < 0
    assert table.loc["session_seconds", "p_value"] < 0.05
    # and more interactions with higher spend
    assert table.loc["event_count", "coef"] > 0 and table.loc["event_count", "p_value"] < 0.05


@pytest.mark.parametrize("specification", list(SPECIFICATIONS))
def test_spend_drivers_equal_an_independent_formula_fit(
    analyzed: Build, specification: str
) -> None:
    import statsmodels.formula.api as smf

    terms = SPECIFICATIONS[specification]
    table = _drivers(analyzed, "spend_drivers", specification)
    sessions = _sessions(analyzed)
    buyers = sessions[sessions["did_purchase"] & (sessions["amount_usd"] > 0)]
    buyers = _standardised(buyers.dropna(subset=terms), terms)
    buyers["log_amount"] = np.log(buyers["amount_usd"])
    fitted = smf.ols("log_amount ~ " + " + ".join(f"z_{term}" for term in terms), data=buyers).fit(
        cov_type="cluster", cov_kwds={"groups": _clusters(buyers)}
    )
    for term in terms:
        assert table.loc[term, "coef"] == pytest.approx(fitted.params[f"z_{term}"], rel=1e-6)
        assert table.loc[term, "std_err"] == pytest.approx(fitted.bse[f"z_{term}"], rel=1e-6)
    assert table["r_squared"].iloc[0] == pytest.approx(fitted.rsquared, rel=1e-6)


# ----------------------------------------------------------------------------------------------
# Purchase styles and experiment sizing
# ----------------------------------------------------------------------------------------------


def test_purchase_styles_differ_in_price_far_more_than_in_browsing(analyzed: Build) -> None:
    table = analyzed.frame("select * from analytics.purchase_style_comparison").set_index("metric")
    assert list(table.index) == [
        "session_seconds",
        "event_count",
        "events_per_minute",
        "avg_item_price_usd",
    ]
    price = table.loc["avg_item_price_usd"]
    assert price["finding"] == "differ" and price["cohens_d"] > 0.8
    assert table.loc["events_per_minute", "finding"] == "alike"
    for metric in ("session_seconds", "event_count", "events_per_minute"):
        assert abs(table.loc[metric, "cohens_d"]) < 0.5, metric

    sessions = _sessions(analyzed)
    for metric, row in table.iterrows():
        cheap = sessions.loc[sessions["purchase_style"] == "cheap_many", metric].dropna()
        expensive = sessions.loc[sessions["purchase_style"] == "expensive_few", metric].dropna()
        assert row["cheap_many_n"] == len(cheap)
        assert row["expensive_few_mean"] == pytest.approx(expensive.mean(), rel=1e-9)
        welch = stats.ttest_ind(expensive, cheap, equal_var=False)
        assert row["welch_p_value"] == pytest.approx(welch.pvalue, rel=1e-6, abs=1e-300)
        mann_whitney = stats.mannwhitneyu(expensive, cheap)
        assert row["mann_whitney_p_value"] == pytest.approx(mann_whitney.pvalue, rel=1e-6)


def test_experiment_sizing_equals_the_closed_form(analyzed: Build) -> None:
    table = analyzed.frame("select * from analytics.experiment_sizing").sort_values("relative_lift")
    assert table["relative_lift"].tolist() == pytest.approx([0.02, 0.05, 0.10])
    sessions = analyzed.frame("select did_purchase from marts.fct_sessions")
    baseline = sessions["did_purchase"].astype(bool).mean()
    z = stats.norm.ppf(1 - 0.05 / 2) + stats.norm.ppf(0.8)
    for row in table.itertuples():
        target = baseline * (1 + row.relative_lift)
        h = 2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline))
        assert row.baseline_conversion == pytest.approx(baseline, rel=1e-12)
        # the variance of 2 asin(sqrt(p)) is 1/n per arm, 2/n for the difference
        # (statsmodels solves for n numerically: allow one session of rounding)
        assert abs(row.sessions_per_arm - math.ceil(2 * (z / h) ** 2)) <= 1
        # and the textbook formula on the proportions themselves agrees within 1 %
        variance = baseline * (1 - baseline) + target * (1 - target)
        textbook = z**2 * variance / (target - baseline) ** 2
        assert row.sessions_per_arm == pytest.approx(textbook, rel=0.01)
    assert table["sessions_per_arm"].is_monotonic_decreasing


def test_path_removal_effects_cover_every_step(analyzed: Build) -> None:
    transitions = analyzed.frame("select from_step, to_step from marts.fct_path_transitions")
    steps = set(transitions["from_step"]) | set(transitions["to_step"])
    steps -= {"(start)", "(conversion)", "(exit)"}
    effects = analyzed.frame("select * from analytics.path_removal_effects")
    assert set(effects["step"]) == steps
    assert effects["removal_effect"].astype(float).between(0, 1).all()


# ----------------------------------------------------------------------------------------------
# Funnel comparisons
# ----------------------------------------------------------------------------------------------


def _wilson(successes: int, trials: int, z: float) -> tuple[float, float]:
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2))
    return centre - half, centre + half


def _holm(p_values: np.ndarray) -> np.ndarray:
    order = np.argsort(p_values)
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def test_funnel_segment_comparison_equals_plain_formulas(analyzed: Build) -> None:
    table = _floats(
        analyzed.frame("select * from analytics.funnel_segment_comparison"),
        ["p_value", "p_value_adjusted", "difference_low", "difference_high"],
    ).set_index(["segment_type", "segment_value", "step_number"])
    funnel = analyzed.frame("select * from marts.fct_funnel")
    funnel = funnel[funnel["segment_type"] != "overall"]
    assert len(table) == len(funnel) > 0
    z95 = stats.norm.ppf(0.975)
    expected_p = {}
    for (segment_type, step), part in funnel.groupby(["segment_type", "step_number"]):
        previous = funnel[
            (funnel["segment_type"] == segment_type) & (funnel["step_number"] == step - 1)
        ].set_index("segment_value")["sessions"]
        for row in part.itertuples():
            entered = int(row.segment_sessions if step == 1 else previous[row.segment_value])
            converted = int(row.sessions)
            rest_entered = int(
                (part["segment_sessions"].sum() if step == 1 else previous.sum()) - entered
            )
            rest_converted = int(part["sessions"].sum()) - converted
            got = table.loc[(segment_type, row.segment_value, step)]
            assert (got["segment_entered"], got["segment_converted"]) == (entered, converted)
            assert (got["rest_entered"], got["rest_converted"]) == (rest_entered, rest_converted)
            if min(entered, rest_entered) == 0:
                continue
            p1, p0 = converted / entered, rest_converted / rest_entered
            assert got["difference"] == pytest.approx(p1 - p0, abs=1e-12)
            # Newcombe's hybrid score interval from the two Wilson intervals
            l1, u1 = _wilson(converted, entered, z95)
            l0, u0 = _wilson(rest_converted, rest_entered, z95)
            low = p1 - p0 - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
            high = p1 - p0 + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
            assert got["difference_low"] == pytest.approx(low, abs=1e-9)
            assert got["difference_high"] == pytest.approx(high, abs=1e-9)
            pooled = (converted + rest_converted) / (entered + rest_entered)
            if 0 < pooled < 1:
                se = math.sqrt(pooled * (1 - pooled) * (1 / entered + 1 / rest_entered))
                expected_p[(segment_type, row.segment_value, step)] = 2 * stats.norm.sf(
                    abs(p1 - p0) / se
                )
            # minimum detectable difference on the arcsine scale, closed form
            h = (z95 + stats.norm.ppf(0.8)) * math.sqrt(1 / entered + 1 / rest_entered)
            angle = math.asin(math.sqrt(p0)) + h / 2
            detectable = 1.0 if angle >= math.pi / 2 else math.sin(angle) ** 2
            assert got["minimum_detectable_difference"] == pytest.approx(detectable - p0, rel=1e-3)
    keys = list(expected_p)
    p_values = np.array([expected_p[key] for key in keys])
    for key, p_value, adjusted in zip(keys, p_values, _holm(p_values), strict=True):
        assert table.loc[key, "p_value"] == pytest.approx(p_value, rel=1e-9)
        assert table.loc[key, "p_value_adjusted"] == pytest.approx(adjusted, rel=1e-9)
        assert bool(table.loc[key, "is_significant"]) == (adjusted < 0.05)


def test_funnel_period_change_splits_into_mix_and_rate(analyzed: Build) -> None:
    table = _floats(
        analyzed.frame("select * from analytics.funnel_period_change"),
        ["previous_completion", "current_completion", "mix_effect", "rate_effect", "p_value"],
    )
    periods = analyzed.frame("select * from marts.fct_funnel_periods")
    last = periods[periods["step_number"] == periods["step_number"].max()]
    counts = last.pivot_table(
        index=["segment_type", "segment_value"],
        columns="period",
        values=["segment_sessions", "sessions"],
        aggfunc="sum",
    )
    overall = counts.loc[("overall", "all")]
    n0, n1 = overall[("segment_sessions", "previous")], overall[("segment_sessions", "current")]
    c0, c1 = overall[("sessions", "previous")], overall[("sessions", "current")]
    change = c1 / n1 - c0 / n0
    pooled = (c0 + c1) / (n0 + n1)
    p_value = 2 * stats.norm.sf(abs(change) / math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1)))
    totals = table[table["segment_value"] == "(total)"].set_index("segment_type")
    assert set(totals.index) == {"overall", *periods["segment_type"].unique()}
    for segment_type, total in totals.iterrows():
        assert total["completion_change"] == pytest.approx(change, abs=1e-12)
        assert total["mix_effect"] + total["rate_effect"] == pytest.approx(change, abs=1e-12)
        assert total["p_value"] == pytest.approx(p_value, rel=1e-9)
        if segment_type == "overall":
            assert total["mix_effect"] == 0
            continue
        rows = table[
            (table["segment_type"] == segment_type) & (table["segment_value"] != "(total)")
        ]
        assert rows["mix_effect"].sum() == pytest.approx(total["mix_effect"], abs=1e-12)
        for row in rows.itertuples():
            part = counts.loc[(segment_type, row.segment_value)]
            s0, s1 = part[("segment_sessions", "previous")], part[("segment_sessions", "current")]
            r0 = part[("sessions", "previous")] / s0 if s0 else None
            r1 = part[("sessions", "current")] / s1 if s1 else None
            r0, r1 = (r1 if r0 is None else r0), (r0 if r1 is None else r1)
            w0, w1 = s0 / n0, s1 / n1
            assert row.mix_effect == pytest.approx((w1 - w0) * (r0 + r1) / 2, abs=1e-12)
            assert row.rate_effect == pytest.approx((r1 - r0) * (w0 + w1) / 2, abs=1e-12)


# ----------------------------------------------------------------------------------------------
# The driver sample (customer_behaviour__driver_max_sessions)
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def warehouse(build: Build, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """A connection to the build's warehouse, as `analyze` opens it."""
    for name, value in build.env.items():
        monkeypatch.setenv(name, value)
    with connect(load_target(build.target)) as opened:
        yield opened


def _md5_sample(sessions: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """The sample's rule in Python (hashlib): keep a session when the first 8 hex digits of the
    MD5 of '0:' + customer_id (or '1:' + session_id when anonymous) lie below fraction * 16^8."""
    threshold = int(fraction * 16**8)
    keys = np.where(
        sessions["customer_id"].notna(),
        "0:" + sessions["customer_id"].astype(str),
        "1:" + sessions["session_id"].astype(str),
    )
    digits = [int(hashlib.md5(key.encode()).hexdigest()[:8], 16) for key in keys]
    return sessions[np.array(digits) < threshold]


def test_a_key_sample_keeps_the_rows_hashlib_keeps_and_whole_customers(
    build: Build, warehouse: Warehouse
) -> None:
    relation = _manifest(build).model(analyze.SESSIONS_MODEL)
    columns = ["session_id", "customer_id"]
    everything = warehouse.read(relation, columns)
    kept = warehouse.read(relation, columns, KeySample(analyze.DRIVER_SAMPLE_KEY, 0.3))
    expected = _md5_sample(everything, 0.3)
    assert sorted(kept["session_id"]) == sorted(expected["session_id"])
    assert 0.25 < len(kept) / len(everything) < 0.35
    customers = set(kept["customer_id"].dropna())
    whole = everything[everything["customer_id"].isin(customers)]
    assert set(whole["session_id"]) <= set(kept["session_id"])
    assert kept["customer_id"].isna().any() and kept["customer_id"].notna().any()


def test_beyond_the_cap_the_drivers_fit_the_sample_and_the_rest_reads_everything(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = _sessions(build)  # before analyze's own connection: DuckDB allows one kind
    cap = 2_500
    original = Manifest.exposure

    def capped(self: Manifest, name: str) -> Exposure:
        exposure = original(self, name)
        return replace(exposure, meta={**exposure.meta, analyze.DRIVER_SAMPLE_VARIABLE: str(cap)})

    monkeypatch.setattr(Manifest, "exposure", capped)
    for name, value in build.env.items():
        monkeypatch.setenv(name, value)
    with connect(load_target(build.target)) as warehouse:
        frames = analyze._read_sessions(warehouse, _manifest(build))  # noqa: SLF001
    assert frames.total == len(sessions)
    expected = _md5_sample(sessions, cap / len(sessions))
    assert sorted(frames.drivers["session_id"]) == sorted(expected["session_id"])
    assert 0.8 * cap < len(frames.drivers) < 1.2 * cap
    fitted = drivers.conversion_drivers(frames.drivers).frame
    independent = drivers.conversion_drivers(expected[list(drivers.SESSION_COLUMNS)]).frame
    pd.testing.assert_frame_equal(fitted, independent, check_exact=False, rtol=1e-6)
    assert (fitted["n_obs"] < 0.9 * len(sessions)).all()
    styled = sessions[sessions["purchase_style"].isin(["cheap_many", "expensive_few"])]
    assert len(frames.styles) == len(styled) > 0
    assert len(frames.experiment) == len(sessions)
    assert analyze._sample_message(frames).startswith(  # noqa: SLF001
        f"driver models on a seeded sample of whole customers: {len(expected):,} of "
        f"{len(sessions):,} sessions"
    )
