/**
 * The Cloud Armor rules in front of the GCP edge, as data (pure: no SDK values, only its input types).
 *
 * Cloud Armor runs the action of the highest-priority rule that matches and evaluates nothing after it; a throttle
 * rule's conforming requests are allowed there and then. So the order is: deny the metrics path, deny what the
 * preconfigured WAF rules flag (when `waf`), then the per-IP throttle, which is also the allow rule: it matches the
 * allowed client ranges only (everyone when they include a /0), and the default rule denies whatever is left
 * (allows it when ingress is open, where nothing is left). No rule is `preview`: every rule is enforced.
 */
import type { compute } from "@pulumi/gcp/types/input";
import { invalid } from "../lib/component";
import { checkRateLimit } from "./waf";

/** Priorities, spaced as Google recommends so rules can be slotted in later. */
export const ARMOR_PRIORITY = {
  metrics: 1000,
  waf: 2000,
  allow: 9000,
  /** Cloud Armor's reserved default rule (matches everything). */
  default: 2147483647,
} as const;

/** The rate-limit window: loom's limit is per 5 minutes (an interval Cloud Armor accepts). */
export const RATE_LIMIT_INTERVAL_SEC = 300;

/** At most 10 ranges in one rule's `srcIpRanges` (Cloud Armor's limit). */
export const MAX_RANGES_PER_RULE = 10;

/**
 * Preconfigured WAF rules (ModSecurity CRS 3.3, Google's `-v33-stable` sets) at sensitivity 1, the level Google
 * recommends to start from (fewest false positives): the OWASP Top 10 classes a JSON/HTML web app meets, scanner and
 * protocol attacks, and `cve-canary` (Log4Shell and other exploited CVEs, like AWS's known-bad-inputs group).
 * Not `methodenforcement-v33-stable`: it allows only GET, HEAD, POST and OPTIONS, so it would refuse any PUT,
 * PATCH or DELETE an API route takes.
 */
export const WAF_RULE_SETS = [
  "sqli-v33-stable",
  "xss-v33-stable",
  "lfi-v33-stable",
  "rfi-v33-stable",
  "rce-v33-stable",
  "scannerdetection-v33-stable",
  "protocolattack-v33-stable",
  "sessionfixation-v33-stable",
  "cve-canary",
] as const;
export const WAF_SENSITIVITY = 1;

export interface ArmorRulesArgs {
  waf: boolean;
  rateLimitPer5Min: number;
  ingressCidrs: string[];
  metricsPath: string;
}

/** `ingressCidrs` as Cloud Armor ranges; `["*"]` when a /0 opens the edge to everyone. */
export function armorRanges(cidrs: readonly string[]): string[] {
  if (cidrs.length === 0) invalid("ingressCidrs", "must list at least one CIDR");
  for (const c of cidrs) {
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c)) invalid("ingressCidrs", `must be CIDR ranges, got ${JSON.stringify(c)}`);
  }
  if (cidrs.some((c) => c.endsWith("/0"))) return ["*"];
  return [...cidrs];
}

/** The CEL expression that matches the metrics path however it is spelled (percent-encoding, case, extra slashes). */
export function metricsExpression(metricsPath: string): string {
  if (!/^\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(metricsPath)) {
    invalid("metricsPath", `must be an absolute path of letters, digits, '_', '-' and '/', got ${metricsPath}`);
  }
  return `request.path.urlDecode().lower().matches('^/+${metricsPath.slice(1).toLowerCase()}')`;
}

function rule(priority: number, action: string, match: compute.SecurityPolicyRuleMatch, description: string) {
  return { priority, action, match, description, preview: false } satisfies compute.SecurityPolicyRule;
}

const expr = (expression: string): compute.SecurityPolicyRuleMatch => ({ expr: { expression } });
const ranges = (srcIpRanges: string[]): compute.SecurityPolicyRuleMatch => ({
  versionedExpr: "SRC_IPS_V1",
  config: { srcIpRanges },
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The policy's rules in evaluation order, ending with the default rule. */
export function armorRules(args: ArmorRulesArgs): compute.SecurityPolicyRule[] {
  const limit = checkRateLimit(args.rateLimitPer5Min);
  const allowed = armorRanges(args.ingressCidrs);
  const open = allowed[0] === "*";
  const rules: compute.SecurityPolicyRule[] = [
    rule(ARMOR_PRIORITY.metrics, "deny(404)", expr(metricsExpression(args.metricsPath)), "metrics path not published"),
  ];
  if (args.waf) {
    WAF_RULE_SETS.forEach((set, i) => {
      const check = `evaluatePreconfiguredWaf('${set}', {'sensitivity': ${WAF_SENSITIVITY}})`;
      rules.push(rule(ARMOR_PRIORITY.waf + i * 10, "deny(403)", expr(check), `WAF ${set}`));
    });
  }
  chunks(allowed, MAX_RANGES_PER_RULE).forEach((group, i) => {
    rules.push({
      ...rule(
        ARMOR_PRIORITY.allow + i * 10,
        "throttle",
        ranges(group),
        open ? "per-IP rate limit" : "allowed ranges, per-IP rate limit",
      ),
      rateLimitOptions: {
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKey: "IP",
        rateLimitThreshold: { count: limit, intervalSec: RATE_LIMIT_INTERVAL_SEC },
      },
    });
  });
  rules.push(
    rule(ARMOR_PRIORITY.default, open ? "allow" : "deny(403)", ranges(["*"]), open ? "default allow" : "default deny"),
  );
  return rules;
}
