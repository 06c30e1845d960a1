"""Triggers that make the ledger's entries and checkpoints append-only in the database itself.

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless the connection
has switched on the maintenance flag that `jubao flush` uses (see jubao.ledger.guard).

The SQL is written out here, not imported, so that this migration keeps doing what it did when
it was written. Note for later migrations: SQLite rebuilds a table to alter it, which drops its
triggers; a migration that alters these tables must create the triggers again.
"""

from django.db import migrations

TABLES = ("ledger_ledgerentry", "ledger_ledgercheckpoint")

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
    WHEN jubao_ledger_maintenance() = 0
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS {table}_no_update",
    "DROP TRIGGER IF EXISTS {table}_no_delete",
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION jubao_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE'
       AND coalesce(current_setting('jubao.ledger_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
"""

PG_CREATE = [
    """CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION jubao_ledger_append_only()""",
    """CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION jubao_ledger_append_only()""",
    """CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION jubao_ledger_append_only()""",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
    "DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
    "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
]


def _run(schema_editor, templates):
    for table in TABLES:
        for template in templates:
            schema_editor.execute(template.format(table=table))


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        _run(schema_editor, PG_CREATE)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, PG_DROP)
        schema_editor.execute("DROP FUNCTION IF EXISTS jubao_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
