"""``customer-behaviour analyze``: read the marts, run the analyses SQL does badly, write back.

The connection comes from the dbt profile and target (:mod:`customer_behaviour.profile`), the
marts are found through dbt's manifest (:mod:`customer_behaviour.manifest`), and every result
table is declared in the dbt source ``analytics``, whose descriptions become the tables'
comments. All result tables of a run are swapped in together, in one transaction
(:mod:`customer_behaviour.warehouse`), so the schema always holds the results of one run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from customer_behaviour import (
    attribution,
    baskets,
    drivers,
    experiment,
    funnel_comparisons,
    styles,
)
from customer_behaviour.analytics_tables import (
    ASSOCIATION_DIAGNOSTICS,
    ASSOCIATION_RULES,
    CHANNEL_ATTRIBUTION_MARKOV,
    CONVERSION_CALIBRATION,
    CONVERSION_DRIVERS,
    EXPERIMENT_SIZING,
    FUNNEL_PERIOD_CHANGE,
    FUNNEL_SEGMENT_COMPARISON,
    PATH_REMOVAL_EFFECTS,
    PURCHASE_STYLE_COMPARISON,
    SPEND_DRIVERS,
)
from customer_behaviour.errors import UserError
from customer_behaviour.manifest import Manifest, load_manifest
from customer_behaviour.profile import load_target
from customer_behaviour.warehouse import (
    Columns,
    KeySample,
    TableWrite,
    ValueIn,
    Warehouse,
    connect,
    empty_frame,
)

SESSIONS_MODEL = "fct_sessions"
BASKET_ITEMS_MODEL = "fct_basket_items"
PATH_TRANSITIONS_MODEL = "fct_path_transitions"
FUNNEL_MODEL = "fct_funnel"
FUNNEL_PERIODS_MODEL = "fct_funnel_periods"
CONVERSION_TOUCHES_MODEL = "fct_conversion_touches"
ANALYTICS_EXPOSURE = "python_analytics_layer"
RESAMPLES_VARIABLE = "customer_behaviour__attribution_bootstrap_resamples"
SEED_VARIABLE = "customer_behaviour__attribution_bootstrap_seed"
DRIVER_SAMPLE_VARIABLE = "customer_behaviour__driver_max_sessions"
DRIVER_SAMPLE_KEY = ("customer_id", "session_id")
"""A driver sample keeps whole customers (the models' clusters); an anonymous session is a
cluster of its own."""

PATH_TRANSITION_COLUMNS = ("from_step", "to_step", "transitions")
PATH_REMOVAL_COLUMNS: Columns = {
    "step": "text",
    "removal_effect": "float",
    "conversion_probability": "float",
    "conversion_probability_without_step": "float",
}

RESULT_COLUMNS: dict[str, Columns] = {
    ASSOCIATION_RULES: baskets.RULE_COLUMNS,
    ASSOCIATION_DIAGNOSTICS: baskets.DIAGNOSTIC_COLUMNS,
    CONVERSION_DRIVERS: drivers.CONVERSION_COLUMNS,
    CONVERSION_CALIBRATION: drivers.CALIBRATION_COLUMNS,
    SPEND_DRIVERS: drivers.SPEND_COLUMNS,
    PURCHASE_STYLE_COMPARISON: styles.COMPARISON_COLUMNS,
    EXPERIMENT_SIZING: experiment.SIZING_COLUMNS,
    PATH_REMOVAL_EFFECTS: PATH_REMOVAL_COLUMNS,
    FUNNEL_SEGMENT_COMPARISON: funnel_comparisons.SEGMENT_COMPARISON_COLUMNS,
    FUNNEL_PERIOD_CHANGE: funnel_comparisons.PERIOD_CHANGE_COLUMNS,
    CHANNEL_ATTRIBUTION_MARKOV: attribution.MARKOV_COLUMNS,
}
"""Every table the Python layer writes and its columns; the dbt source must declare them."""

STEPS = 9


@dataclass
class AnalyzeResult:
    """What a run wrote: table -> rows, the diagnostics it printed, and why each table it wrote
    empty is empty (table -> reason)."""

    written: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    empty_because: dict[str, str] = field(default_factory=dict)
    location: str = ""


@dataclass
class SessionFrames:
    """What the session-level analyses read of fct_sessions, each only the rows and columns
    it needs: at 10M sessions the whole mart does not fit the Python layer's 4 GB."""

    drivers: pd.DataFrame
    styles: pd.DataFrame
    experiment: pd.DataFrame
    total: int
    sample: KeySample | None


def _read_sessions(warehouse: Warehouse, manifest: Manifest) -> SessionFrames:
    """The driver models' sessions (a seeded sample of whole customers beyond
    customer_behaviour__driver_max_sessions), the purchasing sessions of the two styles, and
    every session's outcome and start for the experiment sizing."""
    relation = manifest.model(SESSIONS_MODEL)
    available = warehouse.column_names(relation)
    styles.require_style_column(available, str(relation))
    cap = manifest.exposure(ANALYTICS_EXPOSURE).meta_integer(DRIVER_SAMPLE_VARIABLE)
    if cap < 1:
        raise UserError(
            f"{DRIVER_SAMPLE_VARIABLE} is {cap}: set it to the most sessions the driver models "
            "may fit (1000000 by default) in dbt_project.yml or --vars, then rebuild"
        )
    total = warehouse.count_rows(relation)
    sample = KeySample(DRIVER_SAMPLE_KEY, cap / total) if total > cap else None
    return SessionFrames(
        drivers=warehouse.read(relation, drivers.SESSION_COLUMNS, sample),
        styles=warehouse.read(
            relation, styles.SESSION_COLUMNS, ValueIn(styles.STYLE_COLUMN, styles.STYLES)
        ),
        experiment=warehouse.read(relation, experiment.SESSION_COLUMNS),
        total=total,
        sample=sample,
    )


def _sample_message(sessions: SessionFrames) -> str | None:
    if sessions.sample is None:
        return None
    return (
        f"driver models on a seeded sample of whole customers: {len(sessions.drivers):,} of "
        f"{sessions.total:,} sessions, about the "
        f"{round(sessions.sample.fraction * sessions.total):,} that {DRIVER_SAMPLE_VARIABLE} "
        "allows"
    )


def _path_removal_effects(
    warehouse: Warehouse, manifest: Manifest, say: Callable[[str], None]
) -> tuple[pd.DataFrame | None, list[str]]:
    """Removal effects from the transitions mart (None when the project lacks it), and what
    to say about them."""
    if not manifest.has_model(PATH_TRANSITIONS_MODEL):
        say(f"      skipped: the project has no model {PATH_TRANSITIONS_MODEL}")
        return None, []
    from customer_behaviour.markov import removal_effects

    relation = manifest.model(PATH_TRANSITIONS_MODEL)
    transitions = warehouse.read(relation, PATH_TRANSITION_COLUMNS)
    effects = removal_effects(transitions)
    if effects.empty:
        return effects, [
            f"no removal effects: {relation} holds no transition (no session has events)"
        ]
    messages = [f"{len(effects):,} steps"]
    if effects["removal_effect"].isna().all():
        messages.append(
            "removal effects undefined (left null): no path ends in a conversion, so no step "
            "can be credited with one"
        )
    return effects, messages


def _markov_attribution(
    warehouse: Warehouse, manifest: Manifest, say: Callable[[str], None]
) -> attribution.MarkovResult | None:
    """The Markov channel attribution of the journeys (None when the project lacks them)."""
    if not manifest.has_model(CONVERSION_TOUCHES_MODEL):
        say(f"      skipped: the project has no model {CONVERSION_TOUCHES_MODEL}")
        return None
    exposure = manifest.exposure(ANALYTICS_EXPOSURE)
    settings = attribution.BootstrapSettings(
        resamples=exposure.meta_integer(RESAMPLES_VARIABLE),
        seed=exposure.meta_integer(SEED_VARIABLE),
    )
    if settings.resamples < 0:
        raise UserError(
            f"{RESAMPLES_VARIABLE} is {settings.resamples}: set it to 0 (no intervals) or more "
            "in dbt_project.yml or --vars, then rebuild"
        )
    touches = warehouse.read(manifest.model(CONVERSION_TOUCHES_MODEL), attribution.TOUCH_COLUMNS)
    return attribution.markov_attribution(touches, settings)


def _empty_reason(frame: pd.DataFrame, messages: list[str]) -> str | None:
    """Why a result table is empty: the last message of the step that produced it."""
    if not frame.empty:
        return None
    return messages[-1] if messages else "no rows"


def run_analyses(
    target_name: str | None,
    options: baskets.BasketOptions,
    say: Callable[[str], None] = print,
) -> AnalyzeResult:
    """The whole ``analyze`` command; ``say`` receives one progress line per step."""
    options.validate()
    target = load_target(target_name)
    manifest = load_manifest()
    result = AnalyzeResult(location=target.describe())
    writes: dict[str, pd.DataFrame] = {}
    reasons: dict[str, str | None] = {}

    def note(messages: list[str]) -> None:
        for message in messages:
            say(f"      {message}")
        result.messages.extend(messages)

    with connect(target) as warehouse:
        say(f"[1/{STEPS}] reading the marts from {target.describe()}")
        sessions = _read_sessions(warehouse, manifest)
        basket_items = warehouse.read(manifest.model(BASKET_ITEMS_MODEL), baskets.BASKET_COLUMNS)
        say(f"      {sessions.total:,} sessions, {len(basket_items):,} basket items")
        sampled = _sample_message(sessions)
        if sampled:
            note([sampled])

        say(f"[2/{STEPS}] association rules (mlxtend {options.algorithm})")
        mined = baskets.mine_baskets(basket_items, options)
        # Each input frame is let go once its step is done, so the later steps (the
        # attribution's touches above all) do not stack on it: at 10M sessions the layer's
        # peak is the sum of what is held at the attribution step.
        del basket_items
        writes[ASSOCIATION_RULES] = mined.rules
        writes[ASSOCIATION_DIAGNOSTICS] = mined.diagnostics
        note(mined.messages)
        if mined.rules.empty:
            reasons[ASSOCIATION_RULES] = (
                mined.messages[-1]
                if mined.diagnostics["n_baskets"].eq(0).all()
                else "no itemset reaches the minimum support and confidence at either level "
                "(see the verdicts in association_diagnostics)"
            )

        say(
            f"[3/{STEPS}] driver analysis: who purchases, who spends more, all events and "
            "pre-intent (statsmodels)"
        )
        conversion = drivers.conversion_drivers(sessions.drivers)
        spend = drivers.spend_drivers(sessions.drivers)
        calibration = (
            conversion.calibration
            if conversion.calibration is not None
            else empty_frame(drivers.CALIBRATION_COLUMNS)
        )
        writes[CONVERSION_DRIVERS] = conversion.frame
        writes[CONVERSION_CALIBRATION] = calibration
        writes[SPEND_DRIVERS] = spend.frame
        note(conversion.messages + spend.messages)
        reasons[CONVERSION_DRIVERS] = _empty_reason(conversion.frame, conversion.messages)
        reasons[CONVERSION_CALIBRATION] = _empty_reason(calibration, conversion.messages)
        reasons[SPEND_DRIVERS] = _empty_reason(spend.frame, spend.messages)

        say(f"[4/{STEPS}] purchase styles: cheap_many versus expensive_few")
        compared = styles.compare_styles(sessions.styles)
        writes[PURCHASE_STYLE_COMPARISON] = compared.frame
        note(compared.messages)
        reasons[PURCHASE_STYLE_COMPARISON] = _empty_reason(compared.frame, compared.messages)

        say(f"[5/{STEPS}] experiment sizing")
        sized = experiment.experiment_sizing(sessions.experiment)
        del sessions
        writes[EXPERIMENT_SIZING] = sized.frame
        note(sized.messages)
        reasons[EXPERIMENT_SIZING] = _empty_reason(sized.frame, sized.messages)

        say(f"[6/{STEPS}] path removal effects (Markov chain)")
        effects, effect_messages = _path_removal_effects(warehouse, manifest, say)
        if effects is not None:
            writes[PATH_REMOVAL_EFFECTS] = effects
            note(effect_messages)
            reasons[PATH_REMOVAL_EFFECTS] = _empty_reason(effects, effect_messages)

        say(f"[7/{STEPS}] funnel comparisons: segments against the rest, period over period")
        for name, model, compare in (
            (FUNNEL_SEGMENT_COMPARISON, FUNNEL_MODEL, funnel_comparisons.segment_comparison),
            (FUNNEL_PERIOD_CHANGE, FUNNEL_PERIODS_MODEL, funnel_comparisons.period_change),
        ):
            if not manifest.has_model(model):
                say(f"      skipped {name}: the project has no model {model}")
                continue
            compared_funnel = compare(warehouse.read(manifest.model(model)))
            writes[name] = compared_funnel.frame
            note(compared_funnel.messages)
            reasons[name] = _empty_reason(compared_funnel.frame, compared_funnel.messages)

        say(f"[8/{STEPS}] channel attribution (Markov chain, bootstrap intervals)")
        markov = _markov_attribution(warehouse, manifest, say)
        if markov is not None:
            writes[CHANNEL_ATTRIBUTION_MARKOV] = markov.frame
            note(markov.messages)
            reasons[CHANNEL_ATTRIBUTION_MARKOV] = _empty_reason(markov.frame, markov.messages)

        tables = [
            TableWrite(manifest.analytics_table(name), frame, RESULT_COLUMNS[name])
            for name, frame in writes.items()
        ]
        schema = tables[0].table.relation.schema
        say(f"[9/{STEPS}] writing {len(tables)} tables to schema {schema} (one swap)")
        warehouse.replace_tables(tables)
        for name, write in zip(writes, tables, strict=True):
            result.written[str(write.table.relation)] = len(write.frame)
            reason = reasons.get(name)
            if write.frame.empty and reason:
                result.empty_because[str(write.table.relation)] = reason
    return result
