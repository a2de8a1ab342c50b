#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into a fresh, empty database and the file storage, and
# prove it: the restored audit trail must verify and reach the head recorded at the backup.
#
#   createdb register_restored
#   DATABASE_URL=postgres://…/register_restored scripts/restore.sh backups/2026-12-05T0300Z
#
# Uses the app's settings (DATABASE_URL; STORAGE_URL or MEDIA_ROOT for the files) and
# PostgreSQL's pg_restore. Refuses a database that already has tables. Exits non-zero, saying
# why, if anything does not match. README, "Backup and restore", is the runbook.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python

FOLDER="${1:?usage: scripts/restore.sh BACKUP_FOLDER}"
for part in database.dump files/SHA256SUMS audit-head.txt; do
  [ -e "$FOLDER/$part" ] || { echo "restore.sh: $FOLDER/$part is missing" >&2; exit 1; }
done
PIN="$(cat "$FOLDER/audit-head.txt")"

DATABASE="$("$PYTHON" scripts/database_url.py)"

TABLES="$(psql --no-psqlrc -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" "$DATABASE")"
if [ "$TABLES" != "0" ]; then
  echo "restore.sh: the database already has $TABLES tables; restore into a fresh one (createdb)" >&2
  exit 1
fi

echo "==> Restoring the database"
pg_restore --no-owner --no-acl --exit-on-error --dbname="$DATABASE" "$FOLDER/database.dump"

echo "==> Restoring the stored files"
"$PYTHON" manage.py restore_files "$FOLDER/files"

echo "==> The schema is the code's"
"$PYTHON" manage.py migrate --check --no-input >/dev/null

echo "==> Proving the restored audit trail reaches the recorded head $PIN"
"$PYTHON" manage.py verify_audit_trail --pin "$PIN"

echo "Restored from $FOLDER."
