#!/usr/bin/env bash
# Checks the exported observability files (scripts/observability-export.ts) with the real tools:
#   promtool check rules, promtool test rules (observability/prometheus/tests), amtool check-config,
#   the export is not stale, the Grafana dashboards decode strictly with the Grafana Foundation SDK
#   (scripts/observability-dashboards) and pass the model and metric-name checks of tests/observability.
# Tools: promtool and amtool from Debian bookworm's packages (prometheus, prometheus-alertmanager), downloaded with
# `apt-get download` and unpacked with dpkg-deb into a cache: no install, no service, ~30 MB, ~20 s cold.
# LOOM_OBS_TOOLS=go builds them from Go modules instead (GOMODCACHE/GOCACHE in the same cache; ~20+ min cold on
# 2 cores). Idempotent: a warm run reuses the cache. Cache: $LOOM_OBS_CACHE (default ~/.cache/loom-obs).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${LOOM_OBS_CACHE:-${HOME}/.cache/loom-obs}"
PROMETHEUS_DEB="2.42.0+ds-5+deb12u1"
ALERTMANAGER_DEB="0.25.0-1+b4"
PROMETHEUS_GO="v0.304.2"   # github.com/prometheus/prometheus module version of Prometheus 3.4.2
ALERTMANAGER_GO="v0.28.1"
BIN="${CACHE}/bin"
mkdir -p "$BIN"

step() { printf '\n==> %s\n' "$*"; }

debian_tools() {
  local work="${CACHE}/debian"
  mkdir -p "$work/debs" "$work/root"
  (
    cd "$work/debs"
    fetch() { # pinned version first; the archive drops superseded point releases, then take the candidate
      apt-get download "$1=$2" 2>/dev/null || { echo "warning: $1=$2 not available, using the candidate" >&2; apt-get download "$1"; }
    }
    if ! apt-cache show prometheus >/dev/null 2>&1; then apt-get update -qq; fi
    fetch prometheus "$PROMETHEUS_DEB"
    fetch prometheus-alertmanager "$ALERTMANAGER_DEB"
  )
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  ln -sf "$work/root/usr/bin/promtool" "$BIN/promtool"
  ln -sf "$work/root/usr/bin/amtool" "$BIN/amtool"
}

go_tools() {
  export GOMODCACHE="${CACHE}/go/mod" GOCACHE="${CACHE}/go/build" GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -trimpath"
  go install "github.com/prometheus/alertmanager/cmd/amtool@${ALERTMANAGER_GO}"
  # Prometheus's go.mod has a replace directive, so `go install …@version` refuses it: build it from a wrapper
  # module that repeats the replace.
  local mod="${CACHE}/go/promtool-wrapper"
  mkdir -p "$mod"
  (
    cd "$mod"
    [ -f go.mod ] || go mod init loom.local/promtool-wrapper >/dev/null 2>&1
    go mod edit -replace=github.com/fsnotify/fsnotify@v1.8.0=github.com/fsnotify/fsnotify@v1.7.0
    go get "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_GO}"
    go build -o "$BIN/promtool" github.com/prometheus/prometheus/cmd/promtool
  )
}

if [ ! -x "$BIN/promtool" ] || [ ! -x "$BIN/amtool" ]; then
  step "installing promtool and amtool into ${BIN} (${LOOM_OBS_TOOLS:-debian})"
  start=$(date +%s)
  if [ "${LOOM_OBS_TOOLS:-debian}" = "go" ]; then go_tools; else debian_tools; fi
  echo "tools ready in $(( $(date +%s) - start )) s"
fi
"$BIN/promtool" --version 2>&1 | head -n 1
"$BIN/amtool" --version 2>&1 | head -n 1

step "export is not stale"
node -r ts-node/register/transpile-only scripts/observability-export.ts --check

step "promtool check rules"
"$BIN/promtool" check rules observability/prometheus/rules.yml

step "promtool test rules"
(cd observability/prometheus && "$BIN/promtool" test rules tests/*.yml)

step "amtool check-config"
"$BIN/amtool" check-config observability/alertmanager/alertmanager.yml

step "Grafana dashboards: strict decode with the Grafana Foundation SDK (Apache-2.0)"
# Built once per go.sum (the SDK version) into the cache; needs Go (the engine build needs it too).
sum="$(sha256sum scripts/observability-dashboards/go.sum | cut -c1-12)"
decoder="${BIN}/grafana-dashboards-${sum}"
if [ ! -x "$decoder" ]; then
  start=$(date +%s)
  (cd scripts/observability-dashboards &&
    GOMODCACHE="${CACHE}/go/mod" GOCACHE="${CACHE}/go/build" GOFLAGS=-mod=readonly go build -trimpath -o "$decoder" .)
  echo "decoder built in $(( $(date +%s) - start )) s"
fi
"$decoder" observability/grafana/*.json

step "Grafana dashboards: model and metric-name checks (mocha)"
npx mocha tests/observability/dashboards.spec.ts

echo "observability: all checks passed"
