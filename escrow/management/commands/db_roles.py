"""Set up the two PostgreSQL roles of docs/deployment.md (issue 10 item 6, least privilege).

- The owner owns the schema objects and runs `migrate`; its credentials are used for migrations only.
- The application role (web, API, worker, beat) owns nothing: it can read and write rows, use sequences and
  nothing else. Only an owner or a superuser can `ALTER TABLE ... DISABLE TRIGGER`, and TRUNCATE is never
  granted, so the application can neither switch off the append-only triggers nor empty a table.
- On the append-only tables (history entries, share ledger) it may only SELECT and INSERT, and on the chain
  heads it may not DELETE: django-pgtrigger's `pgtrigger.ignore` is a session setting any role can set,
  so for the application the grants, not the triggers, are what refuse a rewrite.

Run it as a superuser (it creates roles and moves ownership) on the database of DATABASE_URL, before the
first `migrate` and again after every `migrate`: it is idempotent.
"""

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from escrow.models import HistoryChain, HistoryEntry, ShareMovement

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# No role of ours may create roles or databases, replicate, bypass row security or be a superuser.
NO_POWERS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def _append_only():
    """Tables the application may only read and add to (and the chain heads it may not remove)."""
    return {
        HistoryEntry._meta.db_table: "UPDATE, DELETE",
        ShareMovement._meta.db_table: "UPDATE, DELETE",
        HistoryChain._meta.db_table: "DELETE",
    }


class Command(BaseCommand):
    help = (
        "Create or update the database owner role (runs migrations) and the application role (owns nothing, "
        "reads and writes rows only). Run as a superuser before the first migrate and after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="escrow_owner", help="the role that owns the tables and migrates")
        parser.add_argument("--app", default="escrow_app", help="the role the application connects as")
        parser.add_argument(
            "--owner-password-env",
            default="ESCROW_DB_OWNER_PASSWORD",
            help="environment variable holding the owner's password (unset: the password is left as it is)",
        )
        parser.add_argument(
            "--app-password-env",
            default="ESCROW_DB_APP_PASSWORD",
            help="environment variable holding the application role's password (unset: left as it is)",
        )
        parser.add_argument("--print", action="store_true", dest="dry_run", help="print the SQL, change nothing")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_roles: the roles are PostgreSQL's; SQLite (the demo) has no roles to set up")
        owner, app = options["owner"], options["app"]
        for name in (owner, app):
            if not ROLE_NAME.match(name):
                raise CommandError(f"db_roles: '{name}' is not a plain role name (lower case, digits, underscore)")
        if owner == app:
            raise CommandError("db_roles: the owner and the application role must be two different roles")
        passwords = {
            owner: os.environ.get(options["owner_password_env"]),
            app: os.environ.get(options["app_password_env"]),
        }
        with connection.cursor() as cursor:
            statements = self._roles(cursor, owner, app, passwords) + self._ownership(cursor, owner)
            statements += self._grants(owner, app)
            for sql, params in statements:
                self.stdout.write(sql.replace("PASSWORD %s", "PASSWORD '…'") + ";")
                if not options["dry_run"]:
                    cursor.execute(sql, params)
        if not options["dry_run"]:
            self.stdout.write(f"db_roles: {owner} owns the schema, {app} reads and writes rows only")

    def _roles(self, cursor, owner, app, passwords):
        q = connection.ops.quote_name
        statements = []
        for name in (owner, app):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            statements.append((f"{verb} ROLE {q(name)} {NO_POWERS}", None))
            if passwords[name]:
                statements.append((f"ALTER ROLE {q(name)} PASSWORD %s", [passwords[name]]))
        # Membership in the owner would give the application the owner's rights (DISABLE TRIGGER included).
        statements.append((f"REVOKE {q(owner)} FROM {q(app)}", None))
        database = q(connection.settings_dict["NAME"])
        statements += [
            (f"GRANT CONNECT ON DATABASE {database} TO {q(owner)}, {q(app)}", None),
            ("REVOKE CREATE ON SCHEMA public FROM PUBLIC", None),
            (f"GRANT USAGE, CREATE ON SCHEMA public TO {q(owner)}", None),
            (f"GRANT USAGE ON SCHEMA public TO {q(app)}", None),
        ]
        return statements

    def _ownership(self, cursor, owner):
        """Everything in the schema belongs to the owner (tables made by an earlier superuser `migrate`, and
        the trigger functions, which the owner's next `migrate` replaces). A table's identity sequences
        follow their table."""
        q = connection.ops.quote_name
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
            "AND pg_get_userbyid(c.relowner) <> %s AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) "
            "ORDER BY c.relkind, c.relname",
            [owner],
        )
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        statements = [(f"ALTER {kinds[kind]} {q(name)} OWNER TO {q(owner)}", None) for name, kind in cursor.fetchall()]
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s AND NOT EXISTS (SELECT 1 FROM "
            "pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1",
            [owner],
        )
        statements += [(f"ALTER FUNCTION {signature} OWNER TO {q(owner)}", None) for (signature,) in cursor.fetchall()]
        return statements

    def _grants(self, owner, app):
        q = connection.ops.quote_name
        statements = [
            (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q(app)}", None),
            (f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {q(app)}, PUBLIC", None),
            (f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {q(app)}", None),
            (
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {q(app)}",
                None,
            ),
            (
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA public GRANT USAGE ON SEQUENCES TO {q(app)}",
                None,
            ),
        ]
        statements += [
            (f"REVOKE {privileges} ON {q(table)} FROM {q(app)}", None) for table, privileges in _append_only().items()
        ]
        return statements
