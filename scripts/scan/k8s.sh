#!/usr/bin/env bash
# npm run scan:k8s -- <manifest dir>...: kube-score and Trivy's Kubernetes misconfiguration checks on every rendered
# manifest (docs/scanners.md). Strictly offline: Trivy uses the checks embedded in the binary (--skip-check-update),
# downloads no vulnerability DB (`trivy config` needs none) and runs in a fresh, throw-away cache directory.
#   0 negative control: tests/scan/fixtures/privileged.yaml must be flagged by both scanners, or the scan aborts
#   1 kube-score score --output-format json (ignore annotations disabled: ignores live in scripts/scan/ignores.yaml)
#   2 trivy config --misconfig-scanners kubernetes --skip-check-update
#   3 scripts/scan/report.ts: applies scripts/scan/ignores.yaml, prints a summary; exit 1 on a gated finding or a
#     stale ignore (gate: kube-score CRITICAL/WARNING, Trivy CRITICAL/HIGH/MEDIUM)
# Builds the scanners first (scripts/scan/build.sh: a no-op when up to date). Logs and reports: out/scan/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/out/scan"
bin="${LOOM_SCAN_CACHE:-$HOME/.cache/loom-scan}/bin"
KUBE_VERSION=v1.30 # the oldest Kubernetes minor docs/kubernetes.md supports; decides kube-score's API checks
current=setup
trap 'rc=$?; [[ $rc -eq 0 ]] || echo "scan:k8s: FAILED at \"$current\" (exit $rc); logs: out/scan/" >&2' EXIT

[[ $# -gt 0 ]] || { echo "scan:k8s: usage: scripts/scan/k8s.sh <manifest dir>... (e.g. rendered)" >&2; exit 2; }
for d in "$@"; do
  [[ -d $d ]] || { echo "scan:k8s: '$d' is not a directory" >&2; exit 2; }
  [[ -n "$(find "$d" -name '*.yaml' -print -quit)" ]] || { echo "scan:k8s: '$d' holds no *.yaml manifest" >&2; exit 2; }
done
mkdir -p "$out"
bash scripts/scan/build.sh >"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; exit 1; }
tcache="$(mktemp -d)"
trap 'rc=$?; rm -rf "$tcache"; [[ $rc -eq 0 ]] || echo "scan:k8s: FAILED at \"$current\" (exit $rc); logs: out/scan/" >&2' EXIT

# kube_score <report.json> <files...>: exit 1 means "found something" and is expected; anything else fails.
kube_score() {
  local report="$1" rc=0
  shift
  "$bin/kube-score" score --output-format json --kubernetes-version "$KUBE_VERSION" \
    --disable-ignore-checks-annotations "$@" >"$report" 2>"$report.err" || rc=$?
  [[ $rc -le 1 && -s $report ]] || { cat "$report.err" >&2; echo "kube-score exited $rc" >&2; return 1; }
}
# trivy_config <report.json> <dir>: offline by construction (no check bundle, no DB, empty cache).
trivy_config() {
  "$bin/trivy" config --quiet --skip-check-update --misconfig-scanners kubernetes --cache-dir "$tcache" \
    --ignorefile /dev/null --format json --output "$1" "$2" 2>"$1.err" || { cat "$1.err" >&2; return 1; }
}
report() { node -r ts-node/register/transpile-only scripts/scan/report.ts "$@"; }

current="0 negative control"
fixture=tests/scan/fixtures
kube_score "$out/control-kube-score.json" "$fixture/privileged.yaml"
trivy_config "$out/control-trivy.json" "$fixture"
report --control --kube-score "$out/control-kube-score.json" --trivy "$fixture=$out/control-trivy.json" --expect \
  trivy:KSV-0017:Deployment/scan-control-privileged \
  kube-score:container-security-context-privileged:Deployment/scan-control-privileged \
  kube-score:container-security-context-user-group-id:Deployment/scan-control-privileged

ks=() tr=() i=0
for d in "$@"; do
  i=$((i + 1))
  current="1 kube-score $d"
  mapfile -t files < <(find "$d" -name '*.yaml' | LC_ALL=C sort)
  kube_score "$out/kube-score-$i.json" "${files[@]}"
  ks+=("$out/kube-score-$i.json")
  current="2 trivy config $d"
  trivy_config "$out/trivy-$i.json" "$d"
  tr+=("$d=$out/trivy-$i.json")
  echo "   scanned $d: ${#files[@]} manifests"
done
current="3 ignore list and gate"
report --ignores scripts/scan/ignores.yaml --kube-score "${ks[@]}" --trivy "${tr[@]}" | tee "$out/summary.txt"
[[ ${PIPESTATUS[0]} -eq 0 ]] || { echo "scan:k8s: un-ignored findings or stale ignores (above)" >&2; exit 1; }
echo "scan:k8s: passed"
