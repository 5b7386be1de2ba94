/**
 * In production, Cloud Run services take traffic only through the HTTPS load balancer (its SSL policy, Cloud Armor
 * and managed certificate), not on their own *.run.app URL. Dev uses the built-in URL on purpose (no load balancer
 * in the dev profile), so this applies only to production environments.
 */

import type { ServiceArgs as CloudRunV1ServiceArgs } from "@pulumi/gcp/cloudrun/service";
import type { ServiceArgs as CloudRunV2ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import { type EnvironmentConfig, environmentConfig, isProduction } from "../../lib/environment";
import { obj, q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<EnvironmentConfig>();
const INTERNAL = ["INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_INTERNAL_ONLY"];

export const cloudRunIngressViaLb = rule<EnvironmentConfig>({
  name: "cloud-run-ingress-via-lb",
  concern: "tls",
  description:
    "In production, Cloud Run services accept traffic only from the HTTPS load balancer (or internal callers), so its TLS policy and Cloud Armor cannot be bypassed through the *.run.app URL.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps:
    'Set `ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"` on production Cloud Run v2 services (v1: annotation `run.googleapis.com/ingress: internal-and-cloud-load-balancing`) and serve them through a serverless NEG behind the HTTPS load balancer.',
  config: environmentConfig,
  checks: [
    on<CloudRunV2ServiceArgs>("gcp:cloudrunv2/service:Service", (s, ctx) => {
      if (!isProduction(ctx.config)) return;
      if (!INTERNAL.includes(s.ingress ?? "INGRESS_TRAFFIC_ALL")) {
        ctx.report(
          `Cloud Run service ingress is ${q(s.ingress ?? "INGRESS_TRAFFIC_ALL (default)")} in ${ctx.config.environment}: the *.run.app URL bypasses the load balancer; set ingress "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"`,
        );
      }
    }),
    on<CloudRunV1ServiceArgs>("gcp:cloudrun/service:Service", (s, ctx) => {
      if (!isProduction(ctx.config)) return;
      const ingress = obj(s.metadata?.annotations)["run.googleapis.com/ingress"] ?? "all";
      if (ingress !== "internal-and-cloud-load-balancing" && ingress !== "internal") {
        ctx.report(
          `Cloud Run service annotation run.googleapis.com/ingress is ${q(ingress)} in ${ctx.config.environment}: the *.run.app URL bypasses the load balancer; set "internal-and-cloud-load-balancing"`,
        );
      }
    }),
  ],
});
