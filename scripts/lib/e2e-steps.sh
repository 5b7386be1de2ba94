# shellcheck shell=bash
# The step harness of the real-engine e2e scripts (scripts/e2e.sh, scripts/cluster/e2e.sh), sourced by both.
# Before sourcing, set E2E_NAME (how messages name the script), E2E_LOGS (where its logs are, for the failure
# message), E2E_WIDTH (the timings column) and `out` (the log directory `run` writes into).
# Provides: now, step <name> <function>, run <log> <cmd...>, fail <why>, show_tail <file> [n], timings_summary <label>,
# e2e_failed_at (the message an EXIT trap prints when something other than `fail` stopped the script).
: "${out:?set out before sourcing e2e-steps.sh}" "${E2E_NAME:?}" "${E2E_LOGS:?}" "${E2E_WIDTH:?}"

# Seconds with a fraction (bash 5); whole seconds on an older bash.
now() { if [[ -n ${EPOCHREALTIME:-} ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s; fi; }
t0=$(now)
timings=()
current="setup"
reported=0
fail() {
  echo "$E2E_NAME: FAILED at step \"$current\": $*" >&2
  echo "     logs: $E2E_LOGS" >&2
  reported=1
  exit 1
}
# For the EXIT trap: anything else that stops the script (set -e) still names the step.
e2e_failed_at() {
  local rc=$1
  if [[ $rc -ne 0 && $reported -eq 0 ]]; then
    echo "$E2E_NAME: FAILED at step \"$current\" (exit $rc); logs: $E2E_LOGS" >&2
  fi
}
# step <name> <function>: runs it, records its wall time.
step() {
  current="$1"
  echo
  echo "== $E2E_NAME: $1"
  local s took
  s=$(now)
  "$2"
  took=$(awk -v a="$s" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  timings+=("$(printf "%-${E2E_WIDTH}s %7ss" "$1" "$took")")
  echo "   ok ($took s)"
}
# run <log> <cmd...>: the command's output goes to $out/<log>.log; the exit code is returned.
run() {
  local log="$out/$1.log"
  shift
  "$@" >"$log" 2>&1
}
show_tail() { echo "--- last lines of $1 ---" >&2; tail -n "${2:-40}" "$1" >&2; }
# timings_summary <label of the total line>: every step's time, then the total since the harness was sourced.
timings_summary() {
  local t
  for t in "${timings[@]}"; do echo "   $t"; done
  printf "   %-${E2E_WIDTH}s %7ss\n" "$1" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
}
