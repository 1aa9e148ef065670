"""Compare a mart read from a warehouse with a frame recomputed in pandas.

Both sides are normalised first (Decimal → float, timestamps → naive
datetime64, missing → NaN/NaT), so that DuckDB's, PostgreSQL's and pandas'
representations of the same value compare equal. Differences are reported
row by row so a failure says which key and column disagree.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd


def _normalise(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.dt.tz_localize(None) if series.dt.tz is not None else series
        return values.astype("datetime64[us]")
    if pd.api.types.is_bool_dtype(series):
        return series.astype(object).where(series.notna(), None)
    if pd.api.types.is_numeric_dtype(series):
        return pd.to_numeric(series, errors="coerce").astype(float)
    non_null = series.dropna()
    if len(non_null) and all(isinstance(v, (Decimal, int, float, np.number)) for v in non_null):
        if not all(isinstance(v, (bool, np.bool_)) for v in non_null):
            return pd.to_numeric(series.map(lambda v: None if v is None else float(v))).astype(
                float
            )
    if len(non_null) and all(isinstance(v, pd.Timestamp | np.datetime64) for v in non_null):
        return pd.to_datetime(series).astype("datetime64[us]")
    if len(non_null) and all(hasattr(v, "isoformat") and hasattr(v, "hour") for v in non_null):
        return pd.to_datetime(series).astype("datetime64[us]")
    return series.astype(object).where(series.notna(), None)


def values_equal(got: pd.Series, want: pd.Series, *, rtol: float, atol: float) -> np.ndarray:
    """Row by row: floats within rtol/atol, timestamps exactly, anything else with ==;
    missing equals missing."""
    if pd.api.types.is_float_dtype(got) and pd.api.types.is_float_dtype(want):
        return np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if pd.api.types.is_datetime64_any_dtype(got) and pd.api.types.is_datetime64_any_dtype(want):
        return ((got == want) | (got.isna() & want.isna())).to_numpy()
    return np.array(
        [
            (pd.isna(a) and pd.isna(b)) if (a is None or b is None) else a == b
            for a, b in zip(got, want, strict=True)
        ],
        dtype=bool,
    )


def assert_frames_match(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    key: list[str],
    *,
    columns: list[str] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-9,
    label: str = "",
) -> None:
    """Assert equal keys and, per key, equal values in `columns` (default: all of expected's)."""
    columns = columns or [c for c in expected.columns if c not in key]
    missing = [c for c in key + columns if c not in actual.columns]
    assert not missing, f"{label}: columns missing from the warehouse table: {missing}"
    left = actual[key + columns].copy()
    right = expected[key + columns].copy()
    for frame in (left, right):
        for column in frame.columns:
            frame[column] = _normalise(frame[column])
    left_keys = set(map(tuple, left[key].astype(str).to_numpy()))
    right_keys = set(map(tuple, right[key].astype(str).to_numpy()))
    assert left_keys == right_keys, (
        f"{label}: keys differ; only in warehouse: {sorted(left_keys - right_keys)[:10]}, "
        f"only in reference: {sorted(right_keys - left_keys)[:10]}"
    )
    assert not left.duplicated(key).any(), f"{label}: duplicate keys in the warehouse table"
    merged = left.merge(right, on=key, suffixes=("_actual", "_expected"))
    problems = []
    for column in columns:
        equal = values_equal(
            merged[f"{column}_actual"], merged[f"{column}_expected"], rtol=rtol, atol=atol
        )
        if not equal.all():
            bad = merged.loc[~equal, key + [f"{column}_actual", f"{column}_expected"]]
            problems.append(f"{column}: {int((~equal).sum())} rows differ, e.g.\n{bad.head(5)}")
    assert not problems, f"{label}: " + "\n".join(problems)
