"""Print the app's PostgreSQL database as a libpq URL (for pg_dump, pg_restore and psql), as
the settings read it: from DATABASE_URL in the environment or in .env. Used by backup.sh and
restore.sh."""

import os
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

if connection.vendor != "postgresql":
    sys.exit("needs PostgreSQL: set DATABASE_URL=postgres://…")
database = connection.settings_dict
user, password = quote(database["USER"] or ""), quote(database["PASSWORD"] or "")
credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
host, port = database["HOST"] or "localhost", database["PORT"] or 5432
print(f"postgresql://{credentials}{host}:{port}/{quote(database['NAME'])}")
