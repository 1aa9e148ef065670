"""Removal effects of path steps, solved exactly on the absorbing Markov chain.

The input is the transition table the dbt mart ``fct_path_transitions`` holds:
one row per (from_step, to_step) with the number of transitions observed. Every
session starts in ``(start)`` and ends in one of two absorbing states,
``(conversion)`` or ``(exit)``; the step labels in between are the transient
states.

The **conversion probability** of a state is the probability that a walk from it
is absorbed in ``(conversion)``. For the transient states it solves

    x = Q x + r        i.e.   (I - Q) x = r

where Q holds the transition probabilities among transient states and r the
probability of moving straight to ``(conversion)``. The baseline is x at
``(start)``.

**Removing a step** means every transition into it goes to ``(exit)`` instead:
its conversion probability becomes 0 and the system is solved again without it.
The removal effect of a step is ``1 - P(conversion without the step) / P(conversion)``:
the share of conversions that would be lost if the step could not be reached.
Removal never raises the conversion probability, so effects lie in [0, 1].

Rules for unusual input:

- Counts for the same (from_step, to_step) are summed; rows with 0 transitions
  are ignored; a negative count is an error.
- A step that appears only as a to_step (nothing ever leaves it) leads to
  ``(exit)``.
- States that cannot reach ``(conversion)`` (for example a closed loop with no
  way out) have conversion probability 0; the linear system is solved only on
  the states that can, where it is always non-singular.
- With no conversions at all the baseline is 0 and every removal effect is
  undefined: NaN (NULL in the warehouse), while both probabilities are 0.
- An empty table gives an empty result. A non-empty table without a
  ``(start)`` state is an error.

No simulation is involved: the result is exact up to floating-point rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = "(start)"
CONVERSION = "(conversion)"
EXIT = "(exit)"
ABSORBING = (CONVERSION, EXIT)

INPUT_COLUMNS = ["from_step", "to_step", "transitions"]
OUTPUT_COLUMNS = [
    "step",
    "removal_effect",
    "conversion_probability",
    "conversion_probability_without_step",
]


def removal_effects(transitions: pd.DataFrame) -> pd.DataFrame:
    """The removal effect of every step of the chain in ``transitions``.

    ``transitions`` has the columns of ``fct_path_transitions``: from_step,
    to_step, transitions (counts; other columns are ignored). Returns one row
    per step (every state except ``(start)`` and the two absorbing states) with
    the columns step, removal_effect, conversion_probability (the baseline, from
    ``(start)``, the same on every row) and conversion_probability_without_step,
    ordered by removal_effect descending, then step.
    """
    counts = _validated_counts(transitions)
    if counts.empty:
        return _empty_result()

    states = _transient_states(counts)
    index = {state: position for position, state in enumerate(states)}
    matrix, to_conversion = _transition_probabilities(counts, index)

    all_states = np.ones(len(states), dtype=bool)
    baseline = _conversion_probabilities(matrix, to_conversion, all_states)[index[START]]

    rows = []
    for state in states:
        if state == START:
            continue
        kept = all_states.copy()
        kept[index[state]] = False
        without = _conversion_probabilities(matrix, to_conversion, kept)[index[START]]
        if baseline > 0:
            effect = float(np.clip(1.0 - without / baseline, 0.0, 1.0))
        else:
            effect = float("nan")
        rows.append(
            {
                "step": state,
                "removal_effect": effect,
                "conversion_probability": float(baseline),
                "conversion_probability_without_step": float(without),
            }
        )
    if not rows:
        return _empty_result()
    result = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    result = result.sort_values(
        ["removal_effect", "step"], ascending=[False, True], na_position="last", kind="mergesort"
    )
    return result.reset_index(drop=True)


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": pd.Series(dtype=object),
            "removal_effect": pd.Series(dtype=float),
            "conversion_probability": pd.Series(dtype=float),
            "conversion_probability_without_step": pd.Series(dtype=float),
        }
    )


def _validated_counts(transitions: pd.DataFrame) -> pd.DataFrame:
    """Positive counts per (from_step, to_step), duplicates summed."""
    missing = [column for column in INPUT_COLUMNS if column not in transitions.columns]
    if missing:
        raise ValueError(f"transitions lack the column(s) {', '.join(missing)}")
    frame = transitions[INPUT_COLUMNS].copy()
    if frame[["from_step", "to_step"]].isna().any().any():
        raise ValueError("transitions have a missing from_step or to_step")
    counts = pd.to_numeric(frame["transitions"], errors="raise").astype(float)
    if counts.isna().any() or (counts < 0).any():
        raise ValueError("transitions must be non-negative counts")
    frame["transitions"] = counts
    frame["from_step"] = frame["from_step"].astype(str)
    frame["to_step"] = frame["to_step"].astype(str)
    frame = frame[frame["transitions"] > 0]
    if frame.empty:
        return frame
    if frame["from_step"].isin(ABSORBING).any():
        raise ValueError("(conversion) and (exit) are absorbing: no transition may leave them")
    if START not in set(frame["from_step"]):
        raise ValueError("transitions have no (start) state to measure conversion from")
    return frame.groupby(["from_step", "to_step"], as_index=False, sort=True)["transitions"].sum()


def _transient_states(counts: pd.DataFrame) -> list[str]:
    """(start) first, then every other non-absorbing state in sorted order."""
    names = set(counts["from_step"]) | set(counts["to_step"])
    others = sorted(names - set(ABSORBING) - {START})
    return [START, *others]


def _transition_probabilities(
    counts: pd.DataFrame, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Q (transient to transient) and r (transient to conversion), rows normalised.

    A state with no outgoing transitions keeps a zero row: all of its mass goes
    to (exit), which is not represented.
    """
    size = len(index)
    matrix = np.zeros((size, size))
    to_conversion = np.zeros(size)
    totals = counts.groupby("from_step")["transitions"].sum()
    for from_step, to_step, n in counts.itertuples(index=False):
        share = n / totals[from_step]
        if to_step == CONVERSION:
            to_conversion[index[from_step]] += share
        elif to_step != EXIT:
            matrix[index[from_step], index[to_step]] += share
    return matrix, to_conversion


def _conversion_probabilities(
    matrix: np.ndarray, to_conversion: np.ndarray, kept: np.ndarray
) -> np.ndarray:
    """P(absorbed in conversion) per state; states not kept are 0 (moves into them exit)."""
    size = len(to_conversion)
    # States that can reach (conversion) through kept states only.
    reaches = kept & (to_conversion > 0)
    while True:
        grown = reaches | (kept & ((matrix[:, reaches] > 0).any(axis=1)))
        if (grown == reaches).all():
            break
        reaches = grown
    probabilities = np.zeros(size)
    if reaches.any():
        sub = matrix[np.ix_(reaches, reaches)]
        probabilities[reaches] = np.linalg.solve(
            np.eye(int(reaches.sum())) - sub, to_conversion[reaches]
        )
    return probabilities
