"""Where defects come from: distinct source rows, fresh ids, how many of each kind."""

from __future__ import annotations

import numpy as np

from customer_behaviour.generate.formats import ids
from customer_behaviour.generate.world import IdSpec


class RowPicker:
    """Hands out distinct random rows of a table, so no row carries two defects."""

    def __init__(self, rng: np.random.Generator, n_rows: int) -> None:
        self._order = rng.permutation(n_rows)
        self._next = 0

    def take(self, count: int) -> np.ndarray:
        rows = self._order[self._next : self._next + count]
        self._next += len(rows)
        return rows


class FreshIds:
    """Unique ids that exist nowhere in the clean data: ``x`` + prefix + number."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def take(self, spec: IdSpec, count: int) -> np.ndarray:
        first = self._used.get(spec.prefix, 0) + 1
        self._used[spec.prefix] = first + count - 1
        return ids(IdSpec("x" + spec.prefix, spec.width), np.arange(first, first + count))


def kind_count(rate: float, n_rows: int, n_kinds: int) -> int:
    """Defects per kind: rate x rows spread over the family's kinds, at least one."""
    return max(1, round(rate * n_rows / n_kinds))
