"""The five seats every committee starts with; administrators add more in the admin."""

from django.db import migrations

SEATS = [
    ("executive-sponsor", "Executive sponsor", "Answers for the AI portfolio to the board."),
    ("technical-lead", "Technical lead", "Judges the engineering of the system and its controls."),
    (
        "ethics-representative",
        "Ethics representative",
        "Speaks for the people the system affects: fairness, dignity, transparency.",
    ),
    ("legal-counsel", "Legal counsel", "Checks the legal and regulatory obligations."),
    (
        "business-stakeholder",
        "Business stakeholder",
        "Speaks for the business that uses the system.",
    ),
]


def create_seats(apps, schema_editor):
    Seat = apps.get_model("reviews", "Seat")
    for slug, name, description in SEATS:
        Seat.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_committee_seats")]

    operations = [migrations.RunPython(create_seats, migrations.RunPython.noop)]
