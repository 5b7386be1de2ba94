/**
 * The WAFv2 rules in front of the AWS edge, as data: an optional client allow-list, a per-IP rate limit and AWS's
 * managed common and known-bad-inputs rule groups. Every rule reports CloudWatch metrics and sampled requests.
 */

import type { wafv2 } from "@pulumi/aws/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";

/** WAF's bounds for a rate-based rule's limit (requests per evaluation window). */
export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;

export interface AllowList {
  ipv4: string[];
  ipv6: string[];
}

/**
 * Split the ingress CIDRs into the WAF IP sets they need. Undefined when the edge is open to everyone (a /0 in the
 * list): WAF IP sets cannot hold /0, and there is nothing to enforce.
 */
export function allowList(cidrs: readonly string[]): AllowList | undefined {
  if (cidrs.length === 0) invalid("ingressCidrs", "must list at least one CIDR");
  if (cidrs.some((c) => c.endsWith("/0"))) return undefined;
  return {
    ipv4: cidrs.filter((c) => !c.includes(":")),
    ipv6: cidrs.filter((c) => c.includes(":")),
  };
}

export interface WafRulesArgs {
  /** Prefix of every CloudWatch metric name, e.g. "loom-prod". */
  metricPrefix: string;
  rateLimitPer5Min: number;
  /** ARNs of the allow-list IP sets; a rule blocks every client outside them. Empty = no allow-list rule. */
  allowedIpSetArns: pulumi.Input<string>[];
}

function visibility(metricPrefix: string, rule: string): wafv2.WebAclRuleVisibilityConfig {
  return { cloudwatchMetricsEnabled: true, metricName: `${metricPrefix}-${rule}`, sampledRequestsEnabled: true };
}

function managed(metricPrefix: string, name: string, priority: number): wafv2.WebAclRule {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
    visibilityConfig: visibility(metricPrefix, name),
  };
}

/** Fail unless `limit` is a rate WAF accepts. */
export function checkRateLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < RATE_LIMIT_MIN || limit > RATE_LIMIT_MAX) {
    invalid("rateLimitPer5Min", `must be an integer from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, got ${limit}`);
  }
  return limit;
}

/** Rules in evaluation order: allow-list, rate limit, common rule set, known bad inputs. */
export function wafRules(args: WafRulesArgs): wafv2.WebAclRule[] {
  const limit = checkRateLimit(args.rateLimitPer5Min);
  const rules: wafv2.WebAclRule[] = [];
  if (args.allowedIpSetArns.length > 0) {
    const refs = args.allowedIpSetArns.map((arn) => ({ ipSetReferenceStatement: { arn } }));
    const inside = refs.length === 1 ? refs[0] : { orStatement: { statements: refs } };
    rules.push({
      name: "block-outside-allow-list",
      priority: 0,
      action: { block: {} },
      statement: { notStatement: { statement: inside } },
      visibilityConfig: visibility(args.metricPrefix, "block-outside-allow-list"),
    });
  }
  rules.push({
    name: "rate-limit-per-ip",
    priority: 10,
    action: { block: {} },
    statement: { rateBasedStatement: { limit, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
    visibilityConfig: visibility(args.metricPrefix, "rate-limit-per-ip"),
  });
  rules.push(managed(args.metricPrefix, "AWSManagedRulesCommonRuleSet", 20));
  rules.push(managed(args.metricPrefix, "AWSManagedRulesKnownBadInputsRuleSet", 30));
  return rules;
}

/** The web ACL's own visibility config. */
export function aclVisibility(metricPrefix: string): wafv2.WebAclVisibilityConfig {
  return visibility(metricPrefix, "web-acl");
}
