"""How a defect alters a value: other letter case, spaces around it, a bad value instead."""

from __future__ import annotations

import numpy as np

from customer_behaviour.generate.defects.kinds import UPPER_CASE_COLUMNS


def case_variant(rng: np.random.Generator, column: str, values: np.ndarray) -> np.ndarray:
    """Same value in another letter case (staging lower- or upper-cases it back)."""
    if column in UPPER_CASE_COLUMNS:
        return np.strings.lower(values)
    return np.where(
        rng.random(len(values)) < 0.5, np.strings.upper(values), np.strings.title(values)
    )


def padded(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Spaces (never tabs or newlines) around each value, at least one."""
    left = rng.integers(0, 3, len(values))
    right = np.where(left == 0, rng.integers(1, 3, len(values)), rng.integers(0, 3, len(values)))
    spaces = np.array(["", " ", "  "])
    return np.strings.add(np.strings.add(spaces[left], values), spaces[right])


def pick(rng: np.random.Generator, options: tuple[str, ...], size: int) -> np.ndarray:
    """``size`` values drawn uniformly from ``options`` (as an object array)."""
    return np.array(options, dtype=object)[rng.integers(0, len(options), size)]


def parse_clean_timestamps(text: np.ndarray) -> np.ndarray:
    """Seconds-precision datetimes of clean ``...Z`` or zone-less timestamps."""
    iso = np.strings.replace(np.strings.replace(text, "Z", ""), " ", "T")
    return iso.astype("datetime64[s]")


def utc_text(moments: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SSZ``, as staging writes a cleaned timestamp."""
    return np.strings.add(np.datetime_as_string(moments, unit="s"), "Z")
