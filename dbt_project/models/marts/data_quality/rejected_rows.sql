-- One row per rejected export row: where it sits and why.

{{ rows_where_exported(ref('stg_loader__rejected_rows')) }}
