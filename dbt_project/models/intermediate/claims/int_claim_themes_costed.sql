-- One row per claim x theme it carries, and once more per claim under `all`: the claim's
-- directorate, incident financial year, state and money, for claims_cost and the cost
-- evidence of the PSIRP marts.

with

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

specialty_directorates as (

    -- A specialty of the locations seed that only one directorate holds: a claims listing
    -- often names the specialty and no ward (NHS Resolution's does), and the claim then
    -- belongs to that directorate. A specialty two directorates share places no claim.
    select
        lower(trim(specialty)) as specialty_key,
        any_value(directorate) as directorate
    from {{ ref('locations') }}
    where nullif(trim(specialty), '') is not null
        and nullif(trim(directorate), '') is not null
    group by lower(trim(specialty))
    having count(distinct directorate) = 1

),

claims_placed as (

    -- The spine's directorate: the locations seed's for a resolved ward, else the exported
    -- value when it is publishable (int_quality_records_unioned); else the one directorate
    -- of the locations seed holding the claim's specialty.
    select
        claims.* exclude (directorate),
        quality_records.record_key,
        coalesce(
            quality_records.directorate, specialty_directorates.directorate, 'Not recorded'
        ) as directorate,
        -- NHS financial year (April to March) of the incident, as NHS Resolution reports it.
        case
            when claims.incident_date is null then 'not recorded'
            else {{ financial_year('claims.incident_date') }}
        end as incident_financial_year
    from claims
    inner join quality_records
        on quality_records.source = 'claims'
        and quality_records.record_id = claims.claim_id
    left join specialty_directorates
        on specialty_directorates.specialty_key = lower(trim(claims.specialty))

),

claim_themes as (

    -- Each claim under every theme it carries, and once more under `all` (so `all` rows
    -- add up to the register's totals); an unthemed claim counts under `all` only.
    select claims_placed.*, record_themes.theme_id
    from claims_placed
    inner join record_themes
        on claims_placed.record_key = record_themes.record_key

    union all by name

    select claims_placed.*, 'all' as theme_id
    from claims_placed

)

select * from claim_themes
