"""Driver analysis in two stages (statsmodels): who purchases, and who spends more.

Stage 1 (conversion): logistic regression of ``did_purchase`` on the standardised engagement
terms ``event_count``, ``session_seconds`` and ``first_event_delay_seconds`` plus device and
traffic-source dummies, over the sessions that have at least one event (the delay is
undefined otherwise). Stage 2 (spend): OLS of ``log(amount_usd)`` on the same standardised
engagement terms, over purchasing sessions with a positive amount.

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

ENGAGEMENT_TERMS = ("event_count", "session_seconds", "first_event_delay_seconds")
CATEGORICAL_TERMS = ("device", "traffic_source")
SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "did_purchase",
    "amount_usd",
    *ENGAGEMENT_TERMS,
    *CATEGORICAL_TERMS,
)
CONVERSION_MODEL = "conversion_logit"
SPEND_MODEL = "spend_ols_log_amount"
VIF_NOTE_THRESHOLD = 2.0
"""From here a term's standard error is at least ~1.4x what it would be uncorrelated."""
VIF_STRONG = 5.0
ALPHA = 0.05
MIN_OBSERVATIONS_PER_PARAMETER = 5

_COMMON_COLUMNS: Columns = {
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
    "note": "text",
}
SPEND_COLUMNS: Columns = {
    **_COMMON_COLUMNS,
    "spend_ratio": "float",
    **_TRAILING_COLUMNS,
    "r_squared": "float",
    "note": "text",
}


@dataclass
class DriverResult:
    """One fitted model as rows per term (empty when it could not be fitted), plus messages."""

    frame: pd.DataFrame
    messages: list[str] = field(default_factory=list)


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
    """Variance inflation factor of each engagement term in the full design."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    values = design.exog.to_numpy(dtype=float)
    names = list(design.exog.columns)
    result: dict[str, float] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for term in design.raw_mean:
            result[term] = float(variance_inflation_factor(values, names.index(term)))
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
    n_clusters = len(np.unique(groups))
    if n_clusters >= 2:
        return "cluster", {"groups": groups}, "cluster-robust by customer"
    return "HC1", {}, "heteroscedasticity-robust (HC1)"


def _too_small(n_obs: int, n_params: int) -> bool:
    return n_obs < max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)


def conversion_drivers(sessions: pd.DataFrame) -> DriverResult:
    """Stage 1: logit of did_purchase over sessions with at least one event."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    usable = sessions.dropna(subset=list(ENGAGEMENT_TERMS)).reset_index(drop=True)
    excluded = len(sessions) - len(usable)
    messages = []
    if excluded:
        messages.append(f"conversion model: {excluded:,} sessions without events left out")
    outcome = usable["did_purchase"].astype(bool).to_numpy(dtype=float)
    design = design_matrix(usable, ENGAGEMENT_TERMS, CATEGORICAL_TERMS)
    n_params = design.exog.shape[1]
    if _too_small(len(usable), n_params) or outcome.min(initial=1) == outcome.max(initial=0):
        messages.append(
            f"conversion model not fitted: {len(usable):,} sessions with events, "
            f"{int(outcome.sum()):,} purchasing; it needs both outcomes and at least "
            f"{max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)} sessions"
        )
        return DriverResult(empty_frame(CONVERSION_COLUMNS), messages)
    groups = cluster_codes(usable)
    cov_type, cov_kwds, cov_label = _covariance(groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitted = Logit(outcome, design.exog).fit(
                disp=0, maxiter=200, cov_type=cov_type, cov_kwds=cov_kwds
            )
        except np.linalg.LinAlgError as error:
            messages.append(f"conversion model not fitted: singular design ({error})")
            return DriverResult(empty_frame(CONVERSION_COLUMNS), messages)
    for warning in caught:
        if issubclass(warning.category, (ConvergenceWarning, PerfectSeparationWarning)):
            messages.append(f"conversion model warning: {warning.message}")
    frame = _fit_rows(
        fitted,
        CONVERSION_MODEL,
        design,
        CONVERSION_COLUMNS,
        len(np.unique(groups)),
        cov_label,
        {
            "odds_ratio": np.exp(fitted.params.to_numpy()),
            "pseudo_r_squared": float(fitted.prsquared),
        },
    )
    if design.dropped:
        messages.append(f"conversion model: constant terms dropped: {', '.join(design.dropped)}")
    messages.append(
        f"conversion model: {int(fitted.nobs):,} sessions, pseudo R² {fitted.prsquared:.3f}"
    )
    return DriverResult(frame, messages)


def spend_drivers(sessions: pd.DataFrame) -> DriverResult:
    """Stage 2: OLS of log(amount_usd) over purchasing sessions with a positive amount."""
    from statsmodels.regression.linear_model import OLS

    buyers = sessions[sessions["did_purchase"].astype(bool)]
    usable = buyers.dropna(subset=list(ENGAGEMENT_TERMS))
    usable = usable[usable["amount_usd"].astype(float) > 0].reset_index(drop=True)
    messages = []
    if len(buyers) - len(usable):
        messages.append(
            f"spend model: {len(buyers) - len(usable):,} purchasing sessions without events or "
            "with a zero amount left out"
        )
    design = design_matrix(usable, ENGAGEMENT_TERMS, ())
    n_params = design.exog.shape[1]
    if _too_small(len(usable), n_params) or len(design.raw_mean) == 0:
        messages.append(
            f"spend model not fitted: {len(usable):,} purchasing sessions with a positive "
            f"amount; it needs at least {max(n_params * MIN_OBSERVATIONS_PER_PARAMETER, 10)}"
        )
        return DriverResult(empty_frame(SPEND_COLUMNS), messages)
    outcome = np.log(usable["amount_usd"].to_numpy(dtype=float))
    groups = cluster_codes(usable)
    cov_type, cov_kwds, cov_label = _covariance(groups)
    fitted = OLS(outcome, design.exog).fit(cov_type=cov_type, cov_kwds=cov_kwds)
    frame = _fit_rows(
        fitted,
        SPEND_MODEL,
        design,
        SPEND_COLUMNS,
        len(np.unique(groups)),
        cov_label,
        {"spend_ratio": np.exp(fitted.params.to_numpy()), "r_squared": float(fitted.rsquared)},
    )
    if design.dropped:
        messages.append(f"spend model: constant terms dropped: {', '.join(design.dropped)}")
    messages.append(
        f"spend model: {int(fitted.nobs):,} purchasing sessions, R² {fitted.rsquared:.3f}"
    )
    return DriverResult(frame, messages)
