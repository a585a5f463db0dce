"""Database triggers: the audit table is append-only, clinical tables need their audit entry.

Created by migrations (``AppendOnlyAudit`` / ``RequireAuditEntry`` operations) on SQLite and on
PostgreSQL. A clinical row's INSERT, UPDATE or DELETE passes only if the audit entry for that
row and its new version is already written in the transaction (the ORM path does this first),
so raw SQL or any path around the service is refused by the database itself.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

__all__ = ["AppendOnlyAudit", "RequireAuditEntry"]

AUDIT_TABLE = "audit_auditentry"

_SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER {AUDIT_TABLE}_no_{op.lower()} BEFORE {op} ON {AUDIT_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, 'minihcvd: audit entries are append-only ({op} refused)'); END"
    for op in ("UPDATE", "DELETE")
]
_POSTGRES_APPEND_ONLY = [
    """CREATE FUNCTION minihcvd_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'minihcvd: audit entries are append-only (% refused)', TG_OP; END
    $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {AUDIT_TABLE}_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION minihcvd_audit_append_only()""",
    f"""CREATE TRIGGER {AUDIT_TABLE}_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION minihcvd_audit_append_only()""",
]
_POSTGRES_REQUIRE_FUNCTION = """
CREATE OR REPLACE FUNCTION minihcvd_require_audit_entry() RETURNS trigger AS $$
DECLARE
    row_id text;
    row_version bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_id := OLD.id::text; row_version := OLD.version + 1;
    ELSE
        IF TG_OP = 'UPDATE' AND NEW.version <> OLD.version + 1 THEN
            RAISE EXCEPTION 'minihcvd: % on % must raise the version by one', TG_OP, TG_TABLE_NAME;
        END IF;
        row_id := NEW.id::text; row_version := NEW.version;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_auditentry a WHERE a.record_model = TG_ARGV[0]
                   AND a.record_id = row_id AND a.record_version = row_version) THEN
        RAISE EXCEPTION 'minihcvd: % on % without its audit entry', TG_OP, TG_TABLE_NAME;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql"""


def _sqlite_require(table: str, label: str) -> list[str]:
    def entry(row: str, version: str) -> str:
        # SQLite stores a UUID key as 32 hex digits; the trail keeps its canonical text
        return (
            f"EXISTS (SELECT 1 FROM {AUDIT_TABLE} a WHERE a.record_model = '{label}' "
            f"AND replace(a.record_id, '-', '') = {row}.id AND a.record_version = {version})"
        )

    refuse = "BEGIN SELECT RAISE(ABORT, 'minihcvd: {op} on {table} without its audit entry'); END"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_audited_insert BEFORE INSERT ON {table} "
        f"WHEN NOT {entry('NEW', 'NEW.version')} " + refuse.format(op="INSERT", table=table),
        f"CREATE TRIGGER IF NOT EXISTS {table}_audited_update BEFORE UPDATE ON {table} "
        f"WHEN NEW.version <> OLD.version + 1 OR NOT {entry('NEW', 'NEW.version')} "
        + refuse.format(op="UPDATE", table=table),
        f"CREATE TRIGGER IF NOT EXISTS {table}_audited_delete BEFORE DELETE ON {table} "
        f"WHEN NOT {entry('OLD', 'OLD.version + 1')} " + refuse.format(op="DELETE", table=table),
    ]


def _postgres_require(table: str, label: str) -> list[str]:
    return [
        _POSTGRES_REQUIRE_FUNCTION,
        f"DROP TRIGGER IF EXISTS {table}_audited ON {table}",
        f"CREATE TRIGGER {table}_audited BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION minihcvd_require_audit_entry('{label}')",
    ]


class _VendorSQL(migrations.operations.base.Operation):
    """Run the statements for the connection's database (SQLite or PostgreSQL)."""

    reduces_to_sql = True
    reversible = False

    def statements(self, vendor: str) -> list[str]:
        raise NotImplementedError

    def state_forwards(self, app_label: str, state: Any) -> None:
        return None

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"minihcvd supports SQLite and PostgreSQL, not {vendor}")
        for statement in self.statements(vendor):
            schema_editor.execute(statement, params=None)  # no placeholders: % is literal


class AppendOnlyAudit(_VendorSQL):
    """UPDATE, DELETE (and TRUNCATE on PostgreSQL) of audit entries are refused."""

    def statements(self, vendor: str) -> list[str]:
        return _SQLITE_APPEND_ONLY if vendor == "sqlite" else _POSTGRES_APPEND_ONLY

    def describe(self) -> str:
        return "Make the audit table append-only"


class RequireAuditEntry(_VendorSQL):
    """Every write to ``table`` needs the audit entry of the row's new version.

    Idempotent, and needed again after any migration that alters the table: SQLite alters a
    table by building a new one, which drops its triggers (``tests/web/test_audit.py`` checks
    that every clinical table has them).
    """

    def __init__(self, table: str, label: str) -> None:
        self.table = table
        self.label = label

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__name__, [], {"table": self.table, "label": self.label})

    def statements(self, vendor: str) -> list[str]:
        if vendor == "sqlite":
            return _sqlite_require(self.table, self.label)
        return _postgres_require(self.table, self.label)

    def describe(self) -> str:
        return f"Require an audit entry for every write to {self.table}"
