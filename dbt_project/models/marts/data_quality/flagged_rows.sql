-- One row per export row loaded though a warning rule flags it (a date before the one it
-- follows): where it sits and why, for the team to check in the source system.

{{ rows_where_exported(ref('stg_loader__flagged_rows')) }}
