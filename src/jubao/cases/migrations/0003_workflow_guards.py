"""Database guards of the workflow: a status change must be a step of the workflow table, a new
case starts pending, and a case reaches 'disposing' only with its approvals complete.

The allowed steps live in cases_allowed_step, refreshed from jubao.cases.workflow.STEPS after
every migrate (see CasesConfig.ready), so the table in code and the guard never disagree.
"""

from django.db import migrations

STEP_MESSAGE = "jubao: this case status change is not a step of the workflow"
START_MESSAGE = "jubao: a new case starts pending acceptance"
APPROVAL_MESSAGE = "jubao: a measure needs its approvals before disposal"

APPROVED = """
    EXISTS (SELECT 1 FROM cases_proposal p WHERE p.case_id = NEW.id AND p.open
            AND (SELECT COUNT(*) FROM cases_approval a
                 WHERE a.proposal_id = p.id AND a.level >= p.level_required)
                >= p.approvals_required)
"""

SQLITE = [
    f"""CREATE TRIGGER cases_case_step BEFORE UPDATE OF status ON cases_case
    WHEN NEW.status <> OLD.status AND NOT EXISTS (
        SELECT 1 FROM cases_allowed_step WHERE source = OLD.status AND target = NEW.status)
    BEGIN SELECT RAISE(ABORT, '{STEP_MESSAGE}'); END""",
    f"""CREATE TRIGGER cases_case_start BEFORE INSERT ON cases_case
    WHEN NEW.status <> 'pending'
    BEGIN SELECT RAISE(ABORT, '{START_MESSAGE}'); END""",
    f"""CREATE TRIGGER cases_case_approved BEFORE UPDATE OF status ON cases_case
    WHEN NEW.status = 'disposing' AND OLD.status <> 'disposing' AND NOT {APPROVED}
    BEGIN SELECT RAISE(ABORT, '{APPROVAL_MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_case_step",
    "DROP TRIGGER IF EXISTS cases_case_start",
    "DROP TRIGGER IF EXISTS cases_case_approved",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION cases_case_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.status <> 'pending' THEN RAISE EXCEPTION '{START_MESSAGE}'; END IF;
            RETURN NEW;
        END IF;
        IF NEW.status <> OLD.status AND NOT EXISTS (
            SELECT 1 FROM cases_allowed_step WHERE source = OLD.status AND target = NEW.status)
        THEN RAISE EXCEPTION '{STEP_MESSAGE}'; END IF;
        IF NEW.status = 'disposing' AND OLD.status <> 'disposing' AND NOT {APPROVED}
        THEN RAISE EXCEPTION '{APPROVAL_MESSAGE}'; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cases_case_guard BEFORE INSERT OR UPDATE OF status ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_case_guard()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS cases_case_guard ON cases_case",
    "DROP FUNCTION IF EXISTS cases_case_guard()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_assignee_case_clocks_case_merged_into_and_more")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
