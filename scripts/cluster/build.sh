#!/usr/bin/env bash
# Builds a real Kubernetes control plane from the Go module proxy (see docs/cluster.md):
#   kube-apiserver, kube-controller-manager, kubectl   k8s.io/kubernetes/cmd/... at the version in go.mod
#   etcd                                               go.etcd.io/etcd/server/v3 etcdmain.Main (etcd/main.go)
# Binaries go to ${LOOM_CLUSTER_BIN:-$HOME/.cache/loom-cluster/bin} (outside the repo, reused by every checkout and
# by CI's warm runs). Idempotent: when the go.mod/go.sum files, our sources, this script and the Go version are
# unchanged and the binaries exist, it exits at once. Caches: ~/.cache/loom-cluster/{gomod,gobuild}
# (override the root with LOOM_CLUSTER_CACHE).
# Usage: scripts/cluster/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LOOM_CLUSTER_CACHE:-$HOME/.cache/loom-cluster}"
bin="${LOOM_CLUSTER_BIN:-$cache/bin}"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster:build: unknown argument '$arg' (only --force is accepted)" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "cluster:build: Go is not on PATH; Go >= $(sed -n 's/^go //p' "$here/go.mod") is needed" >&2
  exit 1
fi

export GOMODCACHE="$cache/gomod"
export GOCACHE="$cache/gobuild"
export GOFLAGS=-mod=readonly  # go.sum is committed: a build never rewrites go.mod
export GOTOOLCHAIN=local      # never download a toolchain: use the Go on PATH (go.mod states the minimum)
export CGO_ENABLED=0          # static binaries; nothing here needs cgo

binaries=(etcd kube-apiserver kube-controller-manager kubectl)
stamp="$bin/.build-stamp"

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
    echo "cluster:build: up to date ($bin; --force to rebuild)"
    exit 0
  fi
fi

start=$(date +%s)
mkdir -p "$bin" "$GOMODCACHE" "$GOCACHE"
cd "$here"
k8s_version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"         # v1.37.2
etcd_version="$(go -C etcd list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"  # v3.7.3
IFS=. read -r major minor _ <<<"${k8s_version#v}"

# -p 2: two cores; -s -w: no symbol tables (kube-apiserver 170 MB -> ~110 MB); the version variables are what
# `make` stamps in: without them the binaries say v0.0.0-master and kubectl warns about version skew.
vpkg=k8s.io/component-base/version
k8s_ldflags="-s -w -X $vpkg.gitVersion=$k8s_version -X $vpkg.gitMajor=$major -X $vpkg.gitMinor=$minor"
k8s_ldflags+=" -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
flags=(-p 2 -trimpath)

echo "cluster:build: etcd $etcd_version (GOMODCACHE=$GOMODCACHE)"
go -C etcd build "${flags[@]}" -ldflags "-s -w" -o "$bin/etcd" .
step=$(date +%s)
echo "cluster:build: ... $(( step - start ))s; kube-apiserver, kube-controller-manager, kubectl $k8s_version (cold: ~10 CPU-min)"
go build "${flags[@]}" -ldflags "$k8s_ldflags" -o "$bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl

for b in "${binaries[@]}"; do
  [[ -x "$bin/$b" ]] || { echo "cluster:build: $bin/$b was not built" >&2; exit 1; }
done
got="$("$bin/kube-apiserver" --version)"
if [[ "$got" != "Kubernetes $k8s_version" ]]; then
  echo "cluster:build: built kube-apiserver reports '$got', expected 'Kubernetes $k8s_version'" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "cluster:build: done in $(( $(date +%s) - start ))s (etcd: $(( step - start ))s) -> $bin"
for b in "${binaries[@]}"; do printf '  %-24s %s\n' "$b" "$(du -h "$bin/$b" | cut -f1)"; done
