"""Removal effects: the exact solver against a hand computation and a brute force.

The brute force shares no code with ``customer_behaviour.markov``: it builds the
full row-stochastic matrix over every state (absorbing ones included) from a
plain dict of counts, redirects the removed state's inbound mass to (exit) and
pushes a unit of probability mass from (start) through the chain step by step
until no mass is left in the transient states.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from customer_behaviour.markov import OUTPUT_COLUMNS, removal_effects

START, CONVERSION, EXIT = "(start)", "(conversion)", "(exit)"


def _frame(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, b, n) for (a, b), n in counts.items()], columns=["from_step", "to_step", "transitions"]
    )


def _brute_force_conversion(
    counts: dict[tuple[str, str], int], removed: str | None = None, tolerance: float = 1e-15
) -> float:
    """P(conversion) from (start) by propagating probability mass to convergence."""
    states = sorted({a for a, _ in counts} | {b for _, b in counts} | {CONVERSION, EXIT})
    position = {state: i for i, state in enumerate(states)}
    full = np.zeros((len(states), len(states)))
    outgoing: dict[str, int] = {}
    for (a, _), n in counts.items():
        outgoing[a] = outgoing.get(a, 0) + n
    for (a, b), n in counts.items():
        target = EXIT if b == removed else b
        full[position[a], position[target]] += n / outgoing[a]
    for state in states:
        if full[position[state]].sum() == 0:  # absorbing, or nothing ever leaves it: exit
            full[position[state], position[EXIT if state != CONVERSION else CONVERSION]] = 1.0
    mass = np.zeros(len(states))
    mass[position[START]] = 1.0
    transient = [position[s] for s in states if s not in (CONVERSION, EXIT)]
    for _ in range(200_000):
        mass = mass @ full
        if mass[transient].sum() < tolerance:
            break
    else:  # pragma: no cover - the chains below are absorbing
        raise AssertionError("brute force did not converge")
    return float(mass[position[CONVERSION]])


def _brute_force_effects(counts: dict[tuple[str, str], int]) -> dict[str, float]:
    baseline = _brute_force_conversion(counts)
    steps = ({a for a, _ in counts} | {b for _, b in counts}) - {START, CONVERSION, EXIT}
    return {step: 1 - _brute_force_conversion(counts, step) / baseline for step in steps}


def test_hand_computed_example() -> None:
    # (start) -> A or B evenly; A converts half the time; B goes to A half the time.
    # P(conv | A) = 1/2, P(conv | B) = 1/4, P(conv) = 3/8.
    # Without A nothing converts (effect 1); without B: 1/2 * 1/2 = 1/4, effect 1/3.
    counts = {
        (START, "A"): 2,
        (START, "B"): 2,
        ("A", CONVERSION): 1,
        ("A", EXIT): 1,
        ("B", "A"): 1,
        ("B", EXIT): 1,
    }
    result = removal_effects(_frame(counts))
    assert list(result.columns) == OUTPUT_COLUMNS
    assert list(result["step"]) == ["A", "B"]
    expected_effect = {"A": Fraction(1), "B": Fraction(1, 3)}
    expected_without = {"A": Fraction(0), "B": Fraction(1, 4)}
    for row in result.itertuples(index=False):
        assert row.conversion_probability == pytest.approx(3 / 8, abs=1e-15)
        assert row.removal_effect == pytest.approx(float(expected_effect[row.step]), abs=1e-12)
        assert row.conversion_probability_without_step == pytest.approx(
            float(expected_without[row.step]), abs=1e-12
        )


def test_matches_brute_force_on_a_chain_with_loops() -> None:
    # A small site: loops between product and search, a cart that can go back, revisits.
    counts = {
        (START, "home"): 50,
        (START, "search"): 30,
        (START, "product"): 20,
        ("home", "product"): 30,
        ("home", "search"): 10,
        ("home", EXIT): 25,
        ("search", "product"): 35,
        ("search", "home"): 5,
        ("search", EXIT): 15,
        ("product", "search"): 20,
        ("product", "add_to_cart"): 30,
        ("product", EXIT): 40,
        ("add_to_cart", "checkout"): 20,
        ("add_to_cart", "product"): 8,
        ("add_to_cart", EXIT): 6,
        ("checkout", "purchase"): 15,
        ("checkout", "add_to_cart"): 2,
        ("checkout", EXIT): 5,
        ("purchase", CONVERSION): 14,
        ("purchase", "home"): 1,
    }
    result = removal_effects(_frame(counts)).set_index("step")
    expected = _brute_force_effects(counts)
    assert set(result.index) == set(expected)
    baseline = _brute_force_conversion(counts)
    assert result["conversion_probability"].iloc[0] == pytest.approx(baseline, rel=1e-9)
    for step, effect in expected.items():
        assert result.loc[step, "removal_effect"] == pytest.approx(effect, rel=1e-9, abs=1e-12)
    # Every path to conversion passes purchase and checkout: removing them loses everything.
    assert result.loc["purchase", "removal_effect"] == pytest.approx(1.0)
    assert result.loc["checkout", "removal_effect"] == pytest.approx(1.0)
    # Ordered by effect, then step.
    ordered = removal_effects(_frame(counts))
    keys = list(zip(-ordered["removal_effect"], ordered["step"], strict=True))
    assert keys == sorted(keys)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_matches_brute_force_on_random_chains(seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps = [f"s{i}" for i in range(6)]
    counts: dict[tuple[str, str], int] = {}
    for step in rng.choice(steps, size=3, replace=False):
        counts[(START, str(step))] = int(rng.integers(1, 20))
    for step in steps:
        for target in [*steps, CONVERSION, EXIT]:
            if target != step and rng.random() < 0.4:
                counts[(step, target)] = int(rng.integers(1, 20))
        counts.setdefault((step, EXIT), int(rng.integers(1, 5)))
    counts.setdefault((steps[0], CONVERSION), 3)
    result = removal_effects(_frame(counts)).set_index("step")
    for step, effect in _brute_force_effects(counts).items():
        assert result.loc[step, "removal_effect"] == pytest.approx(effect, rel=1e-8, abs=1e-10)


def test_empty_input_gives_an_empty_frame() -> None:
    empty = pd.DataFrame(columns=["from_step", "to_step", "transitions"])
    result = removal_effects(empty)
    assert result.empty
    assert list(result.columns) == OUTPUT_COLUMNS


def test_no_conversions_gives_undefined_effects() -> None:
    counts = {(START, "home"): 3, ("home", "product"): 1, ("home", EXIT): 2, ("product", EXIT): 1}
    result = removal_effects(_frame(counts))
    assert set(result["step"]) == {"home", "product"}
    assert result["removal_effect"].isna().all()
    assert (result["conversion_probability"] == 0).all()
    assert (result["conversion_probability_without_step"] == 0).all()


def test_duplicates_are_summed_and_dangling_states_exit() -> None:
    # "help" is entered but never left: it behaves as an exit.
    counts = pd.DataFrame(
        [
            (START, "home", 1),
            (START, "home", 1),
            ("home", CONVERSION, 1),
            ("home", "help", 1),
            (START, "help", 2),
        ],
        columns=["from_step", "to_step", "transitions"],
    )
    result = removal_effects(counts).set_index("step")
    # P(conv) = 1/2 * 1/2 = 1/4; removing help changes nothing; removing home loses all.
    assert result.loc["home", "conversion_probability"] == pytest.approx(0.25)
    assert result.loc["help", "removal_effect"] == pytest.approx(0.0)
    assert result.loc["home", "removal_effect"] == pytest.approx(1.0)


def test_a_closed_loop_without_exit_is_solved() -> None:
    # A <-> B never ends; the linear system on every state would be singular.
    counts = {
        (START, "A"): 1,
        (START, "C"): 1,
        ("A", "B"): 1,
        ("B", "A"): 1,
        ("C", CONVERSION): 1,
    }
    result = removal_effects(_frame(counts)).set_index("step")
    assert result.loc["C", "conversion_probability"] == pytest.approx(0.5)
    assert result.loc["C", "removal_effect"] == pytest.approx(1.0)
    assert result.loc["A", "removal_effect"] == pytest.approx(0.0)
    assert result.loc["B", "removal_effect"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("home", CONVERSION, 1)], "no \\(start\\)"),
        ([(START, "home", -1)], "non-negative"),
        ([(START, "home", 1), (EXIT, "home", 1)], "absorbing"),
    ],
)
def test_invalid_input_is_rejected(rows: list[tuple[str, str, int]], message: str) -> None:
    frame = pd.DataFrame(rows, columns=["from_step", "to_step", "transitions"])
    with pytest.raises(ValueError, match=message):
        removal_effects(frame)


def test_missing_columns_are_rejected() -> None:
    with pytest.raises(ValueError, match="transitions"):
        removal_effects(pd.DataFrame({"from_step": [START], "to_step": ["home"]}))
