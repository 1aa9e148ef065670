"""Scale check of the association rules: synthetic sparse baskets, time and peak memory.

    .venv/bin/python python/bench/bench_baskets.py --orders 1000000 --products 10000

Baskets look like the shop's: Zipf-like product popularity, most orders holding one product,
the rest two to four, a few planted pairs. The run goes through the same functions as
``customer-behaviour analyze`` (``baskets.mine_baskets``: both levels, sparse one-hot,
mlxtend fpgrowth, rules, coverage) and prints the wall time and the peak resident memory,
next to what a dense orders x products one-hot would have needed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import pandas as pd

from customer_behaviour.baskets import BasketOptions, mine_baskets


def synthetic_basket_items(
    n_orders: int, n_products: int, n_categories: int, seed: int
) -> pd.DataFrame:
    """One row per (order, product): 78% single-item orders, Zipf popularity, planted pairs."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 4], size=n_orders, p=[0.78, 0.15, 0.05, 0.02])
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9
    popularity /= popularity.sum()
    order_of_line = np.repeat(np.arange(n_orders), sizes)
    products = rng.choice(n_products, size=len(order_of_line), p=popularity)
    # planted pairs: the second line of some two-line orders completes a pair
    starts = np.cumsum(sizes) - sizes
    pairs = rng.choice(n_products, size=(20, 2), replace=False)
    two_line = np.flatnonzero(sizes == 2)
    planted = two_line[rng.random(len(two_line)) < 0.3]
    chosen = pairs[rng.integers(0, len(pairs), len(planted))]
    products[starts[planted]] = chosen[:, 0]
    products[starts[planted] + 1] = chosen[:, 1]
    items = pd.DataFrame(
        {
            "order_id": order_of_line.astype(np.int64),
            "product_id": products.astype(np.int64),
        }
    ).drop_duplicates()
    items["category"] = "c" + (items["product_id"] % n_categories).astype(str)
    items["order_id"] = "o" + items["order_id"].astype(str)
    items["product_id"] = "p" + items["product_id"].astype(str)
    return items


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--min-support", type=float, nargs="+", default=[0.01, 0.001, 0.0002])
    parser.add_argument("--min-confidence", type=float, default=0.1)
    parser.add_argument("--max-len", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    items = synthetic_basket_items(args.orders, args.products, args.categories, args.seed)
    print(
        f"synthesised {args.orders:,} orders x {args.products:,} products: "
        f"{len(items):,} basket items in {time.perf_counter() - started:.1f}s, "
        f"peak RSS {peak_rss_mib():,.0f} MiB"
    )
    dense_gib = args.orders * args.products / 1024**3
    print(f"a dense boolean one-hot would need {dense_gib:,.1f} GiB")
    for min_support in args.min_support:
        options = BasketOptions(
            min_support=min_support, min_confidence=args.min_confidence, max_len=args.max_len
        )
        started = time.perf_counter()
        result = mine_baskets(items, options)
        elapsed = time.perf_counter() - started
        for row in result.diagnostics.itertuples():
            print(
                f"min_support {min_support:g} {row.level:>8}: {row.n_frequent_itemsets:,} "
                f"frequent itemsets, {row.n_rules:,} rules, covering {row.covered_share:.1%}"
            )
        print(f"min_support {min_support:g}: {elapsed:.1f}s, peak RSS {peak_rss_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
