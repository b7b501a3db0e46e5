"""PostgreSQL's plan of an order query, as EXPLAIN prints it, with some of the planner's
choices switched off: the tests' tables hold a few rows, which the planner would read whole
and sort; switching those choices off shows which indexes can answer the query at any size."""

from django.db import connection, transaction


def plan_without(queryset, *settings: str) -> str:
    """EXPLAIN of `queryset` with each of `settings` ("enable_seqscan"…) off, in a transaction."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
