{#- A view: the charts are kept, and charted again series by series, in int_theme_spc_charted;
    the publish copies this view's rows as the table theme_spc. Named without the warehouse's
    catalog, so the view reads its own warehouse under whatever name it is attached. -#}
{{ config(materialized='view') }}

select * exclude (series_digest)
from {{ ref('int_theme_spc_charted').include(database=False) }}
