#!/usr/bin/env bash
# Lints .github/workflows/*.yml with the real actionlint (and shellcheck on every `run:` block when available).
#   1. installs actionlint $version with `go install` from the Go module proxy into a cache dir (idempotent: a second
#      run reuses the binary and takes well under a second);
#   2. installs Debian's shellcheck with apt-get if it is missing and apt-get can be used (root); otherwise it says
#      so and runs actionlint without it;
#   3. runs actionlint on the workflows as committed (third-party actions pinned by commit SHA);
#   4. runs it again on a copy where each `owner/repo@<sha> # vX.Y.Z` is rewritten to `owner/repo@vX`, because
#      actionlint only checks `with:` inputs of actions it knows by tag (e.g. a misspelt `policyPacks`);
#   5. checks that every remote action (workflows and .github/actions/*/action.yml) is pinned by a full commit SHA
#      with a `# vX.Y.Z` comment.
# Exits non-zero on any finding. Usage: bash scripts/actionlint.sh   (see docs/ci.md)
# Cache: ${LOOM_ACTIONLINT_CACHE:-~/.cache/loom-actionlint}/<version>/bin/actionlint (the Go caches used to build it
# are removed). Needs Go >= 1.25 on PATH only for the first run.
set -euo pipefail

version=v1.7.12 # newest the Go proxy serves: go list -m -versions github.com/rhysd/actionlint

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${LOOM_ACTIONLINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loom-actionlint}/$version"
actionlint="$cache/bin/actionlint"
say() { printf 'actionlint.sh: %s\n' "$*"; }

# --- 1. actionlint -------------------------------------------------------------------------------------------------
if [[ ! -x "$actionlint" ]] || [[ "$("$actionlint" -version 2>/dev/null | head -n 1)" != "$version" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    say "Go is not on PATH; Go >= 1.25 is needed to build actionlint $version" >&2
    exit 1
  fi
  say "installing actionlint $version (go install, $(go env GOVERSION)) into $cache/bin"
  start=$SECONDS
  mkdir -p "$cache/bin"
  # GOTOOLCHAIN=local: use the Go on PATH, never download a toolchain. GOFLAGS cleared: -mod=… does not apply here.
  GOBIN="$cache/bin" GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOTOOLCHAIN=local GOFLAGS="" CGO_ENABLED=0 \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
  # keep only the binary (~10 MB): the module and build caches (~90 MB) are not needed again for this version
  GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOTOOLCHAIN=local GOFLAGS="" go clean -modcache -cache
  rm -rf "$cache/gomod" "$cache/gobuild"
  say "installed in $((SECONDS - start)) s"
fi

# --- 2. shellcheck -------------------------------------------------------------------------------------------------
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
  say "shellcheck missing: apt-get install -y shellcheck"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq shellcheck >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; } ||
    say "apt-get could not install shellcheck"
fi
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck_note="shellcheck $(shellcheck --version | sed -n 's/^version: //p') on run: blocks"
else
  shellcheck_note="WITHOUT shellcheck (not installed; apt-get unavailable, not root, or failed): run: blocks were not shell-checked"
fi

# --- 3 + 4. actionlint, as committed and with tags in place of SHAs --------------------------------------------------
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [[ ${#workflows[@]} -eq 0 ]]; then
  say "no workflow files under .github/workflows" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The repository variables the workflows may read (vars.X); actionlint flags any other name as a typo.
cat >"$tmp/actionlint.yaml" <<'EOF'
config-variables: [PULUMI_ORG, AWS_ROLE_ARN, AWS_REGION, STAGING_URL, LOOM_CLOUD]
EOF

findings=0
if ! "$actionlint" -config-file "$tmp/actionlint.yaml" -pyflakes= "${workflows[@]}"; then
  findings=1
fi

mkdir -p "$tmp/.github/workflows"
for f in "${workflows[@]}"; do
  sed -E 's/(uses:[[:space:]]*[^@[:space:]]+)@[0-9a-f]{40}([[:space:]]+#[[:space:]]*(v[0-9]+)[.0-9]*)/\1@\3\2/' \
    "$f" >"$tmp/$f"
done
# Only the [action] findings are new here (the rest were reported above); same file names and line numbers.
# actionlint exits 1 on findings and >1 when it cannot run at all.
rc=0
out="$(cd "$tmp" && "$actionlint" -oneline -no-color -config-file "$tmp/actionlint.yaml" -pyflakes= -shellcheck= \
  "${workflows[@]}" 2>&1)" || rc=$?
if [[ $rc -gt 1 ]]; then
  printf '%s\n' "$out" >&2
  findings=1
fi
inputs="$(printf '%s\n' "$out" | grep -E '\[action\]$' || true)"
if [[ -n "$inputs" ]]; then
  printf '%s\n' "$inputs"
  say "(the findings above come from the copy with tags in place of SHAs)"
  findings=1
fi

# --- 5. pinning ------------------------------------------------------------------------------------------------------
# the local composite actions' steps too (actionlint reads them only for their inputs)
local_actions=(.github/actions/*/action.yml .github/actions/*/action.yaml)
unpinned="$(grep -nE '^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]' "${workflows[@]}" "${local_actions[@]}" |
  grep -vE 'uses:[[:space:]]*(\./|docker://)' |
  grep -vE 'uses:[[:space:]]*[^@[:space:]]+@[0-9a-f]{40}[[:space:]]+#[[:space:]]*v[0-9]+(\.[0-9]+)*[[:space:]]*$' || true)"
if [[ -n "$unpinned" ]]; then
  say "remote actions must be pinned as owner/repo@<40-hex commit> # vX.Y.Z:" >&2
  printf '%s\n' "$unpinned" >&2
  findings=1
fi

if [[ $findings -ne 0 ]]; then
  say "FAILED: actionlint $version found problems in ${#workflows[@]} workflow files ($shellcheck_note)" >&2
  exit 1
fi
say "actionlint $version: ${#workflows[@]} workflow files, 0 findings ($shellcheck_note; inputs checked with tags in place of SHAs; all remote actions SHA-pinned, in ${#local_actions[@]} local actions too)"
