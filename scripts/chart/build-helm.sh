#!/usr/bin/env bash
# Builds helm from the Go module proxy (no package on this machine serves it):
#   helm.sh/helm/v3/cmd/helm at HELM_VERSION below (pinned; `go list -m -versions helm.sh/helm/v3` lists the served ones)
# into ~/.cache/loom-helm/bin/helm (override: LOOM_HELM_CACHE). Module and build caches live beside it
# (gomod, gobuild), so a CI cache of ~/.cache/loom-helm makes the warm run a no-op.
# Idempotent: when the version, this script and the Go version are unchanged and the binary exists, it exits at once.
# Prints nothing but the binary's path on stdout (logs go to stderr), so callers can do helm="$(build-helm.sh)".
# Usage: scripts/chart/build-helm.sh [--force]
set -euo pipefail

HELM_VERSION=v3.22.0   # helm.sh/helm/v3, from proxy.golang.org (the newest v3 release served on 2026-12-02)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LOOM_HELM_CACHE:-$HOME/.cache/loom-helm}"
bin="$cache/bin"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "build-helm: unknown argument '$arg' (only --force is accepted)" >&2; exit 2 ;;
  esac
done
command -v go >/dev/null 2>&1 || { echo "build-helm: Go is not on PATH (needed to build helm $HELM_VERSION)" >&2; exit 1; }

export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOBIN="$bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

want="$( { go version; echo "$HELM_VERSION"; sha256sum "$here/build-helm.sh"; } | sha256sum | cut -d' ' -f1)"
stamp="$bin/.build-stamp"
if [[ $force -eq 0 && -x "$bin/helm" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$bin/helm"
  exit 0
fi

start=$(date +%s)
mkdir -p "$bin" "$GOMODCACHE" "$GOCACHE"
echo "build-helm: building helm $HELM_VERSION from the Go module proxy (cold: several minutes on 2 cores)" >&2
# The version string helm prints comes from its internal/version package (set by its Makefile the same way).
nice -n 10 go install -p 2 -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
got="$("$bin/helm" version --template '{{.Version}}')"
if [[ "$got" != "$HELM_VERSION" ]]; then
  echo "build-helm: built helm reports version '$got', expected '$HELM_VERSION'" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "build-helm: done in $(( $(date +%s) - start ))s -> $bin/helm" >&2
echo "$bin/helm"
