"""SQL text built in Python."""


def sql_string(value: object) -> str:
    """`value` as a SQL string literal (quotes doubled), for the places DuckDB takes no bound
    parameter (ATTACH, COPY ... TO) or reads slower with one (read_csv's options)."""
    return "'" + str(value).replace("'", "''") + "'"
