#!/usr/bin/env bash
# Checks the Ansible playbooks (ansible/) with the real tools: `ansible-lint --profile production` and
# `ansible-playbook --syntax-check` on every playbook, against the inventory scripts/ansible-inventory.ts makes from
# example stack outputs (tests/ansible/fixtures.ts: boot configs rendered by the real generators), and checks that
# Ansible writes every fixed host's boot files exactly as cloud-init would (tests/ansible/converge/).
# Tools: ansible (the package bundles the collections the playbooks use: community.general, community.docker,
# community.digitalocean, ansible.posix — there is no Galaxy here) and ansible-lint from PyPI, pinned in
# ansible/requirements.txt, into a venv keyed by that file's hash. Cache: $LOOM_ANSIBLE_CACHE (default
# ~/.cache/loom-ansible). Cold ~1-2 min (pip), warm a few seconds. Offline after the install: no Galaxy, no network.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${LOOM_ANSIBLE_CACHE:-${HOME}/.cache/loom-ansible}"
REQ="ansible/requirements.txt"
PYTHON="${PYTHON:-python3}"
KEY="$( (cat "$REQ"; "$PYTHON" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
VENV="${CACHE}/venv-${KEY}"

step() { printf '\n==> %s\n' "$*"; }

# A venv records its own path, so it is built where it lives; the marker says the install finished.
if [ ! -f "${VENV}/.complete" ]; then
  step "installing $(grep -v '^#' "$REQ" | xargs) into ${VENV}"
  start=$(date +%s)
  rm -rf "${VENV}"
  "$PYTHON" -m venv "${VENV}"
  PIP_CACHE_DIR="${CACHE}/pip" "${VENV}/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" \
    || { rm -rf "${VENV}"; exit 1; }
  touch "${VENV}/.complete"
  echo "tools ready in $(( $(date +%s) - start )) s"
fi
export PATH="${VENV}/bin:${PATH}"
export ANSIBLE_CONFIG="${PWD}/ansible/ansible.cfg"
export ANSIBLE_HOME="${CACHE}/home" ANSIBLE_LOCAL_TEMP="${CACHE}/tmp" ANSIBLE_NOCOLOR=1
# Only the collections the playbooks use, from the ansible package (never ~/.ansible, sys.path scanning or Galaxy):
# a playbook that needs another one fails here instead of on an operator's machine.
COLLECTIONS="community.general community.digitalocean"
slim="${VENV}/collections"
bundled="$("${VENV}/bin/python" -c 'import ansible_collections, os; print(ansible_collections.__path__[0])')"
for c in $COLLECTIONS; do
  mkdir -p "${slim}/ansible_collections/${c%%.*}"
  ln -sfn "${bundled}/${c%%.*}/${c#*.}" "${slim}/ansible_collections/${c%%.*}/${c#*.}"
done
export ANSIBLE_COLLECTIONS_PATH="$slim" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
step "$("${VENV}/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("ansible", "ansible-core", "ansible-lint")))'); collections: ${COLLECTIONS}"

step "example inventory: tests/ansible/fixtures.ts (the real boot config generators) -> scripts/ansible-inventory.ts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node -r ts-node/register/transpile-only tests/ansible/fixtures.ts > "$tmp/outputs.json"
node -r ts-node/register/transpile-only scripts/ansible-inventory.ts --stack example --from "$tmp/outputs.json" \
  --secrets-bucket loom-example-secrets-a1b2c3 --secrets-region ams3 --out-dir "$tmp"

step "ansible-playbook --syntax-check (every playbook)"
playbooks=(ansible/playbooks/*.yml)
ansible-playbook -i "$tmp/example.yml" --syntax-check "${playbooks[@]}" >/dev/null
printf 'ok: %s\n' "${playbooks[@]}"
count=${#playbooks[@]}

step "converge: Ansible writes each fixed host's boot files byte for byte as cloud-init does"
mkdir -p "$tmp/render"
ansible-playbook -i "$tmp/example.yml" tests/ansible/converge/render-files.yml \
  -e "loom_render_dir=$tmp/render" -e "ansible_python_interpreter=${VENV}/bin/python" >/dev/null
"${VENV}/bin/python" tests/ansible/converge/compare.py "$tmp/outputs.json" "$tmp/render"

step "ansible-lint --profile production"
(cd ansible && ansible-lint --profile production --offline --nocolor playbooks/)

echo "ansible: ${count} playbooks pass syntax-check and ansible-lint (production)"
