"""Load the starter test cases shipped with the risk library's templates."""

from django.db import migrations

from apps.evaluations import catalogue


def load(apps, schema_editor):
    catalogue.load_test_case_templates(
        apps.get_model("evaluations", "TestCaseTemplate"), apps.get_model("risks", "RiskTemplate")
    )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial"), ("risks", "0002_catalogues")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
