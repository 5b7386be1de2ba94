#!/usr/bin/env bash
# Checks the Ansible playbooks (ansible/) with the real tools: `ansible-lint --profile production` and
# `ansible-playbook --syntax-check` on every playbook, against the example inventory the inventory script makes from
# tests/ansible/fixtures/outputs.json (and that inventory is not stale).
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
# Only the collections the ansible package ships (never ~/.ansible or a Galaxy download).
export ANSIBLE_COLLECTIONS_PATH="$("${VENV}/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))')"

step "$(ansible --version | head -n 1), $(ansible-lint --version 2>/dev/null | head -n 1 | sed -E 's/\x1b\[[0-9;]*m//g')"

step "example inventory is up to date (scripts/ansible-inventory.ts on tests/ansible/fixtures/outputs.json)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node -r ts-node/register/transpile-only scripts/ansible-inventory.ts --stack example \
  --from tests/ansible/fixtures/outputs.json --secrets-bucket loom-example-secrets-a1b2c3 --secrets-region ams3 \
  --out-dir "$tmp" >/dev/null
for f in example.yml example.digitalocean.yml; do
  diff -u "ansible/inventory/$f" "$tmp/$f" || { echo "stale: ansible/inventory/$f (regenerate it)" >&2; exit 1; }
done
ansible-inventory -i ansible/inventory/example.yml --list >/dev/null

step "ansible-playbook --syntax-check (every playbook)"
count=0
for playbook in ansible/playbooks/*.yml; do
  ansible-playbook -i ansible/inventory/example.yml --syntax-check "$playbook" >/dev/null
  echo "ok: $playbook"
  count=$((count + 1))
done

step "ansible-lint --profile production"
(cd ansible && ansible-lint --profile production --offline --nocolor playbooks/)

echo "ansible: ${count} playbooks pass syntax-check and ansible-lint (production)"
