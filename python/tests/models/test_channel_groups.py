"""The default channel mapping (seeds/configuration/channel_groups.csv) without a build.

The rule itself is checked against the SQL on both targets in test_funnel_configuration.py
(every traffic source of a build, grouped by int_traffic_sources_grouped, equals
reference_channels.channel_group). Here the seed's defaults are checked against the channel
groups web analytics uses (GA4's default channel grouping) for the usual values, written
out by hand, and the seed against the pattern language every target shares.
"""

from __future__ import annotations

import csv
import re

import pytest

from support import reference_channels

EXPECTED = {
    # The six sources of the sample, as the generator writes them.
    "direct": "direct",
    "organic": "organic_search",
    "paid": "paid_search",
    "social": "organic_social",
    "email": "email",
    "referral": "referral",
    # GA4's usual source / medium values and single names.
    "(direct) / (none)": "direct",
    "(direct)/(not set)": "direct",
    "google / cpc": "paid_search",
    "bing / ppc": "paid_search",
    "paid_search": "paid_search",
    "cpc": "paid_search",
    "google / organic": "organic_search",
    "duckduckgo.com / referral": "organic_search",
    "news.google.com": "organic_search",
    "yahoo": "organic_search",
    "shop / organic": "organic_search",
    "facebook / cpc": "paid_social",
    "instagram / paid": "paid_social",
    "linkedin.com / retargeting": "paid_social",
    "paid_social": "paid_social",
    "facebook": "organic_social",
    "m.facebook.com / referral": "organic_social",
    "t.co / referral": "organic_social",
    "forum / social": "organic_social",
    "criteo / cpm": "display",
    "display": "display",
    "dv360 / banner": "display",
    "newsletter": "email",
    "newsletter / email": "email",
    "mailchimp / e-mail": "email",
    "e-mail": "email",
    "affiliate": "affiliates",
    "awin / affiliate": "affiliates",
    "partner / affiliates": "affiliates",
    "blog.example.com / referral": "referral",
    "blog.example.com": "referral",
    "example.org / link": "referral",
    # A missing source, and channels the defaults do not know.
    "unknown": "unknown",
    "tv_spot": "other",
    "partner portal": "other",
    "podcast-promo / audio": "other",
    "unknown-dsp / cpc": "other",
    "sms": "other",
}


@pytest.fixture(scope="module")
def rules() -> reference_channels.ChannelRules:
    return reference_channels.load_rules()


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_default_mapping_gives_the_usual_channel_groups(
    source: str, rules: reference_channels.ChannelRules
) -> None:
    assert reference_channels.channel_group(source, rules) == EXPECTED[source]


def test_the_six_defaults_keep_their_value_and_variants_map_alike(
    rules: reference_channels.ChannelRules,
) -> None:
    for raw in ["Organic", " referral ", "PAID", "Email", "  direct", "SOCIAL "]:
        source = reference_channels.traffic_source(raw)
        assert source == raw.strip().lower()
        assert reference_channels.channel_group(source, rules) == EXPECTED[source]
    assert reference_channels.traffic_source(None) == "unknown"
    assert reference_channels.traffic_source(" null ") == "unknown"


def test_the_seed_is_written_in_the_shared_pattern_language() -> None:
    """Every target reads the patterns alike: no backslashes, lookarounds or backreferences;
    exact values are as staging stores them; keys and exact values are unique."""
    with reference_channels.SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [*rows[0]] == ["rule_order", "match_type", "match_value", "channel_group"]
    assert len({row["rule_order"] for row in rows}) == len(rows)
    groups = {row["channel_group"] for row in rows}
    assert {
        "direct",
        "organic_search",
        "paid_search",
        "display",
        "paid_social",
        "organic_social",
        "email",
        "referral",
        "affiliates",
    } <= groups
    exact = [row["match_value"] for row in rows if row["match_type"] == "exact"]
    assert len(set(exact)) == len(exact)
    assert all(value == value.strip().lower() for value in exact)
    for row in rows:
        value = row["match_value"]
        assert "\\" not in value and "(?" not in value, row
        if row["match_type"] == "pattern":
            re.compile(value)
            assert value == value.lower(), row
