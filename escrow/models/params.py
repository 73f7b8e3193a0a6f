"""Date and datetime parameters of hand-written SQL, bound as the ORM binds a model field's value.

SQLite (the quick start's embedded database) stores a DateTimeField as UTC text without an offset
('YYYY-MM-DD HH:MM:SS[.ffffff]') and a DateField as 'YYYY-MM-DD', and compares them as text; its driver writes a
raw aware datetime with its offset (isoformat(" "): '2027-01-26 00:00:00+08:00'), so a moment near a contract
day's bound (00:00-08:00 Beijing, still the previous day in UTC) lands on the wrong side of a comparison.
PostgreSQL takes the aware value as it is. Every hand-written read binds its dates and datetimes through these
(escrow.queries.rows re-exports them for the reads; escrow.usecases, below the queries, imports them from here).
"""

from django.db import connection


def moment(value):
    """A datetime parameter as the ORM binds a DateTimeField's value (UTC text on SQLite, the value on PostgreSQL)."""
    return connection.ops.adapt_datetimefield_value(value)


def day(value):
    """A date parameter as the ORM binds a DateField's value ('YYYY-MM-DD' on SQLite, the date on PostgreSQL)."""
    return connection.ops.adapt_datefield_value(value)
