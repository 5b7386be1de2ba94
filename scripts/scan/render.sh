#!/usr/bin/env bash
# Renders the Kubernetes manifests of one or more profiles with the real engine, for the scanners (docs/scanners.md):
#   scripts/scan/render.sh [dev|staging|prod]...     (default: dev staging prod)
# Each profile is the `local` stack's config (render mode, fake values) with loom:environment and the namespace
# changed, run as a throw-away stack `scan-<env>` in a private file backend (out/scan/state), so it never touches the
# e2e's state or rendered/. Output: out/scan/rendered/<env>/{0-crd,1-manifest}. The temporary stack file
# Pulumi.scan-<env>.yaml (a copy of Pulumi.local.yaml: same salt, so its secure values decrypt) is removed on exit.
# Then: scripts/scan/k8s.sh out/scan/rendered/*   Logs: out/scan/render-<env>.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/out/scan"
envs=("$@")
[[ ${#envs[@]} -gt 0 ]] || envs=(dev staging prod)
for e in "${envs[@]}"; do
  case "$e" in
    dev | staging | prod) ;;
    *) echo "scan:render: unknown profile '$e' (allowed: dev, staging, prod)" >&2; exit 2 ;;
  esac
done

export PULUMI_BACKEND_URL="file://$out/state"
export PULUMI_CONFIG_PASSPHRASE=loom-local-not-a-secret # the local stack's documented passphrase (README.md)
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_SKIP_UPDATE_CHECK=true
if [[ -x .engine/bin/pulumi ]] || ! command -v pulumi >/dev/null 2>&1; then
  npm run --silent engine:build >/dev/null || { echo "scan:render: npm run engine:build failed" >&2; exit 1; }
  export PATH="$root/.engine/bin:$PATH"
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
fi
mkdir -p "$out/state"
node scripts/dist.js >"$out/render-dist.log" 2>&1 || { cat "$out/render-dist.log" >&2; exit 1; }

created=()
cleanup() { for f in "${created[@]}"; do rm -f "$f"; done; }
trap cleanup EXIT

for e in "${envs[@]}"; do
  stack="scan-$e"
  file="Pulumi.$stack.yaml"
  dir="out/scan/rendered/$e"
  log="$out/render-$e.log"
  if git ls-files --error-unmatch "$file" >/dev/null 2>&1; then
    echo "scan:render: $file is tracked by git; refusing to overwrite it" >&2
    exit 1
  fi
  created+=("$root/$file")
  # The local stack's config with two keys changed; the rest (fake domain, digest-pinned images) stays.
  sed -e "s/^  loom:environment: .*/  loom:environment: $e/" \
    -e "s|^    renderDir: .*|    renderDir: $dir|" \
    -e "s/^    namespace: .*/    namespace: loom-$e/" Pulumi.local.yaml >"$file"
  if ! { grep -q "loom:environment: $e" "$file" && grep -q "renderDir: $dir" "$file"; }; then
    echo "scan:render: could not derive $file from Pulumi.local.yaml (keys moved?)" >&2
    exit 1
  fi
  rm -rf "$dir"
  pulumi stack rm "$stack" --yes --force --preserve-config >/dev/null 2>&1 || true
  s=$(date +%s)
  {
    pulumi stack init "$stack" --non-interactive &&
      pulumi up --stack "$stack" --yes --non-interactive --skip-preview
  } >"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "scan:render: pulumi up for $e failed (log: $log)" >&2; exit 1; }
  pulumi stack rm "$stack" --yes --force --preserve-config >/dev/null 2>&1 || true
  n=$(find "$dir" -name '*.yaml' | wc -l)
  [[ $n -gt 0 ]] || { echo "scan:render: $e rendered no manifests under $dir" >&2; exit 1; }
  echo "scan:render: $e: $n manifests in $dir ($(($(date +%s) - s)) s)"
done
