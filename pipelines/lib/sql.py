"""SQL text built in Python."""


def sql_string(value: object) -> str:
    """`value` as a SQL string literal (quotes doubled), for the places DuckDB takes no bound
    parameter (ATTACH, COPY ... TO) or reads slower with one (read_csv's options)."""
    return "'" + str(value).replace("'", "''") + "'"


# The catalog is read with its names written in: a catalog query with bound parameters reads
# every table's metadata first, 0.3-0.9 s on a connection's first such query to a large
# trust's warehouse or to the published marts (a few milliseconds with the values written in).
def _catalog_filter(table: str, schema: str | None) -> str:
    return (f"table_name = {sql_string(table)}"
            + (f" and schema_name = {sql_string(schema)}" if schema is not None else ""))


def has_table(con, table: str, schema: str | None = None) -> bool:
    """Whether the current database (`schema`, if given) holds the base table `table`."""
    return bool(con.execute("select 1 from duckdb_tables() where "
                            + _catalog_filter(table, schema)).fetchall())


def table_columns(con, table: str, schema: str | None = None) -> list[tuple[str, str]]:
    """The columns of `table` (in `schema`, if given), name and type, in order."""
    return con.execute("select column_name, data_type from duckdb_columns() where "
                       + _catalog_filter(table, schema) + " order by column_index").fetchall()
