"""Load the shipped compliance catalogues (EU AI Act, ISO/IEC 42001 Annex A, NIST AI RMF) and
their key dates, and derive the obligations of the systems already registered.

Written with the migration's models, which keep no history: ``manage.py load_catalogues`` (run it
after upgrading: it changes nothing if the files did not) is the way that leaves history.
"""

from django.db import migrations


def load(apps, schema_editor):
    from apps.compliance import loader
    from apps.compliance.applicability import Models, recompute

    models = Models.of(apps)
    for path in loader.shipped_files():
        loader.load(loader.read_file(path), models=models, by=None, builtin=True)
    recompute(models, by=None, reason="Derived when the compliance catalogues were first loaded")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
