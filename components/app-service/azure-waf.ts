/**
 * The WAF policy of the Azure edge, as data (pure: only the SDK's input types): an Application Gateway
 * `network:WebApplicationFirewallPolicy` attached to the gateway by `firewallPolicy.id` (the inline
 * `webApplicationFirewallConfiguration` retires 2027-03-15).
 *
 * Custom rules run before the managed rules, lowest priority number first, and a Block ends evaluation:
 * 1. the ingress allow-list (only when `ingressCidrs` is narrower than a /0): block every client outside it;
 * 2. the metrics path, however it is spelled (URL-decoded, lower-cased, repeated leading slashes): never published;
 * 3. the per-client-IP rate limit (`rateLimitPer5Min` over FiveMins, grouped by ClientAddr), matching every request
 *    with Microsoft's documented match-all condition (RemoteAddr not in 255.255.255.255/32).
 *
 * Managed rules: Microsoft_DefaultRuleSet 2.1 (the OWASP-class rules) when `waf`, and Microsoft_BotManagerRuleSet
 * always. `waf: false` keeps the policy, Prevention mode and every custom rule — the allow-list, the metrics block
 * and the rate limit protect the edge whatever the profile says, and the policy mode applies to custom rules too —
 * and drops only the Default Rule Set (the API needs at least one managed rule set, so Bot Manager stays).
 */
import type { network } from "@pulumi/azure-native/types/input";
import { invalid } from "../lib/component";
import { allowList, checkRateLimit } from "./waf";

export const WAF_PRIORITY = { allowList: 10, metrics: 20, rateLimit: 100 } as const;

export const DEFAULT_RULE_SET = { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1" } as const;
export const BOT_MANAGER_RULE_SET = { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" } as const;

/** The policy-wide settings: enforced, body inspected (JSON APIs are checked, not only URLs and headers). */
export const WAF_POLICY_SETTINGS = {
  state: "Enabled",
  mode: "Prevention",
  requestBodyCheck: true,
  requestBodyEnforcement: true,
  requestBodyInspectLimitInKB: 128,
  maxRequestBodySizeInKb: 128,
  fileUploadEnforcement: true,
  fileUploadLimitInMb: 100,
} as const satisfies network.PolicySettingsArgs;

export interface AzureWafArgs {
  waf: boolean;
  rateLimitPer5Min: number;
  ingressCidrs: string[];
  metricsPath: string;
}

/** The regex that matches the metrics path on the URL-decoded, lower-cased request URI. */
export function metricsPattern(metricsPath: string): string {
  if (!/^\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(metricsPath)) {
    invalid("metricsPath", `must be an absolute path of letters, digits, '_', '-' and '/', got ${metricsPath}`);
  }
  return `^/+${metricsPath.slice(1).toLowerCase()}`;
}

function checkCidrs(cidrs: readonly string[]): void {
  for (const c of cidrs) {
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c)) invalid("ingressCidrs", `must be CIDR ranges, got ${JSON.stringify(c)}`);
  }
}

/** The custom rules, in evaluation order. */
export function wafCustomRules(args: AzureWafArgs): network.WebApplicationFirewallCustomRuleArgs[] {
  const limit = checkRateLimit(args.rateLimitPer5Min);
  const allowed = allowList(args.ingressCidrs);
  checkCidrs(args.ingressCidrs);
  const rules: network.WebApplicationFirewallCustomRuleArgs[] = [];
  if (allowed) {
    rules.push({
      name: "IngressAllowList",
      priority: WAF_PRIORITY.allowList,
      ruleType: "MatchRule",
      action: "Block",
      state: "Enabled",
      matchConditions: [
        {
          matchVariables: [{ variableName: "RemoteAddr" }],
          operator: "IPMatch",
          negationConditon: true,
          matchValues: [...allowed.ipv4, ...allowed.ipv6],
        },
      ],
    });
  }
  rules.push(
    {
      name: "MetricsNotPublished",
      priority: WAF_PRIORITY.metrics,
      ruleType: "MatchRule",
      action: "Block",
      state: "Enabled",
      matchConditions: [
        {
          matchVariables: [{ variableName: "RequestUri" }],
          operator: "Regex",
          transforms: ["UrlDecode", "Lowercase"],
          matchValues: [metricsPattern(args.metricsPath)],
        },
      ],
    },
    {
      name: "PerClientRateLimit",
      priority: WAF_PRIORITY.rateLimit,
      ruleType: "RateLimitRule",
      action: "Block",
      state: "Enabled",
      rateLimitDuration: "FiveMins",
      rateLimitThreshold: limit,
      groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
      matchConditions: [
        {
          matchVariables: [{ variableName: "RemoteAddr" }],
          operator: "IPMatch",
          negationConditon: true,
          matchValues: ["255.255.255.255/32"],
        },
      ],
    },
  );
  return rules;
}

/** The managed rule sets: DRS 2.1 when `waf`, Bot Manager always. */
export function wafManagedRules(waf: boolean): network.ManagedRulesDefinitionArgs {
  return {
    managedRuleSets: waf ? [{ ...DEFAULT_RULE_SET }, { ...BOT_MANAGER_RULE_SET }] : [{ ...BOT_MANAGER_RULE_SET }],
  };
}
