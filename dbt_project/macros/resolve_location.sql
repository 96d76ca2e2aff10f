{#
    Resolving an exported location (and its exported site) through int_location_keys_resolved
    aliased `location_keys`: an alias limited to the record's site wins over one for any site
    ("Outpatients" at Riverside and at Northgate are two locations). Use
    `{{ join_location_keys(location, site) }}` after the FROM, then
    `{{ resolved_location('location_id') }}` for a column of the resolved location.
#}
{% macro join_location_keys(location_column, site_column) -%}
    left join location_keys as site_location_keys
        on {{ normalise_location(location_column) }} = site_location_keys.location_key
        and {{ normalise_location(site_column) }} = site_location_keys.site_key
    left join location_keys as any_site_location_keys
        on {{ normalise_location(location_column) }} = any_site_location_keys.location_key
        and any_site_location_keys.site_key is null
{%- endmacro %}

{% macro resolved_location(column) -%}
    case
        when site_location_keys.location_id is not null then site_location_keys.{{ column }}
        else any_site_location_keys.{{ column }}
    end
{%- endmacro %}
