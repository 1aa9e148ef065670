"""Synthetic clickstream: the six input CSVs of docs/data_contract.md, with planted behaviour.

The generator writes ``customers``, ``products``, ``sessions``, ``events``, ``orders`` and
``order_items`` exactly as the input contract describes them (every value is text), plus a
``defects_manifest`` that lists every defect it injected and what staging must make of it.
Everything is drawn from ``numpy.random.default_rng(seed)`` (one spawned stream per concern,
one per chunk of sessions), so a configuration always gives the same bytes.

The parts, in the order the data flows through them:

``config``
    :class:`GeneratorConfig` and its checks.
``world``
    The simulated shop as numbers: products, customers, sessions, events, orders; its
    docstring lists the planted behaviour the analytics layer should find.
``formats``
    How those numbers are written as contract text.
``defects``
    The injected bad rows and in-place edits, and the manifest that lists them; its
    docstring lists every defect kind.
``writer``
    The entry points below: the tables in memory or as CSV files, with progress.
"""

from customer_behaviour.generate.config import GeneratorConfig
from customer_behaviour.generate.defects import MANIFEST_NAME
from customer_behaviour.generate.writer import generate_tables, generate_to_folder, planted_pairs

__all__ = [
    "MANIFEST_NAME",
    "GeneratorConfig",
    "generate_tables",
    "generate_to_folder",
    "planted_pairs",
]
