"""The driver analysis on synthetic sessions, no database: the two specifications side by side,
the out-of-sample AUC and the calibration table against independent computations (a pairwise
count of buyer/non-buyer pairs, statsmodels' formula API on the same customer folds, pandas'
qcut). test_analyze.py checks the same on the built sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_behaviour import drivers


def _pairwise_auc(outcome: np.ndarray, scores: np.ndarray) -> float:
    """AUC by its definition: over every (buyer, non-buyer) pair, 1 when the buyer scores
    higher, 1/2 on a tie."""
    buyers = scores[outcome.astype(bool)][:, None]
    others = scores[~outcome.astype(bool)][None, :]
    return float(((buyers > others) + 0.5 * (buyers == others)).mean())


def _leaky_sessions(n: int = 4_000, seed: int = 7) -> pd.DataFrame:
    """Purchase depends a little on pre-intent browsing; every purchasing session then adds
    its checkout and purchase events (and time) to event_count and session_seconds, the
    leakage the pre_intent specification removes."""
    rng = np.random.default_rng(seed)
    browse = rng.poisson(4, n)
    browse_seconds = rng.integers(10, 300, n)
    purchased = rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 0.25 * browse)))
    # buyers check out; some others start to and abandon
    checkout = np.where(purchased, 1 + rng.poisson(2, n), rng.poisson(0.4, n))
    customers = np.array([f"c{i % 900}" if i % 4 else None for i in range(n)], dtype=object)
    return pd.DataFrame(
        {
            "session_id": [f"s{i:05d}" for i in range(n)],
            "customer_id": customers,
            "did_purchase": purchased,
            "amount_usd": np.where(purchased, rng.lognormal(4, 0.5, n), 0.0),
            "event_count": browse + checkout + 1,
            "session_seconds": browse_seconds + checkout * rng.integers(5, 90, n),
            "first_event_delay_seconds": rng.integers(0, 30, n),
            "pre_intent_event_count": browse + 1,
            "pre_intent_seconds": browse_seconds,
            "device": rng.choice(["desktop", "mobile", "tablet"], n),
            "traffic_source": rng.choice(["direct", "email", "paid"], n),
        }
    )


@pytest.fixture(scope="module")
def leaky() -> pd.DataFrame:
    return _leaky_sessions()


@pytest.fixture(scope="module")
def fitted(leaky: pd.DataFrame) -> drivers.DriverResult:
    return drivers.conversion_drivers(leaky)


def test_auc_equals_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(3)
    outcome = rng.random(400) < 0.3
    scores = np.round(rng.random(400) + 0.3 * outcome, 1)  # many ties
    assert drivers.auc(outcome, scores) == pytest.approx(_pairwise_auc(outcome, scores), 1e-12)
    assert np.isnan(drivers.auc(np.zeros(5, dtype=bool), np.arange(5.0)))


def test_folds_hold_whole_customers_are_balanced_and_seeded() -> None:
    groups = drivers.cluster_codes(_leaky_sessions(500))
    folds = drivers.customer_folds(groups, 5)
    per_cluster = pd.DataFrame({"group": groups, "fold": folds}).groupby("group")["fold"]
    assert (per_cluster.nunique() == 1).all(), "a customer's sessions split across folds"
    clusters_per_fold = per_cluster.first().value_counts()
    assert clusters_per_fold.max() - clusters_per_fold.min() <= 1
    assert (drivers.customer_folds(groups, 5) == folds).all()


def test_both_specifications_side_by_side_and_the_leak_shows(
    fitted: drivers.DriverResult,
) -> None:
    frame = fitted.frame.set_index(["specification", "term"])
    assert list(fitted.frame["specification"].unique()) == ["all_events", "pre_intent"]
    leaky_events = frame.loc[("all_events", "event_count")]
    clean_events = frame.loc[("pre_intent", "pre_intent_event_count")]
    # The planted effect is 0.25 on the log-odds per browsing event; pre_intent recovers it,
    # all_events adds the checkout events of the buyers to it.
    per_event = clean_events["coef"] / clean_events["raw_std"]
    assert per_event == pytest.approx(0.25, abs=0.08)
    assert leaky_events["coef"] > 2 * clean_events["coef"]
    auc = fitted.frame.groupby("specification")["auc_out_of_sample"].first()
    assert auc["all_events"] > auc["pre_intent"] + 0.1
    assert auc["pre_intent"] > 0.6


def test_out_of_sample_auc_and_calibration_equal_an_independent_fit(
    leaky: pd.DataFrame, fitted: drivers.DriverResult
) -> None:
    import statsmodels.formula.api as smf

    for spec in drivers.SPECIFICATIONS:
        sessions = leaky.sort_values("session_id").reset_index(drop=True)
        for term in spec.terms:
            sessions[f"z_{term}"] = sessions[term]  # a logit's predictions ignore the scale
        sessions["purchased"] = sessions["did_purchase"].astype(int)
        # The folds are part of the definition (seeded, by customer), not under test here.
        folds = drivers.customer_folds(drivers.cluster_codes(sessions), drivers.CV_FOLDS)
        formula = "purchased ~ " + " + ".join(
            [f"z_{term}" for term in spec.terms] + ["C(device)", "C(traffic_source)"]
        )
        predicted = np.empty(len(sessions))
        for fold in range(drivers.CV_FOLDS):
            train = sessions[folds != fold]
            model = smf.logit(formula, data=train).fit(disp=0)
            predicted[folds == fold] = model.predict(sessions[folds == fold])
        outcome = sessions["purchased"].to_numpy()
        rows = fitted.frame[fitted.frame["specification"] == spec.name]
        assert rows["auc_out_of_sample"].iloc[0] == pytest.approx(
            _pairwise_auc(outcome, predicted), rel=1e-6
        ), spec.name
        assert rows["cv_folds"].iloc[0] == drivers.CV_FOLDS

        deciles = pd.qcut(pd.Series(predicted).rank(method="first"), 10, labels=False) + 1
        expected = (
            pd.DataFrame({"decile": deciles, "p": predicted, "y": outcome})
            .groupby("decile")
            .agg(n=("y", "size"), buyers=("y", "sum"), mean_p=("p", "mean"), rate=("y", "mean"))
        )
        table = fitted.calibration[fitted.calibration["specification"] == spec.name]
        table = table.set_index("decile")
        assert list(table.index) == list(range(1, 11))
        assert table["n_sessions"].tolist() == expected["n"].tolist()
        assert table["n_purchasing"].tolist() == expected["buyers"].tolist()
        assert np.allclose(table["mean_predicted"], expected["mean_p"], rtol=1e-6)
        assert np.allclose(table["observed_rate"], expected["rate"])
        assert table["n_sessions"].sum() == len(sessions)


def test_the_row_order_of_the_sessions_does_not_change_the_results(
    leaky: pd.DataFrame, fitted: drivers.DriverResult
) -> None:
    shuffled = drivers.conversion_drivers(leaky.sample(frac=1, random_state=5))
    pd.testing.assert_frame_equal(shuffled.frame, fitted.frame, rtol=1e-6)
    assert shuffled.calibration is not None and fitted.calibration is not None
    pd.testing.assert_frame_equal(shuffled.calibration, fitted.calibration, rtol=1e-6)


def test_spend_runs_on_both_specifications(leaky: pd.DataFrame) -> None:
    spend = drivers.spend_drivers(leaky)
    terms = set(zip(spend.frame["specification"], spend.frame["term"], strict=True))
    for spec in drivers.SPECIFICATIONS:
        assert {(spec.name, term) for term in ("intercept", *spec.terms)} <= terms


def test_fewer_than_ten_sessions_give_fewer_bins() -> None:
    table = drivers.calibration_table("x", np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8]))
    assert table["decile"].tolist() == [1, 2, 3, 4]
    assert table["observed_rate"].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_vifs_equal_statsmodels_regression_per_term(leaky: pd.DataFrame) -> None:
    """The one-pass VIFs (inverse correlation matrix) against statsmodels'
    variance_inflation_factor, which regresses each term on all the other columns."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    design = drivers.design_matrix(leaky, drivers.ALL_EVENTS.terms, drivers.CATEGORICAL_TERMS)
    values, names = design.exog.to_numpy(dtype=float), list(design.exog.columns)
    expected = {
        term: variance_inflation_factor(values, names.index(term)) for term in design.raw_mean
    }
    assert drivers.engagement_vifs(design) == pytest.approx(expected, rel=1e-9)
    assert max(expected.values()) > 1.05  # the leaky terms are correlated: not all 1


def test_vif_of_a_term_the_others_explain_exactly_is_infinite(leaky: pd.DataFrame) -> None:
    frame = leaky.assign(session_seconds=leaky["event_count"] * 3.0 + 1.0)
    design = drivers.design_matrix(frame, drivers.ALL_EVENTS.terms, ())
    vifs = drivers.engagement_vifs(design)
    assert vifs["event_count"] > 1e8 or vifs["event_count"] == float("inf")


def test_row_order_does_not_change_the_models(leaky: pd.DataFrame) -> None:
    shuffled = leaky.sample(frac=1.0, random_state=3)
    first, second = drivers.conversion_drivers(leaky), drivers.conversion_drivers(shuffled)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    pd.testing.assert_frame_equal(first.calibration, second.calibration)
