#!/usr/bin/env bash
# Builds the Kubernetes scanners from the Go module proxy (docs/scanners.md):
#   kube-score  github.com/zegl/kube-score/cmd/kube-score   at the version in kube-score/go.mod (v1.20.0)
#   trivy       github.com/aquasecurity/trivy/cmd/trivy     at the version in trivy/go.mod (v0.74.0; checks embedded)
# Each is a wrapper module of its own (so neither lifts the other's Kubernetes libraries). Binaries, module and
# build caches live under ~/.cache/loom-scan/{bin,gomod,gobuild} (override: LOOM_SCAN_CACHE). Idempotent: when
# go.mod, go.sum, tools.go, this script and the Go version are unchanged and the binaries exist, it exits at once.
# Usage: scripts/scan/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LOOM_SCAN_CACHE:-$HOME/.cache/loom-scan}"
bin="$cache/bin"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "scan:build: unknown argument '$arg' (only --force is accepted)" >&2; exit 2 ;;
  esac
done
command -v go >/dev/null 2>&1 || { echo "scan:build: Go is not on PATH (Go >= 1.26.6 is needed)" >&2; exit 1; }

export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS=-mod=mod
export GOTOOLCHAIN=local # never download a toolchain
export CGO_ENABLED=0
stamp="$bin/.build-stamp"
fingerprint() {
  {
    go version
    cd "$here"
    find kube-score trivy build.sh -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name 'build.sh' \) -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}
want="$(fingerprint)"
if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$bin/kube-score" && -x "$bin/trivy" ]]; then
  echo "scan:build: up to date ($bin; --force to rebuild)"
  exit 0
fi
mkdir -p "$bin" "$GOMODCACHE" "$GOCACHE"
start=$(date +%s)
flags=(-p 2 -trimpath)

ks_version="$(go -C "$here/kube-score" list -m -f '{{.Version}}' github.com/zegl/kube-score)"
echo "scan:build: kube-score $ks_version"
nice -n 10 go -C "$here/kube-score" build "${flags[@]}" -ldflags "-s -w -X main.version=$ks_version" \
  -o "$bin/kube-score" github.com/zegl/kube-score/cmd/kube-score
mid=$(date +%s)

trivy_version="$(go -C "$here/trivy" list -m -f '{{.Version}}' github.com/aquasecurity/trivy)"
echo "scan:build: trivy $trivy_version (cold: ≈ 16 min on 2 busy cores; see docs/scanners.md)"
# GOEXPERIMENT=jsonv2: upstream's release build (goreleaser.yml, magefiles) sets it; pkg/x/json depends on it.
GOEXPERIMENT=jsonv2 nice -n 10 go -C "$here/trivy" build "${flags[@]}" \
  -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$trivy_version" \
  -o "$bin/trivy" github.com/aquasecurity/trivy/cmd/trivy

got_ks="$("$bin/kube-score" version)"
[[ "$got_ks" == "kube-score version: $ks_version,"* ]] || { echo "scan:build: kube-score reports '$got_ks'" >&2; exit 1; }
got_trivy="$("$bin/trivy" --version | sed -n 's/^Version: //p')"
[[ "$got_trivy" == "$trivy_version" ]] || { echo "scan:build: trivy reports '$got_trivy', expected $trivy_version" >&2; exit 1; }
echo "$want" >"$stamp"
echo "scan:build: done in $(($(date +%s) - start)) s (kube-score $((mid - start)) s, trivy $(($(date +%s) - mid)) s) -> $bin"
