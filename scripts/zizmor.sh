#!/usr/bin/env bash
# Audits the GitHub workflows and local actions (.github/) with zizmor, the static analyser for GitHub Actions.
#   1. installs zizmor $version from PyPI into a virtualenv (pinned by version, and by sha256 for the x86_64 wheel
#      GitHub's runners and this machine use); idempotent: a warm run reuses the venv and installs nothing;
#   2. runs it offline (--offline: no GitHub API, so the online audits impostor-commit, ref-confusion,
#      known-vulnerable-actions and stale-action-refs do not run; pass --online with GH_TOKEN set to add them)
#      with the committed config .github/zizmor.yml (every ignore there has a one-line reason);
#   3. fails on any finding of the regular persona at any severity and confidence: these workflows hold the
#      deploy and release credentials, so a finding is fixed or ignored in the config with a reason, never waved
#      through by a severity threshold.
# Extra arguments go to zizmor (e.g. --format sarif). Usage: bash scripts/zizmor.sh [--online] [zizmor args…]
# Cache: ${LOOM_ZIZMOR_CACHE:-~/.cache/loom-zizmor}/<version>/venv. Needs python3 (>= 3.9) with venv.
set -euo pipefail

version=1.32.0 # newest on PyPI on 2026-12-02: pip index versions zizmor
wheel_sha256=84a6acb975accc13408786a2bd274b572537ca19c933ebbc13e78f3988562071 # zizmor-1.32.0-py3-none-manylinux_2_28_x86_64.whl

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${LOOM_ZIZMOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loom-zizmor}/$version"
venv="$cache/venv"
zizmor="$venv/bin/zizmor"
say() { printf 'zizmor.sh: %s\n' "$*" >&2; }

network=(--offline)
if [[ "${1:-}" == "--online" ]]; then
  shift
  [[ -n "${GH_TOKEN:-${GITHUB_TOKEN:-}}" ]] || { say "--online needs GH_TOKEN or GITHUB_TOKEN"; exit 2; }
  network=()
fi

# --- 1. zizmor -----------------------------------------------------------------------------------------------------
if [[ ! -x "$zizmor" ]] || [[ "$("$zizmor" --version 2>/dev/null)" != "zizmor $version" ]]; then
  command -v python3 >/dev/null 2>&1 || { say "python3 is not on PATH (needed once, to install zizmor $version)"; exit 1; }
  start=$SECONDS
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  pip=("$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all:)
  if [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]]; then
    reqs="$cache/requirements.txt"
    printf 'zizmor==%s --hash=sha256:%s\n' "$version" "$wheel_sha256" >"$reqs"
    "${pip[@]}" --require-hashes -r "$reqs"
  else
    say "$(uname -s)-$(uname -m): no sha256 recorded for this platform's wheel; installing zizmor==$version by version only"
    "${pip[@]}" "zizmor==$version"
  fi
  say "installed zizmor $version in $((SECONDS - start)) s"
fi

# --- 2 + 3. audit ----------------------------------------------------------------------------------------------------
# zizmor exits 0 with no findings, 1 when it cannot run, and 10-14 by the highest severity found.
rc=0
"$zizmor" "${network[@]}" --config .github/zizmor.yml --no-progress --persona regular "$@" .github || rc=$?
if [[ $rc -ne 0 ]]; then
  say "FAILED: zizmor $version exited $rc (findings, or it could not run): fix them, or ignore one in .github/zizmor.yml with a reason"
  exit 1
fi
say "zizmor $version: .github audited, 0 findings (${network[*]:-online})"
