#!/usr/bin/env bash
# Back up the register: its PostgreSQL database and its stored files, into one folder.
#
#   scripts/backup.sh [FOLDER]        # default: backups/<UTC date and time>
#
# Uses the app's settings (DATABASE_URL; STORAGE_URL or MEDIA_ROOT for the files; .env is read)
# and PostgreSQL's pg_dump of the server's major version. The folder then holds:
#   database.dump   pg_dump's custom format (compressed; pg_restore reads it)
#   files/          every stored file under its storage name, and files/SHA256SUMS
#   audit-head.txt  the audit trail's head as SEQUENCE:HASH, verified before the dump: the
#                   restore proves with it that the restored trail is the one backed up
# Keep a copy of audit-head.txt where the database's administrators cannot write.
# README, "Backup and restore", is the runbook.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python

FOLDER="${1:-backups/$(date -u +%Y-%m-%dT%H%M%SZ)}"
mkdir -p "$FOLDER"
if [ -n "$(ls -A "$FOLDER")" ]; then
  echo "backup.sh: $FOLDER is not empty" >&2
  exit 1
fi

DATABASE="$("$PYTHON" scripts/database_url.py)"

echo "==> Verifying the audit trail and recording its head"
"$PYTHON" manage.py verify_audit_trail | tee "$FOLDER/verify.log"
sed -n 's/^Head: sequence \([0-9]*\) hash \([0-9a-f]*\)$/\1:\2/p' "$FOLDER/verify.log" > "$FOLDER/audit-head.txt"
rm "$FOLDER/verify.log"
[ -s "$FOLDER/audit-head.txt" ] || { echo "backup.sh: no audit head found" >&2; exit 1; }

echo "==> Dumping the database"
pg_dump --format=custom --no-owner --no-acl --file="$FOLDER/database.dump" --dbname="$DATABASE"

echo "==> Copying the stored files"
"$PYTHON" manage.py backup_files "$FOLDER/files"

echo "Backup written to $FOLDER (audit head $(cat "$FOLDER/audit-head.txt"))."
