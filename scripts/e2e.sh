#!/usr/bin/env bash
# npm run e2e: the real Pulumi engine end to end on the `local` stack (Kubernetes, render mode, no cluster, no
# credentials). Non-interactive; starts from a clean state every time. What each step proves: docs/e2e.md.
#   1 preview with the loom-guard pack (prod config)    5 checkov on the rendered manifests
#   2 up: manifests under rendered/                     6 destroy (refused while protected; then unprotect, destroy)
#   3 preview again: no changes                         7 offline plan vs real state (after 2): same resources
#   4 a broken fixture program fails the pack
# Engine: .engine/bin (npm run engine:build, cached) when built or when no `pulumi` is on PATH; else `pulumi` from
# PATH. Logs: out/e2e/. Exit 0 = all passed; otherwise the failing step is named.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/out/e2e"
CHECKOV_VERSION=3.3.30
checkov_venv="${LOOM_CHECKOV_VENV:-$HOME/.cache/loom-e2e/checkov-$CHECKOV_VERSION}"
STACK=local
BROKEN_DIR=tests/e2e/broken
BROKEN_STACK=e2e-broken
BROKEN_RULES=(container-hardening deletion-protection)
POLICY=(--policy-pack "$root/policy" --policy-pack-config "$root/policy/config/prod.json")

E2E_NAME=e2e E2E_LOGS=out/e2e/ E2E_WIDTH=52
# shellcheck source=scripts/lib/e2e-steps.sh
source "$root/scripts/lib/e2e-steps.sh" # now, step, run, fail, show_tail, timings_summary
trap 'e2e_failed_at $?' EXIT

# ---------------------------------------------------------------------------------------------------------------
# Environment: the engine, a file backend inside the repo, the obviously-local passphrase.
# ---------------------------------------------------------------------------------------------------------------
export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=loom-local-not-a-secret # documented in README.md; the local stack holds fake secrets only
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_SKIP_UPDATE_CHECK=true

setup_engine() {
  if [[ -x .engine/bin/pulumi ]] || ! command -v pulumi >/dev/null 2>&1; then
    # Our build (docs/engine.md): a no-op in well under a second when nothing changed.
    npm run --silent engine:build || fail "npm run engine:build failed (Go >= 1.26 on PATH? see docs/engine.md)"
    export PATH="$root/.engine/bin:$PATH"
    # Only the plugins on PATH exist (ambient); never try to download one. Do NOT set PULUMI_IGNORE_AMBIENT_PLUGINS.
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  fi
  echo "   pulumi $(pulumi version) at $(command -v pulumi)"
  mkdir -p "$out" .pulumi-state # the file backend does not create its directory
}

# Pulumi.yaml's main (pulumi-main.js) runs dist/index.js and would build it itself; building here keeps that
# cost and any transpile error out of step 1. A no-op in milliseconds when nothing changed.
build_dist() {
  run build node scripts/dist.js || {
    show_tail "$out/build.log"
    fail "node scripts/dist.js could not build dist/ (npm ci done?)"
  }
  cat "$out/build.log"
}

# A clean start: no stack state, no rendered files (reruns and CI alike). --preserve-config keeps the committed
# stack files (without it `stack rm` deletes Pulumi.local.yaml).
clean() {
  rm -rf rendered "$BROKEN_DIR/rendered" "$out"/*.json
  pulumi stack rm "$STACK" --yes --force --preserve-config >/dev/null 2>&1 || true
  pulumi stack rm "$BROKEN_STACK" --cwd "$BROKEN_DIR" --yes --force --preserve-config >/dev/null 2>&1 || true
  # If a corrupt checkpoint made `stack rm` fail, remove the file backend's files for these two stacks directly.
  rm -rf .pulumi-state/.pulumi/stacks/loom/"$STACK".json* .pulumi-state/.pulumi/stacks/loom-e2e-broken \
    .pulumi-state/.pulumi/history/loom/"$STACK" .pulumi-state/.pulumi/history/loom-e2e-broken \
    .pulumi-state/.pulumi/backups/loom/"$STACK" .pulumi-state/.pulumi/backups/loom-e2e-broken
  # The committed encryptionsalt must match the passphrase: stack init fails here otherwise.
  run stack-init pulumi stack init "$STACK" --non-interactive || {
    show_tail "$out/stack-init.log"
    fail "pulumi stack init $STACK"
  }
  run stack-init-broken pulumi stack init "$BROKEN_STACK" --cwd "$BROKEN_DIR" --non-interactive || {
    show_tail "$out/stack-init-broken.log"
    fail "pulumi stack init $BROKEN_STACK"
  }
  git diff --quiet -- Pulumi.local.yaml "$BROKEN_DIR" 2>/dev/null ||
    echo "   note: stack init changed a committed stack file (git diff Pulumi.local.yaml $BROKEN_DIR)"
}

# The last "Resources:" block of a preview/up/destroy log (up and destroy print the preview's first).
summary() {
  awk '/^Resources:/ { block = ""; on = 1; next } on && /^ *$/ { on = 0 } on { block = block "   " $0 "\n" }
       END { printf "%s", block }' "$1" | sed 's/^ *\(.\)/   \1/'
}

preview_policy() {
  if ! run 1-preview pulumi preview --stack "$STACK" "${POLICY[@]}" --non-interactive; then
    show_tail "$out/1-preview.log" 60
    fail "pulumi preview --policy-pack policy exited non-zero"
  fi
  grep -qE "loom-guard[@|]" "$out/1-preview.log" || fail "the loom-guard pack did not run (no 'loom-guard@' in the output)"
  summary "$out/1-preview.log"
}

up() {
  if ! run 2-up pulumi up --stack "$STACK" --yes --non-interactive; then
    show_tail "$out/2-up.log" 60
    fail "pulumi up exited non-zero"
  fi
  summary "$out/2-up.log"
  run 2-export pulumi stack export --stack "$STACK" --file "$out/state.json" || fail "pulumi stack export"
  # One file per Kubernetes object: as many as custom, non-provider resources in the state.
  local objects files crds
  objects=$(node -e '
    const s = require(process.argv[1]);
    console.log(s.deployment.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:")).length);
  ' "$out/state.json")
  files=$(find rendered/1-manifest -name '*.yaml' 2>/dev/null | wc -l)
  crds=$(find rendered/0-crd -name '*.yaml' 2>/dev/null | wc -l)
  echo "   rendered/1-manifest: $files files, rendered/0-crd: $crds files; state: $objects Kubernetes objects"
  [[ $files -gt 0 && $((files + crds)) -eq $objects ]] ||
    fail "expected $objects rendered manifests, found $files in rendered/1-manifest and $crds in rendered/0-crd"
}

preview_no_changes() {
  if ! run 3-preview-again pulumi preview --stack "$STACK" --expect-no-changes --non-interactive --diff; then
    show_tail "$out/3-preview-again.log" 60
    fail "the second preview proposes changes (the program is not idempotent)"
  fi
  summary "$out/3-preview-again.log"
}

broken_fails() {
  # The fixture runs ../../../index.ts with the local stack's config and two deliberate violations.
  if run 4-broken pulumi preview --cwd "$BROKEN_DIR" --stack "$BROKEN_STACK" --config-file "$root/Pulumi.$STACK.yaml" \
    "${POLICY[@]}" --non-interactive; then
    show_tail "$out/4-broken.log" 60
    fail "the broken fixture passed the policy pack; it must fail"
  fi
  grep -qE "loom-guard[@|]" "$out/4-broken.log" || {
    show_tail "$out/4-broken.log" 60
    fail "the broken preview failed before the pack ran"
  }
  for rule in "${BROKEN_RULES[@]}"; do
    grep -qE "\[mandatory\].* $rule " "$out/4-broken.log" || {
      show_tail "$out/4-broken.log" 60
      fail "no mandatory '$rule' violation in the broken preview's output"
    }
    echo "   failed as it must: [mandatory] $rule"
  done
}

checkov_scan() {
  local bin="$checkov_venv/bin/checkov"
  if [[ ! -x "$bin" ]] || [[ "$("$bin" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]]; then
    echo "   installing checkov $CHECKOV_VERSION into $checkov_venv (once)"
    rm -rf "$checkov_venv"
    python3 -m venv "$checkov_venv" || fail "python3 -m venv (python3 with venv is needed for checkov)"
    "$checkov_venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$out/5-checkov-install.log" 2>&1 || {
      show_tail "$out/5-checkov-install.log"
      fail "pip install checkov==$CHECKOV_VERSION"
    }
  fi
  # --skip-download: no call to the Bridgecrew/Prisma platform; the built-in checks only.
  local rc=0
  "$bin" -d rendered --framework kubernetes --skip-download --compact >"$out/5-checkov.log" 2>&1 || rc=$?
  grep -E "^Passed checks" "$out/5-checkov.log" | sed 's/^/   /' || true
  grep -E "^Check: |SKIPPED|FAILED|Suppress comment" "$out/5-checkov.log" | grep -B1 -A1 -E "SKIPPED|FAILED" |
    grep -v '^--$' | sed 's/^/   /' || true
  if [[ $rc -ne 0 ]] || grep -qE "Failed checks: [1-9]" "$out/5-checkov.log"; then
    fail "checkov found problems in rendered/ (fix them in components/*/kubernetes.ts, or suppress with a reason: docs/e2e.md)"
  fi
}

destroy() {
  local protected refused unexpected
  protected=$(node -e '
    const s = require(process.argv[1]);
    for (const r of s.deployment.resources) if (r.protect) console.log(r.urn);
  ' "$out/state.json")
  # prod protects stateful objects: a destroy must refuse until they are deliberately unprotected. (The engine stops
  # at the first protected objects it meets, so not every protected URN is named: the Namespace comes after them.)
  if run 6-destroy-refused pulumi destroy --stack "$STACK" --preview-only --non-interactive; then
    fail "pulumi destroy did not refuse although $(wc -l <<<"$protected") resources are protected"
  fi
  refused=$(grep -oE 'resource "urn:[^"]+" cannot be deleted' "$out/6-destroy-refused.log" | cut -d'"' -f2 | sort -u)
  [[ -n $refused ]] || {
    show_tail "$out/6-destroy-refused.log"
    fail "pulumi destroy failed, but not because of protected resources"
  }
  unexpected=$(comm -23 <(echo "$refused") <(echo "$protected" | sort -u))
  [[ -z $unexpected ]] || fail "destroy refused resources that are not protected: $unexpected"
  echo "   destroy refused while protected: $(wc -l <<<"$refused") of $(wc -l <<<"$protected") protected resources named"
  run 6-unprotect pulumi state unprotect --stack "$STACK" --all --yes --non-interactive || {
    show_tail "$out/6-unprotect.log"
    fail "pulumi state unprotect --all"
  }
  if ! run 6-destroy pulumi destroy --stack "$STACK" --yes --non-interactive; then
    show_tail "$out/6-destroy.log" 60
    fail "pulumi destroy exited non-zero"
  fi
  summary "$out/6-destroy.log"
  local left
  left=$(find rendered -name '*.yaml' 2>/dev/null | wc -l)
  [[ $left -eq 0 ]] || fail "$left rendered files are left after destroy: $(find rendered -name '*.yaml' | head -3)"
  echo "   rendered/: no manifests left"
  pulumi stack rm "$STACK" --yes --preserve-config >/dev/null 2>&1 || fail "pulumi stack rm $STACK (not empty?)"
  pulumi stack rm "$BROKEN_STACK" --cwd "$BROKEN_DIR" --yes --preserve-config >/dev/null 2>&1 ||
    fail "pulumi stack rm $BROKEN_STACK"
}

plan_matches_state() {
  run 7-plan npm run --silent plan -- --stack "$STACK" --json "$out/plan.json" || {
    show_tail "$out/7-plan.log"
    fail "npm run plan -- --stack $STACK"
  }
  local rc=0
  node -r ts-node/register/transpile-only tests/e2e/compare.ts "$out/plan.json" "$out/state.json" \
    >"$out/7-compare.log" 2>&1 || rc=$?
  sed 's/^/   /' "$out/7-compare.log"
  [[ $rc -eq 0 ]] || fail "the offline plan and the real engine disagree (above)"
}

step "setup: engine" setup_engine
step "setup: precompiled program (dist/)" build_dist
step "setup: clean state, stack init" clean
step "1 preview --policy-pack policy (prod config)" preview_policy
step "2 up: render manifests" up
step "3 preview --expect-no-changes" preview_no_changes
step "7 offline plan vs real state" plan_matches_state
step "4 broken fixture fails the pack" broken_fails
step "5 checkov on rendered/" checkov_scan
step "6 destroy" destroy

current="done"
echo
echo "== e2e: all steps passed"
timings_summary "total"
