"""An independent Python implementation of the channel-group rule (doc block channel_group).

Written from the documented rule, not from the SQL: the traffic source is kept as given
(trimmed, lower case; 'unknown' when missing); its channel group is the exact rule's, else
the matching pattern rule with the lowest rule_order (Python's re, whole-string match), else
'other'. The rules are read from the seed CSV the build loads.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from support.paths import SEEDS_DIR

SEED = SEEDS_DIR / "configuration" / "channel_groups.csv"


@dataclass(frozen=True)
class ChannelRules:
    exact: dict[str, str]
    patterns: tuple[tuple[int, re.Pattern[str], str], ...]


def load_rules(path: Path = SEED) -> ChannelRules:
    exact: dict[str, str] = {}
    patterns: list[tuple[int, re.Pattern[str], str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["match_type"] == "exact":
                assert row["match_value"] not in exact, f"two exact rules for {row['match_value']}"
                exact[row["match_value"]] = row["channel_group"]
            else:
                assert row["match_type"] == "pattern", row
                patterns.append(
                    (int(row["rule_order"]), re.compile(row["match_value"]), row["channel_group"])
                )
    return ChannelRules(exact=exact, patterns=tuple(sorted(patterns, key=lambda p: p[0])))


def traffic_source(raw: str | None) -> str:
    """The staged value: trimmed and lower-cased; 'unknown' when missing."""
    if raw is None:
        return "unknown"
    text = raw.strip(" ")
    if text == "" or text.lower() == "null":
        return "unknown"
    return text.lower()


def channel_group(source: str, rules: ChannelRules) -> str:
    if source in rules.exact:
        return rules.exact[source]
    for _, pattern, group in rules.patterns:
        if pattern.fullmatch(source):
            return group
    return "other"
