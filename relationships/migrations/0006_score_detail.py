"""Split the nightly score: the sanitized snapshot stays, its confidential detail moves under the wall.

`AccountScore` keeps what every portfolio view may show (health, band, trend, CLV); the measure
scores, contributions, annual margin and the firefighting flag move to `AccountScoreDetail`, keyed by
the same (account, date), with row-level security ENABLEd and FORCEd and the same `kam_wall` policy
as every account-keyed confidential table (compliance/migrations/0003_row_level_security.py; the
condition is copied here, so this migration stays as it is whatever that module becomes).

Also: a CHECK constraint on the band names (`Band`), and the score's "mostly firefighting" rule
named apart from the account page's relationship check ("in trouble"): the setting, the alert kind.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

DETAIL = "relationships_accountscoredetail"
SCORE = "relationships_accountscore"

COPY_DETAIL = f"""
INSERT INTO {DETAIL} (account_id, scored_on, measure_scores, contributions, mostly_firefighting, annual_margin)
SELECT account_id, scored_on, measure_scores, contributions, in_trouble, annual_margin FROM {SCORE}
"""  # noqa: S608 - table names are ours

DROP_COLUMNS = f"""
ALTER TABLE {SCORE} DROP COLUMN measure_scores, DROP COLUMN contributions, DROP COLUMN in_trouble,
    DROP COLUMN annual_margin
"""
RESTORE_COLUMNS = f"""
ALTER TABLE {SCORE} ADD COLUMN measure_scores double precision[], ADD COLUMN contributions double precision[],
    ADD COLUMN in_trouble boolean NOT NULL DEFAULT false, ADD COLUMN annual_margin double precision;
UPDATE {SCORE} s SET measure_scores = d.measure_scores, contributions = d.contributions,
    in_trouble = d.mostly_firefighting, annual_margin = d.annual_margin
  FROM {DETAIL} d WHERE d.account_id = s.account_id AND d.scored_on = s.scored_on;
UPDATE {SCORE} SET measure_scores = '{{}}', contributions = '{{}}' WHERE measure_scores IS NULL;
ALTER TABLE {SCORE} ALTER COLUMN measure_scores SET NOT NULL, ALTER COLUMN contributions SET NOT NULL,
    ALTER COLUMN in_trouble DROP DEFAULT;
"""  # noqa: S608 - table names are ours

# As in compliance/migrations/0003_row_level_security.py: the system, or an insider of the account.
SYSTEM = "(SELECT current_setting('kam.principal', true) = 'system')"
BY_ACCOUNT = f"{SYSTEM} OR account_id IN (SELECT insider FROM compliance_insider_account_ids() insider)"  # noqa: S608
ROW_LEVEL_SECURITY = f"""
ALTER TABLE {DETAIL} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {DETAIL} FORCE ROW LEVEL SECURITY;
CREATE POLICY kam_wall ON {DETAIL} USING ({BY_ACCOUNT}) WITH CHECK ({BY_ACCOUNT});
"""
NO_ROW_LEVEL_SECURITY = f"""
DROP POLICY kam_wall ON {DETAIL};
ALTER TABLE {DETAIL} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {DETAIL} DISABLE ROW LEVEL SECURITY;
"""

BANDS = ["green", "amber", "red", "insufficient"]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_stakeholder_last_contact"),
        ("compliance", "0003_row_level_security"),
        ("relationships", "0005_backfill_stakeholder_last_contact"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountScoreDetail",
            fields=[
                ("pk", models.CompositePrimaryKey("account", "scored_on", blank=True, editable=False, primary_key=True, serialize=False)),
                ("account", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="score_details", to="accounts.account")),
                ("scored_on", models.DateField()),
                ("measure_scores", django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(null=True), size=None)),
                ("contributions", django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(null=True), size=None)),
                ("mostly_firefighting", models.BooleanField(default=False, help_text="Most of the last 90 days' interactions were firefighting or escalation.")),
                ("annual_margin", models.FloatField(blank=True, null=True)),
            ],
            options={
                "ordering": ["account_id", "-scored_on"],
            },
        ),
        # Before the policy: with FORCE, the owner running this migration would be held to it too.
        migrations.RunSQL(COPY_DETAIL, migrations.RunSQL.noop),
        migrations.RunSQL(
            DROP_COLUMNS,
            RESTORE_COLUMNS,
            state_operations=[
                migrations.RemoveField(model_name="accountscore", name="annual_margin"),
                migrations.RemoveField(model_name="accountscore", name="contributions"),
                migrations.RemoveField(model_name="accountscore", name="in_trouble"),
                migrations.RemoveField(model_name="accountscore", name="measure_scores"),
            ],
        ),
        migrations.RunSQL(ROW_LEVEL_SECURITY, NO_ROW_LEVEL_SECURITY),
        migrations.AlterField(
            model_name="accountscore",
            name="band",
            field=models.CharField(choices=[("green", "Green (healthy)"), ("amber", "Amber (watch)"), ("red", "Red (at risk)"), ("insufficient", "No score")], max_length=12),
        ),
        migrations.AddConstraint(
            model_name="accountscore",
            constraint=models.CheckConstraint(condition=models.Q(("band__in", BANDS)), name="score_band_known"),
        ),
        migrations.AlterField(
            model_name="accountscore",
            name="coverage",
            field=models.FloatField(help_text="Share of the configured weight whose measures had data."),
        ),
        migrations.RenameField(
            model_name="scoringsettings",
            old_name="trouble_share",
            new_name="firefighting_share",
        ),
        migrations.AlterField(
            model_name="scorealert",
            name="episode_on",
            field=models.DateField(help_text="The day the drop or the firefighting began."),
        ),
        migrations.AlterField(
            model_name="scorealert",
            name="kind",
            field=models.CharField(choices=[("band_drop", "Health band dropped"), ("firefighting", "Mostly firefighting or escalation")], max_length=12),
        ),
        migrations.RunSQL(
            "UPDATE relationships_scorealert SET kind = 'firefighting' WHERE kind = 'trouble'",
            "UPDATE relationships_scorealert SET kind = 'trouble' WHERE kind = 'firefighting'",
        ),
    ]
