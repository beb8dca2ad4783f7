"""Fill Stakeholder.last_contact_on from the interactions logged before the column existed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_stakeholder_last_contact"),
        ("relationships", "0004_interaction_monthly_mix"),
    ]

    operations = [
        migrations.RunSQL(
            """
            UPDATE accounts_stakeholder s
               SET last_contact_on = (
                   SELECT max(i.occurred_on)
                     FROM relationships_interaction_their_participants p
                     JOIN relationships_interaction i ON i.id = p.interaction_id
                    WHERE p.stakeholder_id = s.id)
            """,
            migrations.RunSQL.noop,
        ),
    ]
