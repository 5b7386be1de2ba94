#!/usr/bin/env bash
# npm run e2e:cluster: the real Pulumi engine against a real control plane on 127.0.0.1 (docs/cluster.md).
#   0 cluster up: etcd + kube-apiserver + kube-controller-manager, the operators' CRDs (scripts/cluster/up.sh)
#   1a up --target the Namespace (a namespaced object can be dry-run only once its namespace exists)
#   1 preview with the loom-guard pack (prod config): a server-side dry run of every object (counted in the audit log)
#   2 up (prod profile; the test-only skip-await switch of Pulumi.cluster.yaml)
#   3 preview again: no changes
#   4 admission: the controllers' ReplicaSets, StatefulSet and Job produced Pods, all Pending, no FailedCreate
#   5 a privileged Deployment in the same namespace: its Pods are refused ("violates PodSecurity")
#   6 destroy (unprotect first), 7 the API holds no Loom object any more
# A trap always stops the cluster (down.sh). Engine as npm run e2e (.engine/bin). Logs: out/e2e-cluster/ and
# out/cluster/logs/. Exit 0 = all passed; otherwise the failing step is named.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/out/e2e-cluster"
bin="${LOOM_CLUSTER_BIN:-${LOOM_CLUSTER_CACHE:-$HOME/.cache/loom-cluster}/bin}"
STACK=cluster
NS=loom-cluster # the namespace default loom-<stack> (components/targets/kubernetes.ts)
LABEL=app.kubernetes.io/part-of=loom
BROKEN=tests/cluster/privileged-deployment.yaml
POLICY=(--policy-pack "$root/policy" --policy-pack-config "$root/policy/config/prod.json")

E2E_NAME=e2e:cluster E2E_LOGS="out/e2e-cluster/, out/cluster/logs/" E2E_WIDTH=56
# shellcheck source=scripts/lib/e2e-steps.sh
source "$root/scripts/lib/e2e-steps.sh" # now, step, run, fail, show_tail, timings_summary
finish() {
  local rc=$?
  e2e_failed_at "$rc"
  bash "$root/scripts/cluster/down.sh" || echo "e2e:cluster: down.sh failed (npm run cluster:down)" >&2
  exit "$rc"
}
trap finish EXIT
# A signal ends the script through `exit`, so the EXIT trap (down.sh) runs then too.
trap 'exit 130' INT
trap 'exit 143' TERM HUP
kubectl() { "$bin/kubectl" "$@"; }
summary() {
  awk '/^Resources:/ { block = ""; on = 1; next } on && /^ *$/ { on = 0 } on { block = block "   " $0 "\n" }
       END { printf "%s", block }' "$1" | sed 's/^ *\(.\)/   \1/'
}

export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=loom-local-not-a-secret # README.md; the cluster stack holds fake secrets only
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_SKIP_UPDATE_CHECK=true
export KUBECONFIG="$root/out/cluster/kubeconfig"

setup_engine() {
  npm run --silent engine:build || fail "npm run engine:build failed (Go >= 1.26 on PATH? see docs/engine.md)"
  export PATH="$root/.engine/bin:$PATH"
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true # only the plugins on PATH; never a download
  echo "   pulumi $(pulumi version) at $(command -v pulumi)"
  mkdir -p "$out" .pulumi-state
  rm -f "$out"/*.log "$out"/*.json
  run build node scripts/dist.js || { show_tail "$out/build.log"; fail "node scripts/dist.js could not build dist/"; }
}

cluster_up() {
  run 0-up bash scripts/cluster/up.sh || { show_tail "$out/0-up.log"; fail "scripts/cluster/up.sh"; }
  grep -E '^cluster:(up|build):' "$out/0-up.log" | sed 's/^/   /'
  echo "   $(kubectl version -o json | jq -r '"server " + .serverVersion.gitVersion')"
}

clean_stack() {
  pulumi stack rm "$STACK" --yes --force --preserve-config >/dev/null 2>&1 || true
  rm -rf .pulumi-state/.pulumi/stacks/loom/"$STACK".json* .pulumi-state/.pulumi/history/loom/"$STACK" \
    .pulumi-state/.pulumi/backups/loom/"$STACK"
  run stack-init pulumi stack init "$STACK" --non-interactive || { show_tail "$out/stack-init.log"; fail "pulumi stack init $STACK"; }
  git diff --quiet -- "Pulumi.$STACK.yaml" 2>/dev/null || echo "   note: stack init changed Pulumi.$STACK.yaml"
}

# The Namespace (and its parent component) first, through Pulumi itself: a dry run of a namespaced object needs its
# namespace, and without it the provider falls back to a client-side preview for every namespaced object. Without
# the pack: in a targeted update the analyzer sees the untargeted resources without their inputs (and fails on
# them); the pack runs on the whole program in the next step.
namespace_first() {
  local ns_urn="urn:pulumi:$STACK::loom::loom:components:Network\$kubernetes:core/v1:Namespace::loom-namespace"
  run 1-namespace pulumi up --stack "$STACK" --yes --non-interactive \
    --target "urn:pulumi:$STACK::loom::loom:components:Network::loom" --target "$ns_urn" ||
    { show_tail "$out/1-namespace.log" 60; fail "pulumi up --target the Namespace"; }
  summary "$out/1-namespace.log"
  [[ -n $(kubectl get namespace "$NS" --ignore-not-found -o name) ]] || fail "namespace $NS was not created"
}

# dry_runs: the distinct objects (resource namespace name) the API server received as a dryRun=All write.
dry_runs() {
  jq -r 'select(.requestURI | test("[?&]dryRun=All")) | .objectRef | "\(.resource) \(.namespace // "-") \(.name)"' \
    "$root/out/cluster/logs/audit.log" | sort -u
}

preview_policy() {
  local before after want
  before=$(dry_runs | wc -l)
  run 1-preview pulumi preview --stack "$STACK" "${POLICY[@]}" --non-interactive ||
    { show_tail "$out/1-preview.log" 60; fail "pulumi preview --policy-pack policy exited non-zero"; }
  grep -qE "loom-guard[@|]" "$out/1-preview.log" || fail "the loom-guard pack did not run (no 'loom-guard@' in the output)"
  grep -q "testOnlySkipAwait is ON" "$out/1-preview.log" || fail "the program did not warn that testOnlySkipAwait is on"
  summary "$out/1-preview.log"
  # Every Kubernetes object of the plan but the Namespace (created in the step before) was dry-run server-side.
  want=$(jq '[.resources[] | select(.custom and (.type | startswith("kubernetes:")) and .type != "kubernetes:core/v1:Namespace")] | length' \
    "$root/out/cluster/plan.json")
  after=$(dry_runs | wc -l)
  echo "   the API server's audit log: $((after - before)) objects received as server-side dry runs (dryRun=All); expected $want"
  [[ $((after - before)) -eq $want ]] || fail "$((after - before)) server-side dry runs in the audit log, expected $want (out/cluster/logs/audit.log)"
}

up() {
  run 2-up pulumi up --stack "$STACK" --yes --non-interactive || { show_tail "$out/2-up.log" 60; fail "pulumi up exited non-zero"; }
  summary "$out/2-up.log"
  run 2-export pulumi stack export --stack "$STACK" --file "$out/state.json" || fail "pulumi stack export"
  local objects found swept
  objects=$(jq '[.deployment.resources[] | select(.custom and (.type | startswith("kubernetes:")))] | length' "$out/state.json")
  found=$(state_lookup | wc -l)
  echo "   state: $objects Kubernetes objects; found in the API by kind and name: $found"
  [[ $objects -gt 0 && $found -eq $objects ]] || fail "the state holds $objects Kubernetes objects, the API $found of them"
  # The sweep of step 7 finds them too (its negative control: after destroy it must find nothing).
  swept=$(kubectl get "$(api_types)" -A -l "$LABEL" -o name 2>"$out/2-sweep.err" | wc -l)
  echo "   the label sweep ($LABEL, every listable type) finds $swept objects (theirs and the controllers' included)"
  [[ $swept -ge $objects ]] || fail "the label sweep finds $swept objects, fewer than the $objects of the state"
}

# Every Kubernetes object of the state (out/e2e-cluster/state.json) that the API has: one `kind/name` a line.
state_lookup() {
  jq -r '.deployment.resources[] | select(.custom and (.type | startswith("kubernetes:"))) | .outputs
    | (.apiVersion | split("/")) as $v
    | "\(.kind)\(if ($v | length) == 2 then ".\($v[1]).\($v[0])" else "" end) \(.metadata.namespace // "-") \(.metadata.name)"' \
    "$out/state.json" | while read -r type ns name; do
      local args=(get "$type" "$name" --ignore-not-found -o name)
      [[ $ns == - ]] || args+=(--namespace "$ns")
      kubectl "${args[@]}" || fail "kubectl get $type $name (namespace $ns)"
    done
}

preview_no_changes() {
  run 3-preview-again pulumi preview --stack "$STACK" --expect-no-changes --non-interactive --diff ||
    { show_tail "$out/3-preview-again.log" 60; fail "the second preview proposes changes"; }
  summary "$out/3-preview-again.log"
}

# Every listable resource type (for the label sweeps): events and the deprecated componentstatuses left out.
api_types() {
  kubectl api-resources --verbs=list -o name | grep -vE '^(events(\.events\.k8s\.io)?|componentstatuses)$' | paste -sd, -
}

# pods_of <kind> <name>: the names of the Pods whose controller chain leads to <kind>/<name> in $NS.
pods_of() {
  kubectl get pods,replicasets -n "$NS" -o json | jq -r --arg kind "$1" --arg name "$2" '
    [.items[] | {k: .kind, n: .metadata.name, o: ((.metadata.ownerReferences // [])[] | select(.controller) | "\(.kind)/\(.name)")}] as $all
    | ($all | map(select(.k == "ReplicaSet" and .o == "\($kind)/\($name)") | "ReplicaSet/\(.n)")) as $rs
    | $all[] | select(.k == "Pod" and (.o == "\($kind)/\($name)" or (.o as $o | $rs | index($o)))) | .n'
}

admission_pods() {
  local workloads kind name want got i
  workloads=$(kubectl get deployments,statefulsets,jobs -n "$NS" -l "$LABEL" -o json |
    jq -r '.items[] | "\(.kind) \(.metadata.name) \(if .kind == "Job" or .kind == "StatefulSet" then 1 else .spec.replicas end)"')
  [[ -n $workloads ]] || fail "no Deployment, StatefulSet or Job of Loom in $NS"
  # A StatefulSet (OrderedReady) and a Job create their first Pod; a Deployment all of spec.replicas.
  while read -r kind name want; do
    for ((i = 0; i < 120; i++)); do
      got=$(pods_of "$kind" "$name" | wc -l)
      [[ $got -ge $want ]] && break
      sleep 0.5
    done
    [[ $got -ge $want ]] || fail "$kind/$name: $got Pods after 60s, expected $want (controller manager running? FailedCreate?)"
    echo "   $kind/$name: $got Pod(s) created by the controllers (admitted: restricted)"
  done <<<"$workloads"
  local phases failed
  phases=$(kubectl get pods -n "$NS" -l "$LABEL" -o json | jq -r '[.items[] | "\(.status.phase) node=\(.spec.nodeName // "none")"] | group_by(.) | map("\(length) \(.[0])") | join(", ")')
  echo "   Pods: $phases"
  [[ $phases =~ ^[0-9]+\ Pending\ node=none$ ]] || fail "expected every Pod Pending and unscheduled (no kubelet), got: $phases"
  failed=$(kubectl get events -n "$NS" --field-selector reason=FailedCreate -o json | jq -r '.items[] | "\(.involvedObject.kind)/\(.involvedObject.name): \(.message)"')
  [[ -z $failed ]] || fail "FailedCreate events in $NS: $failed"
  echo "   no FailedCreate event in $NS"
}

broken_refused() {
  local image msg i
  image=$(jq -r '[.deployment.resources[] | select(.type == "kubernetes:apps/v1:Deployment")][0].outputs.spec.template.spec.containers[0].image' "$out/state.json")
  sed -e "s|__NAMESPACE__|$NS|" -e "s|__IMAGE__|$image|" "$BROKEN" >"$out/5-broken.yaml"
  run 5-broken-apply kubectl apply -f "$out/5-broken.yaml" || { show_tail "$out/5-broken-apply.log"; fail "kubectl apply $BROKEN"; }
  grep -q 'would violate PodSecurity "restricted:latest"' "$out/5-broken-apply.log" ||
    { show_tail "$out/5-broken-apply.log"; fail "no Pod Security warning when applying the privileged Deployment"; }
  echo "   apply warned: $(grep -o 'would violate PodSecurity "restricted:latest": [^,]*' "$out/5-broken-apply.log" | head -1)"
  for ((i = 0; i < 120; i++)); do
    msg=$(kubectl get events -n "$NS" --field-selector reason=FailedCreate -o json | jq -r '
      .items[] | select(.involvedObject.kind == "ReplicaSet" and (.involvedObject.name | startswith("loom-e2e-privileged-"))) | .message' | head -1)
    [[ -n $msg ]] && break
    sleep 0.5
  done
  [[ -n $msg ]] || fail "no FailedCreate event for the privileged Deployment's ReplicaSet after 60s"
  echo "   FailedCreate: $msg"
  [[ $msg == *'violates PodSecurity "restricted:latest"'* && $msg == *'privileged'* ]] ||
    fail "the FailedCreate event is not Pod Security's refusal of a privileged Pod: $msg"
  [[ -z $(pods_of Deployment loom-e2e-privileged) ]] || fail "a Pod of the privileged Deployment exists"
  echo "   no Pod of the privileged Deployment exists"
  run 5-broken-delete kubectl delete -f "$out/5-broken.yaml" --wait=true --timeout 60s || fail "kubectl delete the privileged Deployment"
}

destroy() {
  run 6-unprotect pulumi state unprotect --stack "$STACK" --all --yes --non-interactive ||
    { show_tail "$out/6-unprotect.log"; fail "pulumi state unprotect --all"; }
  run 6-destroy pulumi destroy --stack "$STACK" --yes --non-interactive ||
    { show_tail "$out/6-destroy.log" 60; fail "pulumi destroy exited non-zero"; }
  summary "$out/6-destroy.log"
  pulumi stack rm "$STACK" --yes --preserve-config >/dev/null 2>&1 || fail "pulumi stack rm $STACK (not empty?)"
}

nothing_left() {
  # 1. Every object the state held, asked for by kind and name: NotFound.
  local left sweep
  left=$(state_lookup)
  [[ -z $left ]] || fail "objects of the state still exist: $left"
  echo "   $(jq '[.deployment.resources[] | select(.custom and (.type | startswith("kubernetes:")))] | length' "$out/state.json") objects of the state: all NotFound"
  # 2. Nothing labelled as Loom's anywhere (Pods and ReplicaSets the controllers made included), and no namespace.
  # (stderr to a log: kubectl warns that v1 Endpoints are deprecated, which is listed all the same)
  sweep=$(kubectl get "$(api_types)" -A -l "$LABEL" -o name 2>"$out/7-sweep.err") ||
    { cat "$out/7-sweep.err" >&2; fail "kubectl get (every type) -l $LABEL"; }
  [[ -z $sweep ]] || fail "objects labelled $LABEL are left: $sweep"
  [[ -z $(kubectl get namespace "$NS" --ignore-not-found -o name) ]] || fail "namespace $NS still exists"
  echo "   no object labelled $LABEL in any namespace; namespace $NS gone"
}

step "setup: engine, dist/" setup_engine
step "0 cluster up (build, certificates, control plane, CRDs)" cluster_up
step "setup: clean state, stack init" clean_stack
step "1a up --target the Namespace" namespace_first
step "1 preview --policy-pack policy (server-side dry run)" preview_policy
step "2 up (prod profile, skip-await)" up
step "3 preview --expect-no-changes" preview_no_changes
step "4 admission: Pods created, Pending, no FailedCreate" admission_pods
step "5 privileged Deployment refused by Pod Security" broken_refused
step "6 destroy (unprotected first)" destroy
step "7 the API holds no Loom object" nothing_left

current="done"
echo
echo "== e2e:cluster: all steps passed"
timings_summary "total (the cluster is stopped next)"
