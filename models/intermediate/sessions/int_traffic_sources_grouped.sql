{#-
    One row per traffic source of the accepted sessions with its channel
    group from the seed channel_groups (doc block channel_group): the exact
    rule for the value, else the matching pattern rule with the lowest
    rule_order, else 'other'. A table rebuilt on every run (not incremental),
    so an edited mapping applies to every session at the next run;
    fct_sessions joins it.
-#}
with

sessions as (
    select * from {{ ref('stg_shop__sessions') }}
    where is_accepted
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

traffic_sources as (
    select distinct traffic_source
    from sessions
),

exact_matches as (
    select
        traffic_sources.traffic_source,
        channel_groups.rule_order,
        channel_groups.channel_group
    from traffic_sources
    inner join channel_groups
        on
            channel_groups.match_type = 'exact'
            and traffic_sources.traffic_source = channel_groups.match_value
),

pattern_matches_ranked as (
    select
        traffic_sources.traffic_source,
        channel_groups.rule_order,
        channel_groups.channel_group,
        row_number() over (
            partition by traffic_sources.traffic_source
            order by channel_groups.rule_order
        ) as match_rank
    from traffic_sources
    inner join channel_groups
        on
            channel_groups.match_type = 'pattern'
            and {{ regex_full_match_column(
                'traffic_sources.traffic_source', 'channel_groups.match_value'
            ) }}
),

final as (
    select
        traffic_sources.traffic_source,
        coalesce(
            exact_matches.channel_group, pattern_matches_ranked.channel_group, 'other'
        ) as channel_group,
        case
            when exact_matches.traffic_source is not null then 'exact'
            when pattern_matches_ranked.traffic_source is not null then 'pattern'
            else 'none'
        end as channel_match_type,
        coalesce(
            exact_matches.rule_order, pattern_matches_ranked.rule_order
        ) as channel_rule_order
    from traffic_sources
    left join exact_matches
        on traffic_sources.traffic_source = exact_matches.traffic_source
    left join pattern_matches_ranked
        on
            traffic_sources.traffic_source = pattern_matches_ranked.traffic_source
            and pattern_matches_ranked.match_rank = 1
)

select * from final
