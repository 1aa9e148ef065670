"""Insights, recommendations and next steps as functions of typed findings, and the parts of the
report's data access that need no warehouse: checked on hand-made findings and small frames
whose expected numbers are worked out here (no build needed)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from customer_behaviour.errors import UserError
from customer_behaviour.manifest import load_manifest
from customer_behaviour.report.findings import (
    ConversionDrivers,
    DriverTerm,
    Experiment,
    Findings,
    OwnStatistics,
    Period,
    Repeat,
    SegmentLeak,
)
from customer_behaviour.report.sections import features, insights, next_steps, recommendations
from customer_behaviour.report.stats import Certainty, rate_table, wilson_interval

SURE = Certainty("high", "Far beyond sampling noise (p < 0.001).")
UNSURE = Certainty("low", "Within sampling noise (p = 0.400).")
EXPERIMENT = Experiment(
    lift=0.05,
    baseline=0.12,
    target=0.126,
    per_arm=47_000,
    days=42.4,
    per_day=2_200,
    feasible=True,
)


def _term(coef: float, low: float, high: float, p: float) -> DriverTerm:
    return DriverTerm(coef=coef, ci_low=low, ci_high=high, p_value=p)


def _leak(gap: float, certainty: Certainty) -> SegmentLeak:
    return SegmentLeak(
        segment_type="device",
        segment_value="mobile",
        transition="checkout → purchase",
        drop_off=0.45 + gap,
        overall_drop_off=0.45,
        rest_drop_off=0.40,
        gap=gap,
        excess=1_031 * gap,
        previous=1_031,
        certainty=certainty,
    )


# ----------------------------------------------------------------------------------------------
# Findings travel as one bundle, whatever order the sections ran in
# ----------------------------------------------------------------------------------------------


def test_findings_combine_in_any_order_and_refuse_a_finding_twice() -> None:
    parts = [Findings(period=Period(90)), Findings(experiment=EXPERIMENT), Findings()]
    assert Findings.combine(parts) == Findings.combine(reversed(parts))
    assert Findings.combine(parts) == Findings(period=Period(90), experiment=EXPERIMENT)
    with pytest.raises(ValueError, match="period"):
        Findings.combine([Findings(period=Period(90)), Findings(period=Period(30))])


# ----------------------------------------------------------------------------------------------
# Insights and recommendations
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "seconds", "headline"),
    [
        (
            _term(0.9, 0.7, 1.1, 1e-9),
            _term(0.05, -0.1, 0.2, 0.5),
            "Sessions convert because they interact, not because they last longer.",
        ),
        (
            _term(0.9, 0.7, 1.1, 1e-9),
            _term(0.3, 0.1, 0.5, 0.001),
            "More interaction goes with more purchases.",
        ),
        (
            _term(0.1, -0.1, 0.3, 0.3),
            None,
            "The number of events does not clearly predict purchase.",
        ),
    ],
)
def test_the_drivers_insight_says_what_the_estimates_support(
    events: DriverTerm, seconds: DriverTerm | None, headline: str
) -> None:
    insight = insights.drivers(Findings(drivers=ConversionDrivers(events, seconds)))
    assert insight is not None and insight.headline == headline
    assert f"multiplied by {math.exp(events.coef):.2f} (95% CI {math.exp(events.ci_low):.2f}" in (
        insight.evidence
    )
    assert ("time on site" in insight.evidence) == (seconds is not None)


def test_interaction_is_recommended_with_the_experiment_only_when_it_drives_purchase() -> None:
    engaged = ConversionDrivers(_term(0.9, 0.7, 1.1, 1e-9), _term(0.0, -0.1, 0.1, 0.9))
    flat = ConversionDrivers(_term(0.1, -0.1, 0.3, 0.3), None)
    card = recommendations.interaction(Findings(drivers=engaged, experiment=EXPERIMENT))
    assert card is not None and card.key == "recommend-interaction"
    assert "and time on site does not" in card.reason
    assert card.action == "Design for interaction density, not time on site."
    timed = replace(engaged, seconds=_term(0.2, 0.1, 0.3, 1e-4))
    timed_card = recommendations.interaction(Findings(drivers=timed))
    assert timed_card is not None and timed_card.action == "Design for interaction density."
    assert "time on site" not in timed_card.reason
    assert "needs 47,000 sessions per arm, about 42 days at the observed 2,200" in card.reason
    assert card.certainty == engaged.certainty
    fallback = recommendations.interaction(Findings(drivers=flat, experiment=EXPERIMENT))
    assert fallback is not None and fallback.key == "recommend-experiment"
    assert recommendations.interaction(Findings(drivers=flat)) is None


def test_a_segment_leak_is_acted_on_only_when_it_exceeds_the_rest_beyond_noise() -> None:
    sure = Findings(segment_leak=_leak(0.17, SURE), period=Period(90))
    card = recommendations.segment_leak(sure)
    assert card is not None
    assert card.action == "Fix checkout → purchase for device mobile first."
    assert f"about {round(1_031 * 0.17):,} more of its sessions" in card.reason
    assert "over the 90 days" in card.reason
    assert insights.segment_leak(sure) is not None
    unsure = replace(sure, segment_leak=_leak(0.17, UNSURE))
    assert recommendations.segment_leak(unsure) is None
    assert insights.segment_leak(unsure) is not None
    smaller = replace(sure, segment_leak=_leak(-0.01, SURE))
    assert recommendations.segment_leak(smaller) is None and insights.segment_leak(smaller) is None


def test_nothing_found_gives_no_cards_and_says_so() -> None:
    assert insights.insights(Findings()) == ()
    assert recommendations.recommendations(Findings()) == ()
    assert insights.insight_cards(Findings()).notices == (insights.NO_INSIGHT,)
    assert recommendations.recommendation_cards(Findings()).notices == (
        recommendations.NO_RECOMMENDATION,
    )
    assert next_steps.next_steps(Findings()) == (next_steps.OWN_STATISTICS, *next_steps.ALWAYS)


def test_next_steps_follow_the_experiment_and_the_repeat_cohort() -> None:
    found = Findings(experiment=EXPERIMENT, repeat=Repeat(pd.Timestamp("2024-03-01"), 0.081))
    steps = next_steps.next_steps(found)
    assert steps[0].startswith("Run the experiment proposed above for at least 42 days")
    assert "the Mar 2024 cohort stands at 8.1% only" in steps[1]
    assert steps[2:] == (next_steps.OWN_STATISTICS, *next_steps.ALWAYS)


@pytest.mark.parametrize(("made_up", "asked"), [(True, True), (False, False)])
def test_next_steps_ask_for_real_statistics_until_they_are_joined(
    made_up: bool, asked: bool
) -> None:
    found = Findings(own_statistics=OwnStatistics(("income",), 3, made_up=made_up))
    assert (next_steps.OWN_STATISTICS in next_steps.next_steps(found)) is asked


# ----------------------------------------------------------------------------------------------
# Segment rates (also with no session at all)
# ----------------------------------------------------------------------------------------------


def _sessions() -> pd.DataFrame:
    # desktop 40 sessions, 10 buy; mobile 50, 5 buy; tablet 10, 5 buy (too small to single out)
    rows = (
        [("desktop", True)] * 10
        + [("desktop", False)] * 30
        + [("mobile", True)] * 5
        + [("mobile", False)] * 45
        + [("tablet", True)] * 5
        + [("tablet", False)] * 5
    )
    return pd.DataFrame(rows, columns=["device", "did_purchase"])


def test_the_worst_segment_is_the_lowest_rate_among_big_enough_segments() -> None:
    sessions = _sessions()
    rates = insights.segment_rates(sessions, ["device"])
    by_value = rates.set_index("segment_value")
    assert by_value.loc["mobile", ["k", "n"]].tolist() == [5, 50]
    assert by_value.loc["mobile", "rate"] == pytest.approx(0.1)
    assert (by_value.loc["mobile", "low"], by_value.loc["mobile", "high"]) == pytest.approx(
        wilson_interval(5, 50)
    )
    worst = insights.worst_segment(rates, sessions)
    assert worst is not None and (worst.segment_value, worst.n) == ("mobile", 50)
    assert worst.rest == pytest.approx(15 / 50)
    assert "2 comparisons" in worst.certainty.text


def test_no_session_gives_no_segment_and_no_error() -> None:
    empty = _sessions().iloc[0:0]
    rates = insights.segment_rates(empty, ["device"])
    assert rates.empty and {"rate", "low", "high"} <= set(rates.columns)
    assert insights.worst_segment(rates, empty) is None
    assert rate_table(pd.DataFrame({"k": [], "n": []}), "k", "n").empty


# ----------------------------------------------------------------------------------------------
# The exposure in the manifest
# ----------------------------------------------------------------------------------------------


def _manifest(tmp_path: Path, meta: dict) -> Path:
    exposure = {
        "name": "insight_report",
        "resource_type": "exposure",
        "refs": [{"name": "fct_sessions", "package": None, "version": None}],
        "sources": [["analytics", "conversion_drivers"]],
        "meta": {},
        "config": {"meta": meta},
    }
    path = tmp_path / "manifest.json"
    document = {"nodes": {}, "sources": {}, "exposures": {"e": exposure}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_exposure_gives_its_reads_and_the_rendered_variable(tmp_path: Path) -> None:
    meta = {"customer_behaviour__funnel_segments": ["device", "channel_group"]}
    exposure = load_manifest(_manifest(tmp_path, meta)).exposure("insight_report")
    assert exposure.models == ("fct_sessions",)
    assert exposure.source_tables("analytics") == ("conversion_drivers",)
    assert exposure.meta_names("customer_behaviour__funnel_segments") == (
        "device",
        "channel_group",
    )


@pytest.mark.parametrize(
    "meta", [{}, {"customer_behaviour__funnel_segments": "['device']"}, {"x": ["device"]}]
)
def test_an_older_manifest_without_the_variable_is_one_clear_error(
    tmp_path: Path, meta: dict
) -> None:
    exposure = load_manifest(_manifest(tmp_path, meta)).exposure("insight_report")
    with pytest.raises(UserError, match="customer_behaviour__funnel_segments.*make run"):
        exposure.meta_names("customer_behaviour__funnel_segments")
    with pytest.raises(UserError, match="exposure other is not in"):
        load_manifest(_manifest(tmp_path, meta)).exposure("other")


def _driver_row(coef: float, raw_std: float, p: float) -> pd.Series:
    return pd.Series(
        {
            "coef": coef,
            "ci_low": coef - 0.1,
            "ci_high": coef + 0.1,
            "p_value": p,
            "raw_std": raw_std,
        }
    )


@pytest.mark.parametrize(
    ("leaky_coef", "leaky_p", "clean_coef", "clean_p", "outcome"),
    [
        (1.0, 1e-9, 0.2, 0.001, "survives"),
        (1.0, 1e-9, -0.3, 0.001, "reverses"),
        (1.0, 1e-9, 0.05, 0.4, "vanishes"),
        (0.02, 0.6, 0.2, 1e-6, "appears"),
        (0.02, 0.6, 0.01, 0.7, "absent"),
    ],
)
def test_a_driver_finding_survives_only_when_the_pre_intent_term_is_clear_and_alike(
    leaky_coef: float, leaky_p: float, clean_coef: float, clean_p: float, outcome: str
) -> None:
    leaky, clean = _driver_row(leaky_coef, 5.0, leaky_p), _driver_row(clean_coef, 3.0, clean_p)
    assert features.survival(leaky, clean) == outcome


def _specification_rows(
    events: tuple[float, float, float],
    seconds: tuple[float, float, float],
    names: tuple[str, str],
    auc: float,
) -> pd.DataFrame:
    rows = [
        {
            "term": name,
            "coef": coef,
            "raw_std": std,
            "p_value": p,
            "ci_low": coef - 0.05,
            "ci_high": coef + 0.05,
            "auc_out_of_sample": auc,
        }
        for name, (coef, std, p) in zip(names, (events, seconds), strict=True)
    ]
    return pd.DataFrame(rows).set_index("term")


def test_the_leakage_paragraph_states_what_the_two_fits_say() -> None:
    leaky = _specification_rows(
        (1.0, 5.0, 1e-9), (0.0, 200.0, 0.9), ("event_count", "session_seconds"), 0.83
    )
    clean = _specification_rows(
        (0.12, 3.0, 0.004),
        (0.19, 140.0, 1e-5),
        ("pre_intent_event_count", "pre_intent_seconds"),
        0.63,
    )
    text = features._leakage_paragraph(leaky, clean).text
    per_event = (math.exp(1.0 / 5.0), math.exp(0.12 / 3.0))
    assert f"one event more multiplies the odds of purchase by {per_event[0]:.3f}" in text
    assert f"by {per_event[1]:.3f} counting only what happens before intent" in text
    share = (0.12 / 3.0) / (1.0 / 5.0)
    assert f"the events finding survives, with {share * 100:.0f}% of its effect per event" in text
    per_minute = math.exp(0.19 / 140.0 * 60)
    assert f"by {per_minute:.3f} counting only" in text
    assert "the whole-session model hid an effect of the time before intent" in text
    assert "AUC is 0.830 with the whole session and 0.630 before intent" in text
    assert "ranks 20.0 points more" in text

    vanished = _specification_rows(
        (0.01, 3.0, 0.8),
        (0.0, 140.0, 0.9),
        ("pre_intent_event_count", "pre_intent_seconds"),
        0.5,
    )
    text = features._leakage_paragraph(leaky, vanished).text
    assert "the events finding does not survive: it was the purchase itself" in text
    assert "neither model finds a clear effect of the time" in text


def test_the_drivers_insight_says_when_it_counts_only_pre_intent_engagement() -> None:
    found = ConversionDrivers(_term(0.12, 0.04, 0.2, 0.004), None, "pre_intent")
    insight = insights.drivers(Findings(drivers=found))
    assert insight is not None and "before a session's first event of funnel step 2" in (
        insight.evidence
    )
    whole = insights.drivers(Findings(drivers=replace(found, specification="all_events")))
    assert whole is not None and "funnel step 2" not in whole.evidence
