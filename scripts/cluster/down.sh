#!/usr/bin/env bash
# npm run cluster:down: stops the control plane scripts/cluster/up.sh started and deletes its state (etcd data,
# certificates and keys, kubeconfigs) under out/cluster/; the logs stay (out/cluster/logs/). Idempotent: nothing
# running, nothing to do. Stops only the processes whose pid up.sh recorded, and only while that pid still runs
# the binary up.sh started (a pid reused by another process is left alone).
# Usage: scripts/cluster/down.sh [--quiet]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/out/cluster"
bin="${LOOM_CLUSTER_BIN:-${LOOM_CLUSTER_CACHE:-$HOME/.cache/loom-cluster}/bin}"
quiet=0
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=1 ;;
    *) echo "cluster:down: unknown argument '$arg' (only --quiet is accepted)" >&2; exit 2 ;;
  esac
done
say() { [[ $quiet -eq 1 ]] || echo "cluster:down: $*"; }

# ours <pid> <name>: the pid runs $bin/<name>.
ours() { [[ "$(readlink "/proc/$1/exe" 2>/dev/null)" == "$(readlink -f "$bin/$2")" ]]; }

stopped=0
# The controller manager first, etcd last: each stops while what it talks to is still there.
for name in kube-controller-manager kube-apiserver etcd; do
  pidfile="$state/pids/$name.pid"
  [[ -f $pidfile ]] || continue
  pid="$(cat "$pidfile")"
  if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do ours "$pid" "$name" || break; sleep 0.25; done
    if ours "$pid" "$name"; then
      say "$name (pid $pid) ignored SIGTERM for 10s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (pid $pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
rm -rf "$state/etcd" "$state/pki" "$state/apiserver" "$state/controller-manager" "$state/kubeconfig" \
  "$state/controller-manager.kubeconfig" "$state/ports.env"
if [[ $stopped -eq 0 ]]; then say "nothing was running"; else say "down ($stopped processes)"; fi
