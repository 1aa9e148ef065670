"""Driver analysis in two stages (statsmodels): who purchases, and who spends more.

Stage 1 (conversion): logistic regression of ``did_purchase`` on three standardised
engagement terms plus device and traffic-source dummies, over the sessions that have at least
one event (the delay is undefined otherwise). Stage 2 (spend): OLS of ``log(amount_usd)`` on
the same standardised engagement terms, over purchasing sessions with a positive amount.

Both stages run on two specifications of engagement (:data:`SPECIFICATIONS`), side by side in
the same tables (column ``specification``): ``all_events`` (``event_count``,
``session_seconds``), which count the checkout and purchase events of the very sessions that
purchase, so part of their effect on purchase is true by construction (target leakage); and
``pre_intent`` (``pre_intent_event_count``, ``pre_intent_seconds``: the engagement before the
session's first event of funnel step 2, dbt doc block ``pre_intent``). Both keep
``first_event_delay_seconds``, which is over before any event.

The conversion model is also judged out of sample: 5-fold cross-validation with the folds
drawn by customer (a customer's sessions, which are not independent, are never split between
fitting and testing; seeded, so a rerun gives the same folds). The out-of-fold predicted
probabilities give the AUC (the Mann-Whitney U of buyers' against non-buyers' predictions over
their product, from scipy: scikit-learn is not a dependency of the project) and the
calibration table (deciles of predicted probability: mean predicted against observed rate).

Standard errors are cluster-robust by customer, because a customer's sessions are not
independent; every anonymous session is a cluster of its own. Coefficients of engagement
terms are per standard deviation of the term (``raw_std``, in the term's own unit). The
variance inflation factor of each engagement term is reported, and a note says when the
terms are correlated enough to read their coefficients jointly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customer_behaviour.warehouse import Columns, conform, empty_frame


@dataclass(frozen=True)
class Specification:
    """One choice of engagement terms: the events term, the time term and the delay term."""

    name: str
    events: str
    seconds: str
    delay: str = "first_event_delay_seconds"

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.events, self.seconds, self.delay)


ALL_EVENTS = Specification("all_events", "event_count", "session_seconds")
PRE_INTENT = Specification("pre_intent", "pre_intent_event_count", "pre_intent_seconds")
SPECIFICATIONS = (ALL_EVENTS, PRE_INTENT)
"""The specifications every model runs on, in table order."""
ENGAGEMENT_TERMS = ALL_EVENTS.terms
CATEGORICAL_TERMS = ("device", "traffic_source")
SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "did_purchase",
    "amount_usd",
    *dict.fromkeys(term for spec in SPECIFICATIONS for term in spec.terms),
    *CATEGORICAL_TERMS,
)
CV_FOLDS = 5
CV_SEED = 20240301
"""Seed of the customer-to-fold draw: the same folds on every run over the same sessions."""
CALIBRATION_BINS = 10
CONVERSION_MODEL = "conversion_logit"
SPEND_MODEL = "spend_ols_log_amount"
VIF_NOTE_THRESHOLD = 2.0
"""From here a term's standard error is at least ~1.4x what it would be uncorrelated."""
VIF_STRONG = 5.0
ALPHA = 0.05
MIN_OBSERVATIONS_PER_PARAMETER = 5

_COMMON_COLUMNS: Columns = {
    "specification": "text",
    "model": "text",
    "term": "text",
    "term_kind": "text",
    "coef": "float",
    "std_err": "float",
    "z_or_t": "float",
    "p_value": "float",
    "ci_low": "float",
    "ci_high": "float",
}
_TRAILING_COLUMNS: Columns = {
    "vif": "float",
    "raw_mean": "float",
    "raw_std": "float",
    "n_obs": "integer",
    "n_clusters": "integer",
    "cov_type": "text",
}
CONVERSION_COLUMNS: Columns = {
    **_COMMON_COLUMNS,
    "odds_ratio": "float",
    **_TRAILING_COLUMNS,
    "pseudo_r_squared": "float",
    "auc_out_of_sample": "float",
    "cv_folds": "integer",
    "note": "text",
}
SPEND_COLUMNS: Columns = {
    **_COMMON_COLUMNS,
    "spend_ratio": "float",
    **_TRAILING_COLUMNS,
    "r_squared": "float",
    "note": "text",
}


CALIBRATION_COLUMNS: Columns = {
    "specification": "text",
    "decile": "integer",
    "n_sessions": "integer",
    "n_purchasing": "integer",
    "mean_predicted": "float",
    "observed_rate": "float",
    "min_predicted": "float",
    "max_predicted": "float",
}


@dataclass
class DriverResult:
    """The fitted models as rows per specification and term (empty when none could be
    fitted), the conversion model's calibration table (None for the spend model), and
    messages."""

    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)
    calibration: pd.DataFrame | None = None


@dataclass(frozen=True)
class OutOfSample:
    """Out-of-fold predicted probabilities of a conversion model (NaN where not computed)."""

    predicted: np.ndarray
    auc: float
    folds: int


@dataclass(frozen=True)
class Design:
    """A design matrix with an intercept, and what is needed to report it."""

    exog: pd.DataFrame
    kinds: dict[str, str]
    raw_mean: dict[str, float]
    raw_std: dict[str, float]
    dropped: list[str]


def cluster_codes(sessions: pd.DataFrame) -> np.ndarray:
    """One cluster per customer; every anonymous session a cluster of its own."""
    customers = sessions["customer_id"]
    known = customers.notna()
    codes = np.empty(len(sessions), dtype=np.int64)
    customer_codes, _ = pd.factorize(customers[known])
    codes[known.to_numpy()] = customer_codes
    offset = int(customer_codes.max()) + 1 if len(customer_codes) else 0
    codes[~known.to_numpy()] = offset + np.arange(int((~known).sum()))
    return codes


def design_matrix(
    frame: pd.DataFrame, engagement: tuple[str, ...], categorical: tuple[str, ...]
) -> Design:
    """Intercept, standardised engagement terms and dummies (first level alphabetically is the
    reference). Constant terms are dropped and listed."""
    columns: dict[str, np.ndarray] = {"intercept": np.ones(len(frame))}
    kinds = {"intercept": "intercept"}
    raw_mean: dict[str, float] = {}
    raw_std: dict[str, float] = {}
    dropped: list[str] = []
    for term in engagement:
        values = frame[term].to_numpy(dtype=float)
        std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        if not np.isfinite(std) or std == 0.0:
            dropped.append(term)
            continue
        mean = float(values.mean())
        columns[term] = (values - mean) / std
        kinds[term] = "engagement"
        raw_mean[term], raw_std[term] = mean, std
    for term in categorical:
        levels = sorted(frame[term].astype(str).unique())
        for level in levels[1:]:
            name = f"{term}={level}"
            columns[name] = (frame[term].astype(str) == level).to_numpy(dtype=float)
            kinds[name] = f"{term} (vs {levels[0]})"
    return Design(
        exog=pd.DataFrame(columns, index=frame.index),
        kinds=kinds,
        raw_mean=raw_mean,
        raw_std=raw_std,
        dropped=dropped,
    )


def engagement_vifs(design: Design) -> dict[str, float]:
    """Variance inflation factor of each engagement term in the full design: the diagonal of
    the inverse correlation matrix of the non-intercept columns, which equals 1 / (1 - R²) of
    each column regressed on all the others with an intercept (statsmodels'
    variance_inflation_factor fits that regression once per term: 5 s per term at 1M sessions;
    this is one pass over the design). A term the others explain exactly gets inf."""
    names = [name for name in design.exog.columns if design.kinds[name] != "intercept"]
    result = dict.fromkeys(design.raw_mean, float("nan"))
    if not names or len(design.exog) < 2:
        return result
    values = design.exog[names].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = np.atleast_2d(np.corrcoef(values, rowvar=False))
        try:
            inverse_diagonal = np.diag(np.linalg.inv(correlation))
        except np.linalg.LinAlgError:
            inverse_diagonal = np.full(len(names), np.inf)
    for term in design.raw_mean:
        value = float(inverse_diagonal[names.index(term)])
        result[term] = value if np.isfinite(value) and value > 0 else float("inf")
    return result


def collinearity_notes(design: Design, vifs: dict[str, float]) -> dict[str, str]:
    """A note for each engagement term whose VIF is high enough to matter."""
    terms = list(design.raw_mean)
    if len(terms) < 2:
        return {}
    correlation = design.exog[terms].corr()
    notes: dict[str, str] = {}
    for term in terms:
        vif = vifs.get(term, np.nan)
        if not np.isfinite(vif) or vif < VIF_NOTE_THRESHOLD:
            continue
        others = correlation[term].drop(term).abs()
        partner = str(others.idxmax())
        strength = "strongly" if vif >= VIF_STRONG else "moderately"
        r = correlation.at[term, partner]
        notes[term] = (
            f"VIF {vif:.1f}: {strength} correlated with {partner} (r = {r:.2f}); "
            f"its standard error is {np.sqrt(vif):.1f}x what it would be without that "
            "correlation, so read the two coefficients together"
        )
    return notes


def _fit_rows(
    fitted: object,
    specification: str,
    model: str,
    design: Design,
    columns: Columns,
    n_clusters: int,
    cov_type: str,
    extra: dict[str, object],
) -> pd.DataFrame:
    params = fitted.params  # type: ignore[attr-defined]
    confidence = fitted.conf_int(alpha=ALPHA)  # type: ignore[attr-defined]
    vifs = engagement_vifs(design)
    notes = collinearity_notes(design, vifs)
    rows = pd.DataFrame(
        {
            "specification": specification,
            "model": model,
            "term": params.index,
            "term_kind": [design.kinds[term] for term in params.index],
            "coef": params.to_numpy(),
            "std_err": fitted.bse.to_numpy(),  # type: ignore[attr-defined]
            "z_or_t": fitted.tvalues.to_numpy(),  # type: ignore[attr-defined]
            "p_value": fitted.pvalues.to_numpy(),  # type: ignore[attr-defined]
            "ci_low": confidence.iloc[:, 0].to_numpy(),
            "ci_high": confidence.iloc[:, 1].to_numpy(),
            "vif": [vifs.get(term, np.nan) for term in params.index],
            "raw_mean": [design.raw_mean.get(term, np.nan) for term in params.index],
            "raw_std": [design.raw_std.get(term, np.nan) for term in params.index],
            "n_obs": int(fitted.nobs),  # type: ignore[attr-defined]
            "n_clusters": n_clusters,
            "cov_type": cov_type,
            "note": [notes.get(term) for term in params.index],
        }
    )
    for name, value in extra.items():
        rows[name] = value
    return conform(rows, columns)


def _covariance(groups: np.ndarray) -> tuple[str, dict[str, object], str]:
    if _cluster_count(groups) >= 2:
        return "cluster", {"groups": groups}, "cluster-robust by customer"
    return "HC1", {}, "heteroscedasticity-robust (HC1)"


def _cluster_count(groups: np.ndarray) -> int:
    """How many clusters: cluster_codes numbers them 0 .. k - 1."""
    return int(groups.max()) + 1 if len(groups) else 0


def _too_small(n_obs: int, n_params: int) -> bool:
    return n_obs < max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)


def customer_folds(groups: np.ndarray, n_folds: int, seed: int = CV_SEED) -> np.ndarray:
    """The fold (0 .. n_folds - 1) of each row: clusters (customers) dealt to the folds in a
    seeded random order, so every fold holds whole customers and sizes differ by at most one
    cluster."""
    clusters = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(clusters))
    fold_of_cluster = np.empty(len(clusters), dtype=np.int64)
    fold_of_cluster[order] = np.arange(len(clusters)) % n_folds
    return fold_of_cluster[np.searchsorted(clusters, groups)]


def auc(outcome: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random buyer scores above a random
    non-buyer (ties count half), as the Mann-Whitney U of the buyers' scores over the
    product of the group sizes (scipy). NaN without both outcomes."""
    from scipy.stats import mannwhitneyu

    positive = outcome.astype(bool)
    buyers, others = scores[positive], scores[~positive]
    if len(buyers) == 0 or len(others) == 0:
        return float("nan")
    statistic = mannwhitneyu(buyers, others, alternative="two-sided").statistic
    return float(statistic) / (len(buyers) * len(others))


def out_of_sample(
    outcome: np.ndarray, exog: pd.DataFrame, groups: np.ndarray, n_folds: int = CV_FOLDS
) -> tuple[OutOfSample | None, str | None]:
    """Out-of-fold predictions of the logit (folds by customer, :func:`customer_folds`), or
    None and why they could not be computed. A term constant within a training fold (a
    device or source seen only in the held-out customers) is left out of that fold's fit, so
    its held-out sessions are predicted at the reference level."""
    from statsmodels.discrete.discrete_model import Logit

    folds = min(n_folds, len(np.unique(groups)))  # any integer labels, not only cluster_codes
    if folds < 2:
        return None, "fewer than two customers to split into folds"
    fold_of = customer_folds(groups, folds)
    predicted = np.full(len(outcome), np.nan)
    values = exog.to_numpy(dtype=float)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        if outcome[train].min(initial=1) == outcome[train].max(initial=0):
            return None, f"training fold {fold + 1} of {folds} has only one outcome"
        varying = values[train].std(axis=0) > 0
        varying[0] = True  # the intercept
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                # No rank check (an SVD of the whole fold, ~0.7 s per 1M rows): the full
                # design's fit checked it, and a fold that drops rank fails in Newton's step.
                fitted = Logit(outcome[train], values[train][:, varying], check_rank=False).fit(
                    disp=0, maxiter=200
                )
            except np.linalg.LinAlgError as error:
                return None, f"fold {fold + 1} of {folds}: singular design ({error})"
            # A separated fold gives extreme scores: exp overflows to a probability of 0 or 1.
            predicted[test] = fitted.predict(values[test][:, varying])
    return OutOfSample(predicted, auc(outcome, predicted), folds), None


def calibration_table(
    specification: str, outcome: np.ndarray, predicted: np.ndarray
) -> pd.DataFrame:
    """Equal-count bins (deciles; fewer with fewer than ten sessions) of the out-of-fold
    predicted probability, ordered by it (ties by session_id, the rows' order), with the
    mean prediction and the observed purchase rate of each."""
    n = len(predicted)
    bins = min(CALIBRATION_BINS, n)
    order = np.argsort(predicted, kind="stable")
    decile = np.empty(n, dtype=np.int64)
    decile[order] = np.arange(n) * bins // n + 1
    frame = pd.DataFrame({"decile": decile, "predicted": predicted, "outcome": outcome})
    table = (
        frame.groupby("decile")
        .agg(
            n_sessions=("outcome", "size"),
            n_purchasing=("outcome", "sum"),
            mean_predicted=("predicted", "mean"),
            observed_rate=("outcome", "mean"),
            min_predicted=("predicted", "min"),
            max_predicted=("predicted", "max"),
        )
        .reset_index()
    )
    table.insert(0, "specification", specification)
    return conform(table, CALIBRATION_COLUMNS)


def _in_session_order(sessions: pd.DataFrame) -> pd.DataFrame:
    """The sessions in session_id order, so that the folds and the calibration bins do not
    depend on the order the warehouse returns rows (sorted once per stage, not per
    specification: a string sort of 1M ids takes seconds)."""
    if sessions["session_id"].is_monotonic_increasing:
        return sessions.reset_index(drop=True)
    return sessions.sort_values("session_id", kind="stable").reset_index(drop=True)


def _usable(sessions: pd.DataFrame, spec: Specification) -> pd.DataFrame:
    """Sessions (already in session order) with every engagement term of the specification."""
    return sessions.dropna(subset=list(spec.terms)).reset_index(drop=True)


def _conversion_model(
    sessions: pd.DataFrame, spec: Specification
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """One specification's conversion rows, calibration rows and messages."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    label = f"conversion model ({spec.name})"
    usable = _usable(sessions, spec)
    excluded = len(sessions) - len(usable)
    messages = []
    if excluded:
        messages.append(f"{label}: {excluded:,} sessions without events left out")
    outcome = usable["did_purchase"].astype(bool).to_numpy(dtype=float)
    design = design_matrix(usable, spec.terms, CATEGORICAL_TERMS)
    n_params = design.exog.shape[1]
    not_fitted = empty_frame(CONVERSION_COLUMNS), empty_frame(CALIBRATION_COLUMNS)
    if _too_small(len(usable), n_params) or outcome.min(initial=1) == outcome.max(initial=0):
        messages.append(
            f"{label} not fitted: {len(usable):,} sessions with events, "
            f"{int(outcome.sum()):,} purchasing; it needs both outcomes and at least "
            f"{max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)} sessions"
        )
        return *not_fitted, messages
    groups = cluster_codes(usable)
    cov_type, cov_kwds, cov_label = _covariance(groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitted = Logit(outcome, design.exog).fit(
                disp=0, maxiter=200, cov_type=cov_type, cov_kwds=cov_kwds
            )
        except np.linalg.LinAlgError as error:
            messages.append(f"{label} not fitted: singular design ({error})")
            return *not_fitted, messages
    for warning in caught:
        if issubclass(warning.category, (ConvergenceWarning, PerfectSeparationWarning)):
            messages.append(f"{label} warning: {warning.message}")
    held_out, why_not = out_of_sample(outcome, design.exog, groups)
    frame = _fit_rows(
        fitted,
        spec.name,
        CONVERSION_MODEL,
        design,
        CONVERSION_COLUMNS,
        _cluster_count(groups),
        cov_label,
        {
            "odds_ratio": np.exp(fitted.params.to_numpy()),
            "pseudo_r_squared": float(fitted.prsquared),
            "auc_out_of_sample": held_out.auc if held_out else np.nan,
            "cv_folds": held_out.folds if held_out else None,
        },
    )
    if design.dropped:
        messages.append(f"{label}: constant terms dropped: {', '.join(design.dropped)}")
    if held_out is None:
        messages.append(f"{label}: no out-of-sample AUC or calibration: {why_not}")
        calibration = empty_frame(CALIBRATION_COLUMNS)
    else:
        calibration = calibration_table(spec.name, outcome, held_out.predicted)
    fit_line = f"{label}: {int(fitted.nobs):,} sessions, pseudo R² {fitted.prsquared:.3f}"
    if held_out is not None:
        fit_line += f", out-of-sample AUC {held_out.auc:.3f} ({held_out.folds}-fold by customer)"
    messages.append(fit_line)
    return frame, calibration, messages


def _combined(frames: list[pd.DataFrame], columns: Columns) -> pd.DataFrame:
    kept = [frame for frame in frames if not frame.empty]
    if not kept:
        return empty_frame(columns)
    return conform(pd.concat(kept, ignore_index=True), columns)


def conversion_drivers(sessions: pd.DataFrame) -> DriverResult:
    """Stage 1: logit of did_purchase over sessions with at least one event, on every
    specification, with the out-of-sample AUC and the calibration table."""
    frames, calibrations, messages = [], [], []
    sessions = _in_session_order(sessions)
    for spec in SPECIFICATIONS:
        frame, calibration, spec_messages = _conversion_model(sessions, spec)
        frames.append(frame)
        calibrations.append(calibration)
        messages += spec_messages
    return DriverResult(
        _combined(frames, CONVERSION_COLUMNS),
        messages,
        _combined(calibrations, CALIBRATION_COLUMNS),
    )


def _spend_model(sessions: pd.DataFrame, spec: Specification) -> tuple[pd.DataFrame, list[str]]:
    """One specification's spend rows and messages."""
    from statsmodels.regression.linear_model import OLS

    label = f"spend model ({spec.name})"
    buyers = sessions[sessions["did_purchase"].astype(bool)]
    usable = _usable(buyers, spec)
    usable = usable[usable["amount_usd"].astype(float) > 0].reset_index(drop=True)
    messages = []
    if len(buyers) - len(usable):
        messages.append(
            f"{label}: {len(buyers) - len(usable):,} purchasing sessions without events or "
            "with a zero amount left out"
        )
    design = design_matrix(usable, spec.terms, ())
    n_params = design.exog.shape[1]
    if _too_small(len(usable), n_params) or len(design.raw_mean) == 0:
        messages.append(
            f"{label} not fitted: {len(usable):,} purchasing sessions with a positive "
            f"amount; it needs at least {max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)}"
        )
        return empty_frame(SPEND_COLUMNS), messages
    outcome = np.log(usable["amount_usd"].to_numpy(dtype=float))
    groups = cluster_codes(usable)
    cov_type, cov_kwds, cov_label = _covariance(groups)
    fitted = OLS(outcome, design.exog).fit(cov_type=cov_type, cov_kwds=cov_kwds)
    frame = _fit_rows(
        fitted,
        spec.name,
        SPEND_MODEL,
        design,
        SPEND_COLUMNS,
        _cluster_count(groups),
        cov_label,
        {"spend_ratio": np.exp(fitted.params.to_numpy()), "r_squared": float(fitted.rsquared)},
    )
    if design.dropped:
        messages.append(f"{label}: constant terms dropped: {', '.join(design.dropped)}")
    messages.append(f"{label}: {int(fitted.nobs):,} purchasing sessions, R² {fitted.rsquared:.3f}")
    return frame, messages


def spend_drivers(sessions: pd.DataFrame) -> DriverResult:
    """Stage 2: OLS of log(amount_usd) over purchasing sessions with a positive amount, on
    every specification."""
    frames, messages = [], []
    sessions = _in_session_order(sessions)
    for spec in SPECIFICATIONS:
        frame, spec_messages = _spend_model(sessions, spec)
        frames.append(frame)
        messages += spec_messages
    return DriverResult(_combined(frames, SPEND_COLUMNS), messages)
