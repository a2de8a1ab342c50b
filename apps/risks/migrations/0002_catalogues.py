"""Load the shipped taxonomy, framework catalogue and risk library."""

from django.db import migrations

from apps.risks import catalogue


def load(apps, schema_editor):
    RiskCategory = apps.get_model("risks", "RiskCategory")
    FrameworkReference = apps.get_model("risks", "FrameworkReference")
    catalogue.load_taxonomy(RiskCategory)
    catalogue.load_framework_references(FrameworkReference)
    catalogue.load_risk_library(
        apps.get_model("risks", "RiskTemplate"),
        apps.get_model("risks", "RiskTemplateMitigation"),
        RiskCategory,
        FrameworkReference,
    )


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
