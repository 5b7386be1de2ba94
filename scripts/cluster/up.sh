#!/usr/bin/env bash
# npm run cluster:up: a real Kubernetes control plane on 127.0.0.1 only (docs/cluster.md):
#   etcd (mTLS) -> kube-apiserver (RBAC, PodSecurity admission, client certs) -> kube-controller-manager,
#   then the operators' pinned CRDs (scripts/cluster/crds.ts). No scheduler, no kubelet: Pods stay Pending.
# Builds the binaries first (scripts/cluster/build.sh; a no-op when warm). Always a fresh start: a control plane
# left running from an earlier call is stopped first (down.sh). Writes out/cluster/kubeconfig (the admin's, the
# path Pulumi.cluster.yaml names); state, certificates and logs under out/cluster/. Stop it: npm run cluster:down.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/scripts/cluster"
state="$root/out/cluster"
bin="${LOOM_CLUSTER_BIN:-${LOOM_CLUSTER_CACHE:-$HOME/.cache/loom-cluster}/bin}"
pki="$state/pki"
logs="$state/logs"
SERVICE_CIDR=10.96.0.0/16 # the API server's Service IP range (the first address is the kubernetes Service)
start=$(date +%s)
say() { echo "cluster:up: $*"; }
die() {
  echo "cluster:up: FAILED: $*" >&2
  echo "cluster:up: logs: out/cluster/logs/" >&2
  exit 1
}

bash "$here/build.sh"
bash "$here/down.sh" --quiet
rm -rf "$logs" # the last run's logs (down.sh keeps them); the audit log must hold this run's requests only
mkdir -p "$pki" "$logs" "$state/pids"
chmod 700 "$state" "$pki"

# Free ports on 127.0.0.1 (the OS picks them; another helper's cluster or a CI neighbour cannot collide).
read -r etcd_port peer_port api_port kcm_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')
cat >"$state/ports.env" <<EOF
ETCD_PORT=$etcd_port
APISERVER_PORT=$api_port
KCM_PORT=$kcm_port
EOF

# --- PKI: one CA (2 days), EC P-256 leaf certificates, an RSA service-account key pair -------------------------------
cd "$pki"
openssl_quiet() { openssl "$@" >/dev/null 2>&1 || die "openssl $1 failed"; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=loom-e2e-ca" \
  -keyout ca.key -out ca.crt -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
# leaf <name> <subject> <extendedKeyUsage> [subjectAltName]
leaf() {
  local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$3"
  [[ -n ${4:-} ]] && ext+=$'\n'"subjectAltName=$4"
  openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
  openssl_quiet x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" \
    -extfile <(echo "$ext")
  rm -f "$1.csr"
}
leaf etcd "/CN=etcd" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
leaf apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
leaf apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
leaf admin "/O=system:masters/CN=loom-e2e-admin" clientAuth
leaf controller-manager "/CN=system:kube-controller-manager" clientAuth
openssl_quiet genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
openssl_quiet pkey -in sa.key -pubout -out sa.pub
chmod 600 ./*.key
cd "$root"

# kubeconfig <file> <user> <cert>: the certificates embedded, so the file works from any directory.
kubeconfig() {
  local b64="base64 -w0"
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: loom-e2e
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority-data: $($b64 "$pki/ca.crt")
users:
  - name: $2
    user:
      client-certificate-data: $($b64 "$pki/$3.crt")
      client-key-data: $($b64 "$pki/$3.key")
contexts:
  - name: loom-e2e
    context: { cluster: loom-e2e, user: $2 }
current-context: loom-e2e
EOF
  chmod 600 "$1"
}
kubeconfig "$state/kubeconfig" loom-e2e-admin admin
kubeconfig "$state/controller-manager.kubeconfig" system:kube-controller-manager controller-manager

# launch <name> <args...>: the binary in the background, its log and pid under out/cluster/.
launch() {
  local name="$1"
  shift
  "$bin/$name" "$@" >"$logs/$name.log" 2>&1 &
  echo $! >"$state/pids/$name.pid"
}
# wait_for <what> <seconds> <name> <cmd...>: until cmd succeeds; fails early if the process <name> died.
wait_for() {
  local what="$1" limit="$2" name="$3" i
  shift 3
  for ((i = 0; i < limit * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$state/pids/$name.pid")" 2>/dev/null || { tail -n 20 "$logs/$name.log" >&2; die "$name exited while waiting for $what"; }
    sleep 0.5
  done
  tail -n 20 "$logs/$name.log" >&2
  die "no $what after ${limit}s"
}
curl_ok() { curl -fsS --cacert "$pki/ca.crt" "$@"; }

launch etcd --name loom-e2e --data-dir "$state/etcd" \
  --listen-client-urls "https://127.0.0.1:$etcd_port" --advertise-client-urls "https://127.0.0.1:$etcd_port" \
  --listen-peer-urls "https://127.0.0.1:$peer_port" --initial-advertise-peer-urls "https://127.0.0.1:$peer_port" \
  --initial-cluster "loom-e2e=https://127.0.0.1:$peer_port" --initial-cluster-state new \
  --cert-file "$pki/etcd.crt" --key-file "$pki/etcd.key" --trusted-ca-file "$pki/ca.crt" --client-cert-auth \
  --peer-cert-file "$pki/etcd.crt" --peer-key-file "$pki/etcd.key" --peer-trusted-ca-file "$pki/ca.crt" \
  --peer-client-cert-auth --unsafe-no-fsync --log-level warn
wait_for "etcd /health" 30 etcd curl_ok --cert "$pki/apiserver-etcd-client.crt" --key "$pki/apiserver-etcd-client.key" \
  "https://127.0.0.1:$etcd_port/health"
say "etcd on 127.0.0.1:$etcd_port ($(($(date +%s) - start))s)"

# PodSecurity is in the default admission set already; listed so that turning it off is a visible change.
# --allow-privileged: as on real clusters, so that Pod Security admission (not validation) is what refuses a
# privileged Pod in a `restricted` namespace. --endpoint-reconciler-type=none: the default reconciler would publish
# 127.0.0.1 as the kubernetes Service's endpoint, which the API server refuses (a loopback address).
# Audit: every write (dry runs included) at Metadata level, so npm run e2e:cluster can show that the preview sent
# each object to the API server as a server-side dry run (requestURI ...?dryRun=All).
cat >"$state/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, patch, update, delete]
  - level: None
EOF
launch kube-apiserver --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --etcd-servers "https://127.0.0.1:$etcd_port" --etcd-cafile "$pki/ca.crt" \
  --etcd-certfile "$pki/apiserver-etcd-client.crt" --etcd-keyfile "$pki/apiserver-etcd-client.key" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --anonymous-auth=false --authorization-mode RBAC \
  --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,ResourceQuota,DefaultTolerationSeconds \
  --allow-privileged=true --endpoint-reconciler-type none \
  --service-account-issuer https://kubernetes.default.svc.cluster.local --service-account-key-file "$pki/sa.pub" \
  --service-account-signing-key-file "$pki/sa.key" --service-cluster-ip-range "$SERVICE_CIDR" \
  --profiling=false --cert-dir "$state/apiserver" \
  --audit-policy-file "$state/audit-policy.yaml" --audit-log-path "$logs/audit.log" --audit-log-format json
admin=(--cert "$pki/admin.crt" --key "$pki/admin.key")
wait_for "kube-apiserver /readyz" 120 kube-apiserver curl_ok "${admin[@]}" "https://127.0.0.1:$api_port/readyz"
say "kube-apiserver on https://127.0.0.1:$api_port ready ($(($(date +%s) - start))s)"

launch kube-controller-manager --kubeconfig "$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$kcm_port" --cert-dir "$state/controller-manager" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --leader-elect=false --profiling=false
wait_for "kube-controller-manager /healthz" 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
export KUBECONFIG="$state/kubeconfig"
# The service-account controller creating `default` in every namespace: the controllers run and can write.
wait_for "the controller manager's default ServiceAccount" 60 kube-controller-manager \
  "$bin/kubectl" get serviceaccount default --namespace default
say "kube-controller-manager on 127.0.0.1:$kcm_port running ($(($(date +%s) - start))s)"

# --- The operators' CRDs: the groups the cluster stack's custom resources use (crds.ts) -----------------------------
npm run --silent plan -- --stack cluster --json "$state/plan.json" >"$logs/plan.log" 2>&1 ||
  { tail -n 20 "$logs/plan.log" >&2; die "npm run plan -- --stack cluster (needed for the CRD groups it uses)"; }
node -r ts-node/register/transpile-only "$here/crds.ts" "$state/plan.json" >"$state/crds.txt" 2>"$logs/crds.log" ||
  { cat "$logs/crds.log" >&2; die "scripts/cluster/crds.ts could not select the CRDs"; }
sed 's/^/  /' "$logs/crds.log"
names=()
while read -r name file; do
  # Server-side: the prometheus-operator CRDs are larger than the last-applied annotation allows.
  "$bin/kubectl" apply --server-side --field-manager loom-e2e -f "$file" >>"$logs/crds-apply.log" 2>&1 ||
    { tail -n 5 "$logs/crds-apply.log" >&2; die "kubectl apply $file"; }
  names+=("crd/$name")
done <"$state/crds.txt"
"$bin/kubectl" wait --for condition=Established --timeout 60s "${names[@]}" >>"$logs/crds-apply.log" 2>&1 ||
  die "CRDs not Established in 60s (out/cluster/logs/crds-apply.log)"
say "${#names[@]} CRDs installed and Established ($(($(date +%s) - start))s)"
say "up in $(($(date +%s) - start))s: KUBECONFIG=out/cluster/kubeconfig; stop with npm run cluster:down"
