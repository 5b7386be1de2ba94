#!/usr/bin/env bash
# Validates what the DigitalOcean droplets will run, with the real tools, on the rendered output of every stack
# (issue 13 item 2):
#   1. npm run plan -- --stack S --cloud digitalocean --out-dir OUT/S  for dev, staging, prod (scripts/do-artefacts.ts:
#      per droplet group the redacted boot config, the compose file it carries, every written file)
#   2. every OUT/*/*/compose.yaml through compose-check (scripts/compose-check: compose-go, the Compose Specification
#      loader Docker Compose uses), once as `docker compose up` sees it and once with every profile (migrate)
#   2b. every host path a compose file reads (bind sources, env_file, secret files) is written by its boot config,
#      made by one of its scripts/units, or a delivered secret (index.json `unresolved`, scripts/do-artefacts.ts)
#   3. every OUT/*/*/cloud-config.yaml through `cloud-init schema --config-file` (Debian bookworm's cloud-init 22.4,
#      older than the droplets' Ubuntu 24.04 one, so only keys both know pass), strict: a deprecation or an unknown
#      top-level key fails too (22.4 ignores both)
# Negative controls run first: each validator must reject a known-bad sample, so a tool that accepts everything (e.g.
# cloud-init without jsonschema skips validation) fails the check instead of passing it.
# Tools: compose-check built once per Go version + module sources into the cache (its Go tests run on that build);
# cloud-init and its Python deps from `apt-get download`, unpacked with dpkg-deb (never installed: an installed
# cloud-init would run at this machine's next boot). Cache: $LOOM_DO_CHECK_CACHE (default ~/.cache/loom-do-check).
# Usage: scripts/do-check.sh [--out DIR] [--stacks "dev staging prod"] [--artefacts DIR (check these, no plan)]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

CACHE="${LOOM_DO_CHECK_CACHE:-${HOME}/.cache/loom-do-check}"
CLOUD_INIT_DEB="22.4.2-1+deb12u4"
# cloud-init's imports for `schema` (its Depends that are Python), with their own Python deps.
PY_DEBS=(python3-yaml python3-jsonschema python3-attr python3-pyrsistent python3-jinja2 python3-markupsafe
  python3-configobj python3-six python3-jsonpatch python3-json-pointer python3-requests python3-urllib3
  python3-idna python3-certifi python3-charset-normalizer python3-chardet python3-oauthlib python3-netifaces
  python3-serial)
out="${TMPDIR:-/tmp}/loom-do-artefacts"
stacks="dev staging prod"
artefacts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --stacks) stacks="$2"; shift 2 ;;
    --artefacts) artefacts="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "do-check: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

# --- compose-check: built once per fingerprint (Go version, go.mod, go.sum, sources) ---------------------------
compose_check() {
  export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gobuild" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  local src="$root/scripts/compose-check" fp bin
  fp="$({ go version; cd "$src" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
  bin="$CACHE/bin/compose-check-$fp"
  if [ ! -x "$bin" ]; then
    echo "building compose-check ($(sed -n 's/^require github.com\/compose-spec\/compose-go\/v2 //p' "$src/go.mod")) into $bin" >&2
    local start=$SECONDS
    mkdir -p "$CACHE/bin"
    (cd "$src" && go build -p 2 -trimpath -o "$bin.tmp" . && go test -p 2 -vet=off ./... >&2)
    rm -f "$CACHE"/bin/compose-check-????????????????   # earlier builds
    mv "$bin.tmp" "$bin"
    echo "compose-check ready in $(( SECONDS - start )) s" >&2
  fi
  echo "$bin"
}

# --- cloud-init: Debian's package unpacked into the cache --------------------------------------------------------
cloud_init_root() {
  local work="$CACHE/cloud-init" stamp
  stamp="$work/.stamp-$CLOUD_INIT_DEB"
  if [ ! -f "$stamp" ]; then
    echo "unpacking cloud-init $CLOUD_INIT_DEB and its Python deps into $work" >&2
    local start=$SECONDS
    rm -rf "$work"
    mkdir -p "$work/debs" "$work/root"
    (
      cd "$work/debs"
      if ! apt-cache show cloud-init >/dev/null 2>&1; then apt-get update -qq; fi
      # The pinned version first; the archive drops superseded point releases, then take the candidate.
      apt-get download -q "cloud-init=$CLOUD_INIT_DEB" 2>/dev/null ||
        { echo "warning: cloud-init=$CLOUD_INIT_DEB not available, using the candidate" >&2; apt-get download -q cloud-init; }
      apt-get download -q "${PY_DEBS[@]}"
    ) >&2 2> >(grep -v 'Download is performed unsandboxed' >&2)
    for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    touch "$stamp"
    echo "cloud-init ready in $(( SECONDS - start )) s" >&2
  fi
  echo "$work/root"
}

python_bin() { if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi; }

# cloud-init schema, strict: its own verdict, and a deprecation fails too.
cloud_init_check() { # file
  local file="$1" log
  log="$(PYTHONPATH="$CI_ROOT/usr/lib/python3/dist-packages" "$PY" "$CI_ROOT/usr/bin/cloud-init" schema --config-file "$file" 2>&1)" ||
    { echo "$log" >&2; return 1; }
  if grep -Eq 'deprecations: .*[^ ]' <<<"$log"; then echo "$file: $log" >&2; return 1; fi
  echo "$log"
}

# Top-level keys no module of cloud-init's schema reads (22.4 accepts them silently): one Python run for all files.
cloud_init_keys() { # file...
  PYTHONPATH="$CI_ROOT/usr/lib/python3/dist-packages" "$PY" - "$@" <<'PY'
import sys, yaml
from cloudinit.config.schema import get_schema
schema = get_schema()
known = {"merge_how", "merge_type"}
for ref in schema["allOf"]:
    known |= set(schema["$defs"][ref["$ref"].rsplit("/", 1)[-1]].get("properties", {}))
bad = 0
for name in sys.argv[1:]:
    with open(name) as f:
        doc = yaml.safe_load(f) or {}
    unknown = sorted(set(doc) - known)
    if unknown:
        print(f"{name}: top-level key(s) no cloud-init module reads: {', '.join(unknown)}", file=sys.stderr)
        bad += 1
print(f"top-level keys: {len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} file(s) use only keys cloud-init modules read")
sys.exit(1 if bad else 0)
PY
}

expect_fail() { # what, command...
  local what="$1"; shift
  if "$@" >/dev/null 2>&1; then echo "do-check: negative control failed: $what was accepted" >&2; exit 1; fi
  echo "negative control: $what rejected"
}

start=$SECONDS
step "tools"
CC="$(compose_check)"
CI_ROOT="$(cloud_init_root)"
PY="$(python_bin)"
PYTHONPATH="$CI_ROOT/usr/lib/python3/dist-packages" "$PY" -c 'import cloudinit.version as v, jsonschema, importlib.metadata as m; print("cloud-init", v.version_string(), "· jsonschema", m.version("jsonschema"))'

step "negative controls (each validator rejects a known-bad sample)"
bad="$(mktemp -d)"
trap 'rm -rf "$bad"' EXIT
printf 'name: loom\nservices:\n  web:\n    image: x:1\n    read_onli: true\n' >"$bad/key.yaml"
# shellcheck disable=SC2016 # a literal ${PORT}: the sample's unset variable
printf 'name: loom\nservices:\n  web:\n    image: x:1\n    command: ["${PORT}"]\n' >"$bad/var.yaml"
printf 'name: loom\nservices:\n  web:\n    image: x:1\n    secrets: [nope]\n' >"$bad/ref.yaml"
printf '#cloud-config\nwrite_files:\n  - content: x\n' >"$bad/nopath.yaml"
printf '#cloud-config\nruncmd: "ls"\n' >"$bad/runcmd.yaml"
printf '#cloud-config\npackagez: [ufw]\n' >"$bad/unknown.yaml"
printf '#cloud-config\nssh_pwauth: "no"\n' >"$bad/deprecated.yaml"
expect_fail "compose: an unknown service key" "$CC" "$bad/key.yaml"
expect_fail "compose: an unset \${VAR}" "$CC" "$bad/var.yaml"
expect_fail "compose: an undeclared secret" "$CC" "$bad/ref.yaml"
expect_fail "cloud-config: write_files without path" cloud_init_check "$bad/nopath.yaml"
expect_fail "cloud-config: runcmd as a string" cloud_init_check "$bad/runcmd.yaml"
expect_fail "cloud-config: an unknown top-level key" cloud_init_keys "$bad/nopath.yaml" "$bad/unknown.yaml"
expect_fail "cloud-config: a deprecated value" cloud_init_check "$bad/deprecated.yaml"

if [ -n "$artefacts" ]; then
  dirs=("$artefacts")
else
  dirs=()
  mkdir -p "$out"
  for s in $stacks; do
    step "plan $s (digitalocean) → $out/$s"
    npm run -s plan -- --stack "$s" --cloud digitalocean --no-policy --json "$out/$s.json" --out-dir "$out/$s" >"$out/$s.txt" 2>&1 ||
      { tail -n 30 "$out/$s.txt" >&2; echo "do-check: the $s plan failed (log: $out/$s.txt)" >&2; exit 1; }
    tail -n 1 "$out/$s.txt"
    dirs+=("$out/$s")
  done
fi

mapfile -t composes < <(find "${dirs[@]}" -mindepth 2 -maxdepth 2 -name compose.yaml | LC_ALL=C sort)
mapfile -t configs < <(find "${dirs[@]}" -mindepth 2 -maxdepth 2 -name cloud-config.yaml | LC_ALL=C sort)
if [ ${#configs[@]} -eq 0 ] || [ ${#composes[@]} -eq 0 ]; then
  echo "do-check: found ${#configs[@]} boot config(s) and ${#composes[@]} compose file(s) under ${dirs[*]}: nothing to check" >&2
  exit 1
fi

step "host paths: every file a compose file reads is written or made by its boot config (index.json unresolved)"
"$PY" - "${dirs[@]}" <<'PY'
import json, sys
bad = [f"{d}/{g}: {', '.join(v['unresolved'])}" for d in sys.argv[1:]
       for g, v in json.load(open(f"{d}/index.json")).items() if v.get("unresolved")]
if bad:
    sys.exit("compose files read host paths no boot config writes (Docker would bind an empty directory):\n  " + "\n  ".join(bad))
print("every compose file's host paths are written by its boot config, made by one of its files, or delivered secrets")
PY

step "compose-go: ${#composes[@]} compose file(s), as \`up\` sees them and with every profile"
"$CC" "${composes[@]}"
"$CC" --profile '*' "${composes[@]}"

step "cloud-init schema: ${#configs[@]} boot config(s)"
for f in "${configs[@]}"; do cloud_init_check "$f"; done
cloud_init_keys "${configs[@]}"

step "do-check: ${#composes[@]} compose file(s) and ${#configs[@]} boot config(s) valid in $(( SECONDS - start )) s"
