#!/usr/bin/env bash
# npm run chart:check — the chart's CI check (docs/chart.md):
#   1. charts/loom is what `npm run chart` generates now (a stale chart fails, naming the files);
#   2. `helm lint --strict` with each values-<profile>.yaml (values.schema.json is enforced by lint and template);
#   3. `helm template` per profile into out/chart/<profile>/manifest.yaml;
#   4. when out/cluster/kubeconfig exists and its API server answers /readyz (scripts/cluster/up.sh), a server-side
#      dry run of each profile's manifest there, in a throw-away namespace loom-chart-<profile> (created for real,
#      since a dry-run Namespace does not exist for the objects in it; deleted on exit). Otherwise it says why it
#      skipped the dry run. A negative control (a Deployment with an unknown field) must be refused.
# helm: $LOOM_HELM, else built (cached) by scripts/chart/build-helm.sh. kubectl: ~/.cache/loom-cluster/bin or PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
chart=charts/loom
out=out/chart
profiles=(dev staging prod)
# helm built from source assumes Kubernetes v1.20 for templates; the chart needs >= 1.30 (docs/kubernetes.md).
kube=(--kube-version "${LOOM_CHART_KUBE_VERSION:-v1.30.0}")

helm="${LOOM_HELM:-}"
if [[ -z "$helm" ]]; then
  helm="$(bash scripts/chart/build-helm.sh)" || { echo "chart:check: building helm failed" >&2; exit 1; }
fi

echo "chart:check: 1/4 the chart is up to date (npm run chart -- --check)"
node scripts/dist.js run scripts/chart/generate.ts --check 2> >(grep -v '^warning: \[runtime\]' >&2)

echo "chart:check: 2/4 helm lint"
for p in "${profiles[@]}"; do
  "$helm" lint --strict "$chart" "${kube[@]}" -f "$chart/values-$p.yaml"
done

echo "chart:check: 3/4 helm template -> $out/<profile>/manifest.yaml (and one file per object under objects/, for npm run scan:k8s)"
for p in "${profiles[@]}"; do
  rm -rf "${out:?}/$p"
  mkdir -p "$out/$p"
  "$helm" template loom "$chart" "${kube[@]}" -f "$chart/values-$p.yaml" >"$out/$p/manifest.yaml"
  "$helm" template loom "$chart" "${kube[@]}" -f "$chart/values-$p.yaml" --output-dir "$out/$p/objects" >/dev/null
  echo "  $p: $(grep -c '^kind: ' "$out/$p/manifest.yaml") objects"
done

kubeconfig="$out/../cluster/kubeconfig"
kubectl="$HOME/.cache/loom-cluster/bin/kubectl"
[[ -x "$kubectl" ]] || kubectl="$(command -v kubectl || true)"
why=""
if [[ ! -f "$kubeconfig" ]]; then
  why="no control plane: out/cluster/kubeconfig does not exist (start one with npm run cluster:up)"
elif [[ -z "$kubectl" ]]; then
  why="kubectl is neither in ~/.cache/loom-cluster/bin nor on PATH"
elif ! "$kubectl" --kubeconfig "$kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1; then
  why="the API server in out/cluster/kubeconfig does not answer /readyz"
fi
if [[ -n "$why" ]]; then
  echo "chart:check: 4/4 server-side dry run SKIPPED: $why"
  exit 0
fi

echo "chart:check: 4/4 kubectl apply --dry-run=server (namespace loom-chart-<profile>)"
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }
created=()
cleanup() { for ns in "${created[@]}"; do k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
for p in "${profiles[@]}"; do
  ns="loom-chart-$p"
  manifest="$out/$p/dry-run.yaml"
  "$helm" template loom "$chart" "${kube[@]}" -f "$chart/values-$p.yaml" --set "namespace=$ns" >"$manifest"
  "$helm" template loom "$chart" "${kube[@]}" -f "$chart/values-$p.yaml" --set "namespace=$ns" \
    --show-only templates/namespace-namespace.yaml | k apply --server-side -f - >/dev/null
  created+=("$ns")
  k apply --server-side --dry-run=server -f "$manifest" >"$out/$p/dry-run.log"
  echo "  $p: $(grep -c . "$out/$p/dry-run.log") objects accepted by the API server (dry run)"
done

# Negative control: the same dry run must refuse a rendered object with an unknown field (strict field validation),
# so "accepted" above means the API server checked the objects against its schemas.
bad="$out/prod/dry-run-negative.yaml"
"$helm" template loom "$chart" "${kube[@]}" -f "$chart/values-prod.yaml" --set "namespace=loom-chart-prod" \
  --show-only templates/deployment-loom-web.yaml | sed 's/^spec:$/spec:\n  loomNoSuchField: 1/' >"$bad"
if k apply --server-side --dry-run=server -f "$bad" >"$out/prod/dry-run-negative.log" 2>&1; then
  echo "chart:check: FAILED: the dry run accepted a Deployment with an unknown field ($bad)" >&2
  exit 1
fi
grep -q 'loomNoSuchField' "$out/prod/dry-run-negative.log" || {
  echo "chart:check: FAILED: the negative control failed for another reason: $(cat "$out/prod/dry-run-negative.log")" >&2
  exit 1
}
echo "  negative control: a Deployment with an unknown field is refused ($(head -c 160 "$out/prod/dry-run-negative.log"))"
