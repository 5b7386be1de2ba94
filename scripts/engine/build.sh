#!/usr/bin/env bash
# Builds the real Pulumi engine from the Go module proxy into .engine/bin (git-ignored):
#   pulumi                      the CLI, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version in go.mod
#   pulumi-language-nodejs      our own minimal Node.js language host (cmd/pulumi-language-nodejs)
#   pulumi-resource-kubernetes  the Kubernetes provider through our own main (cmd/pulumi-resource-kubernetes)
# Idempotent: when go.mod, go.sum, our sources, this script and the Go version are unchanged and the binaries exist,
# it exits at once. Caches live under ~/.cache/loom-engine/{gomod,gobuild} (override: LOOM_ENGINE_CACHE).
# Usage: scripts/engine/build.sh [--force]      (npm run engine:build)
# See docs/engine.md for versions, timings and traps.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${LOOM_ENGINE_BIN:-$root/.engine/bin}"
cache="${LOOM_ENGINE_CACHE:-$HOME/.cache/loom-engine}"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "engine:build: unknown argument '$arg' (only --force is accepted)" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "engine:build: Go is not on PATH; Go >= $(sed -n 's/^go //p' "$here/go.mod") is needed to build the engine" >&2
  exit 1
fi

export GOMODCACHE="$cache/gomod"
export GOCACHE="$cache/gobuild"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local   # never download a toolchain: use the Go on PATH (go.mod states the minimum)
export CGO_ENABLED=0       # static binaries; nothing here needs cgo (osusergo: pure-Go user lookup)

binaries=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes)
stamp="$bin/.build-stamp"

# Everything that decides the output. If none of it changed and the binaries exist, there is nothing to do.
fingerprint() {
  {
    go version
    cd "$here"
    find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name 'build.sh' \) -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}
want="$(fingerprint)"
if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  missing=0
  for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || missing=1; done
  if [[ $missing -eq 0 ]]; then
    echo "engine:build: up to date ($bin; --force to rebuild)"
    exit 0
  fi
fi

start=$(date +%s)
cd "$here"
mkdir -p "$bin" "$GOMODCACHE" "$GOCACHE"

pkg_mod=github.com/pulumi/pulumi/pkg/v3
k8s_mod=github.com/pulumi/pulumi-kubernetes/provider/v4
k8s_cmd=cmd/pulumi-resource-kubernetes   # a module of its own (see its go.mod)
echo "engine:build: resolving modules (GOMODCACHE=$GOMODCACHE)"
go mod download "$pkg_mod" github.com/pulumi/pulumi/sdk/v3
pulumi_version="$(go list -m -f '{{.Version}}' "$pkg_mod")"
sdk_version="$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)"
if [[ "$pulumi_version" != "$sdk_version" ]]; then
  echo "engine:build: go.mod must require pkg/v3 and sdk/v3 at the same version (pkg $pulumi_version, sdk $sdk_version)" >&2
  exit 1
fi
go -C "$k8s_cmd" mod download "$k8s_mod"
k8s_version="$(go -C "$k8s_cmd" list -m -f '{{.Version}}' "$k8s_mod")"
k8s_dir="$(go -C "$k8s_cmd" list -m -f '{{.Dir}}' "$k8s_mod")"

# The provider's main embeds two generated files that are not part of the module: generate them from its sources.
echo "engine:build: generating the Kubernetes provider schema ($k8s_version)"
go run gen/provider-schema.go "$k8s_dir" "${k8s_version#v}" "$k8s_cmd"

flags=(-p 2 -trimpath -tags osusergo,grpcnotrace)
echo "engine:build: building pulumi $pulumi_version and pulumi-language-nodejs (cold: see docs/engine.md)"
go build "${flags[@]}" -o "$bin/" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version" \
  "$pkg_mod/cmd/pulumi" ./cmd/pulumi-language-nodejs
step=$(date +%s)
echo "engine:build: ... $(( step - start ))s; building pulumi-resource-kubernetes ${k8s_version#v}"
go -C "$k8s_cmd" build "${flags[@]}" -o "$bin/pulumi-resource-kubernetes" -ldflags "-X $k8s_mod/pkg/version.Version=${k8s_version#v}" .

for b in "${binaries[@]}"; do
  [[ -x "$bin/$b" ]] || { echo "engine:build: $bin/$b was not built" >&2; exit 1; }
done
got="$("$bin/pulumi" version)"
if [[ "$got" != "$pulumi_version" ]]; then
  echo "engine:build: built pulumi reports version '$got', expected '$pulumi_version'" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "engine:build: done in $(( $(date +%s) - start ))s (provider: $(( $(date +%s) - step ))s) -> $bin"
for b in "${binaries[@]}"; do printf '  %-28s %s\n' "$b" "$(du -h "$bin/$b" | cut -f1)"; done
echo "  put it on PATH: export PATH=\"$bin:\$PATH\""
