#!/usr/bin/env bash
# Fails when a SARIF file has a blocking result: one whose rule's security-severity (the CVSS-like 0-10 score that
# GitHub code scanning ranks as critical at >= 9.0) is at least --min-security-severity, or, with --level, one whose
# level (the result's, else its rule's default) is that level. Suppressed results never block.
# Usage: sarif-gate.sh (--min-security-severity <0-10> | --level <error|warning|note>) <file.sarif>...
# Prints one line per blocking result (rule, file:line) and exits 1 if there is any, 2 on bad usage.
set -euo pipefail

usage() { echo "usage: sarif-gate.sh (--min-security-severity <0-10> | --level <error|warning|note>) <file.sarif>..." >&2; exit 2; }
[[ $# -ge 3 ]] || usage
mode="$1" value="$2"
shift 2
case "$mode" in
  --min-security-severity)
    [[ "$value" =~ ^([0-9]|10)(\.[0-9]+)?$ ]] || { echo "sarif-gate: --min-security-severity is '$value'; allowed: a number from 0 to 10" >&2; exit 2; } ;;
  --level)
    [[ "$value" =~ ^(error|warning|note)$ ]] || { echo "sarif-gate: --level is '$value'; allowed: error, warning, note" >&2; exit 2; } ;;
  *) usage ;;
esac

blocking=0
for file in "$@"; do
  [[ -f "$file" ]] || { echo "sarif-gate: no such SARIF file: $file" >&2; exit 2; }
  hits="$(jq -r --arg mode "$mode" --arg value "$value" '
    .runs[] |
    ([.tool.driver.rules[]?, .tool.extensions[]?.rules[]?] | map({key: .id, value: .}) | from_entries) as $rules |
    .results[] |
    select((.suppressions // []) | length == 0) |
    ($rules[.ruleId] // {}) as $rule |
    select(
      if $mode == "--level" then ((.level // $rule.defaultConfiguration.level // "warning") == $value)
      else (($rule.properties["security-severity"] // "0") | tonumber) >= ($value | tonumber) end
    ) |
    "\(.ruleId) \(.locations[0].physicalLocation.artifactLocation.uri // "?"):\(.locations[0].physicalLocation.region.startLine // "?")"
  ' "$file")"
  if [[ -n "$hits" ]]; then
    while IFS= read -r hit; do echo "blocking: $file: $hit"; done <<<"$hits"
    blocking=$((blocking + $(wc -l <<<"$hits")))
  fi
done
if [[ $blocking -gt 0 ]]; then
  echo "sarif-gate: $blocking blocking result(s) ($mode $value)" >&2
  exit 1
fi
echo "sarif-gate: 0 blocking results in $# file(s) ($mode $value)"
