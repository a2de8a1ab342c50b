#!/usr/bin/env bash
# Refreshes the front-end assets vendored under static/vendor/ from the npm registry.
# Deployments are often offline, so the app never loads anything from a CDN: these files are
# committed. Run this only to upgrade a version (change it below, run, commit the result).
set -euo pipefail

BOOTSTRAP=5.3.9
BOOTSTRAP_ICONS=1.13.2
HTMX=2.0.11

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "bootstrap@$BOOTSTRAP" "bootstrap-icons@$BOOTSTRAP_ICONS" "htmx.org@$HTMX" >/dev/null
mkdir -p bootstrap bootstrap-icons htmx.org
tar xzf "bootstrap-$BOOTSTRAP.tgz" -C bootstrap
tar xzf "bootstrap-icons-$BOOTSTRAP_ICONS.tgz" -C bootstrap-icons
tar xzf "htmx.org-$HTMX.tgz" -C htmx.org

rm -rf "$dest"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/bootstrap-icons/fonts" "$dest/htmx"
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/css/bootstrap.min.css.map "$dest/bootstrap/css/"
cp bootstrap/package/dist/js/bootstrap.bundle.min.js bootstrap/package/dist/js/bootstrap.bundle.min.js.map "$dest/bootstrap/js/"
cp bootstrap/package/LICENSE "$dest/bootstrap/"
cp bootstrap-icons/package/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp bootstrap-icons/package/font/fonts/bootstrap-icons.woff2 bootstrap-icons/package/font/fonts/bootstrap-icons.woff "$dest/bootstrap-icons/fonts/"
cp bootstrap-icons/package/LICENSE "$dest/bootstrap-icons/"
cp htmx.org/package/dist/htmx.min.js "$dest/htmx/"
cp htmx.org/package/LICENSE "$dest/htmx/"

cat > "$dest/VERSIONS" <<TXT
bootstrap $BOOTSTRAP
bootstrap-icons $BOOTSTRAP_ICONS
htmx.org $HTMX
TXT
echo "vendored into $dest:"
cat "$dest/VERSIONS"
