{#
    The share of a reference's other-theme records that fall in the recent part, its
    outlying themes' records (int_theme_windows_counted.reference_outliers) left out: how its
    volume moved, not one theme's surge. Where nothing but outlying themes is left, all of
    them. Null where the reference has no other-theme records.
#}
{% macro steady_recent_share(recent, baseline, outlier_recent, outlier_baseline) -%}
    case when {{ recent }} - {{ outlier_recent }} + {{ baseline }} - {{ outlier_baseline }} > 0
        then ({{ recent }} - {{ outlier_recent }})
            / ({{ recent }} - {{ outlier_recent }} + {{ baseline }} - {{ outlier_baseline }})
        else {{ recent }} / nullif({{ recent }} + {{ baseline }}, 0) end
{%- endmacro %}
