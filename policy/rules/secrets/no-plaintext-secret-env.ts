/**
 * Environment variables whose names look sensitive come from the platform's secret reference, never a literal.
 * Secrets reach policies unwrapped, so this judges structure: a sensitive-looking name (see lib/sensitive.ts for the
 * patterns and the false-positive guards) set through the literal `value` field rather than the secret mechanism.
 */

import type { ServiceArgs as AppRunnerServiceArgs } from "@pulumi/aws/apprunner/service";
import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import type { FunctionArgs as LambdaFunctionArgs } from "@pulumi/aws/lambda/function";
import type { ContainerAppArgs } from "@pulumi/azure-native/app/containerApp";
import type { JobArgs as ContainerAppJobArgs } from "@pulumi/azure-native/app/job";
import type { ContainerGroupArgs } from "@pulumi/azure-native/containerinstance/containerGroup";
import type { WebAppArgs } from "@pulumi/azure-native/web/webApp";
import type { WebAppApplicationSettingsArgs } from "@pulumi/azure-native/web/webAppApplicationSettings";
import type { AppArgs as DoAppArgs } from "@pulumi/digitalocean/app";
import type { FunctionArgs as CloudFunctionV1Args } from "@pulumi/gcp/cloudfunctions/function";
import type { FunctionArgs as CloudFunctionV2Args } from "@pulumi/gcp/cloudfunctionsv2/function";
import type { ServiceArgs as CloudRunV1ServiceArgs } from "@pulumi/gcp/cloudrun/service";
import type { JobArgs as CloudRunV2JobArgs } from "@pulumi/gcp/cloudrunv2/job";
import type { ServiceArgs as CloudRunV2ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import { ecsContainers, ecsLabel } from "../../lib/ecs";
import { containersOf, K8S_WORKLOADS, podSpecOf } from "../../lib/k8s";
import { isObj } from "../../lib/props";
import { checks, rule } from "../../lib/rule";
import {
  isReferenceOrPlaceholder,
  type SensitiveNameConfig,
  sensitiveName,
  sensitiveNameConfig,
} from "../../lib/sensitive";

const on = checks<SensitiveNameConfig>();

interface Env {
  name: string | undefined;
  value: unknown;
}

/** Report each sensitive-looking variable that carries a literal value. */
function literalSecrets(
  where: string,
  vars: Env[],
  fix: string,
  config: SensitiveNameConfig,
  report: (m: string) => void,
): void {
  for (const v of vars) {
    if (!v.name || typeof v.value !== "string" || isReferenceOrPlaceholder(v.value)) continue;
    const pattern = sensitiveName(v.name, config);
    if (pattern) {
      report(
        `${where} sets environment variable "${v.name}" to a literal value (the name matches the sensitive pattern "${pattern}"); ${fix}`,
      );
    }
  }
}

const fromMap = (m: unknown): Env[] => (isObj(m) ? Object.entries(m).map(([name, value]) => ({ name, value })) : []);

const FIX = {
  ecs: 'move it to "secrets" with valueFrom a Secrets Manager or SSM Parameter Store ARN',
  k8s: "use valueFrom.secretKeyRef",
  cloudRun: "use valueSource.secretKeyRef (Secret Manager)",
  cloudRunV1: "use valueFrom.secretKeyRef (Secret Manager)",
  functions: "use secretEnvironmentVariables (Secret Manager)",
  aca: "use secretRef to a Container App secret backed by Key Vault (keyVaultUrl)",
  aci: "use secureValue (or secureValueReference)",
  webApp: "use a Key Vault reference (@Microsoft.KeyVault(SecretUri=…))",
  doApp: 'set type "SECRET"',
  lambda: "read it from Secrets Manager or SSM at runtime and pass only its ARN",
  appRunner: "use runtimeEnvironmentSecrets (Secrets Manager or SSM ARN)",
};

export const noPlaintextSecretEnv = rule<SensitiveNameConfig>({
  name: "no-plaintext-secret-env",
  concern: "secrets",
  description:
    "Environment variables with sensitive-looking names (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, DSN, …) use the platform's secret reference, never a literal value.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Keep the value in the cloud's secret store and reference it: ECS `secrets[].valueFrom`, Kubernetes `valueFrom.secretKeyRef`, Cloud Run `valueSource.secretKeyRef`, Container Apps `secretRef`, Container Instances `secureValue`, App Service Key Vault references, DigitalOcean App Platform `type: SECRET`. If a name is a false positive (e.g. a token budget), rename it or extend exemptNameQualifiers/exemptNameSuffixes in the pack config.",
  config: sensitiveNameConfig,
  checks: [
    on<TaskDefinitionArgs>("aws:ecs/taskDefinition:TaskDefinition", (td, ctx) => {
      const containers = ecsContainers(td.containerDefinitions) ?? [];
      for (let i = 0; i < containers.length; i++) {
        const c = containers[i] as (typeof containers)[number];
        const vars = (c.environment ?? []).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(ecsLabel(c, i), vars, FIX.ecs, ctx.config, ctx.report);
      }
    }),
    on<Record<string, unknown>>(K8S_WORKLOADS, (props, ctx) => {
      for (const { container, label } of containersOf(podSpecOf(ctx.type, props), true)) {
        const vars = (container.env ?? []).filter((e) => !e.valueFrom).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(label, vars, FIX.k8s, ctx.config, ctx.report);
      }
    }),
    on<CloudRunV2ServiceArgs>("gcp:cloudrunv2/service:Service", (s, ctx) => {
      for (const c of s.template?.containers ?? []) {
        const vars = (c.envs ?? []).filter((e) => !e.valueSource).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name ?? c.image}"`, vars, FIX.cloudRun, ctx.config, ctx.report);
      }
    }),
    on<CloudRunV2JobArgs>("gcp:cloudrunv2/job:Job", (j, ctx) => {
      for (const c of j.template?.template?.containers ?? []) {
        const vars = (c.envs ?? []).filter((e) => !e.valueSource).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name ?? c.image}"`, vars, FIX.cloudRun, ctx.config, ctx.report);
      }
    }),
    on<CloudRunV1ServiceArgs>("gcp:cloudrun/service:Service", (s, ctx) => {
      for (const c of s.template?.spec?.containers ?? []) {
        const vars = (c.envs ?? []).filter((e) => !e.valueFrom).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name ?? c.image}"`, vars, FIX.cloudRunV1, ctx.config, ctx.report);
      }
    }),
    on<CloudFunctionV2Args>("gcp:cloudfunctionsv2/function:Function", (f, ctx) =>
      literalSecrets("function", fromMap(f.serviceConfig?.environmentVariables), FIX.functions, ctx.config, ctx.report),
    ),
    on<CloudFunctionV1Args>("gcp:cloudfunctions/function:Function", (f, ctx) =>
      literalSecrets("function", fromMap(f.environmentVariables), FIX.functions, ctx.config, ctx.report),
    ),
    on<ContainerAppArgs>("azure-native:app:ContainerApp", (app, ctx) => {
      for (const c of [...(app.template?.initContainers ?? []), ...(app.template?.containers ?? [])]) {
        const vars = (c.env ?? []).filter((e) => !e.secretRef).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name}"`, vars, FIX.aca, ctx.config, ctx.report);
      }
    }),
    on<ContainerAppJobArgs>("azure-native:app:Job", (job, ctx) => {
      for (const c of [...(job.template?.initContainers ?? []), ...(job.template?.containers ?? [])]) {
        const vars = (c.env ?? []).filter((e) => !e.secretRef).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name}"`, vars, FIX.aca, ctx.config, ctx.report);
      }
    }),
    on<ContainerGroupArgs>("azure-native:containerinstance:ContainerGroup", (g, ctx) => {
      for (const c of [...(g.initContainers ?? []), ...g.containers]) {
        const vars = (c.environmentVariables ?? []).map((e) => ({ name: e.name, value: e.value }));
        literalSecrets(`container "${c.name}"`, vars, FIX.aci, ctx.config, ctx.report);
      }
    }),
    on<WebAppArgs>("azure-native:web:WebApp", (app, ctx) =>
      literalSecrets(
        "App Service",
        (app.siteConfig?.appSettings ?? []).map((s) => ({ name: s.name, value: s.value })),
        FIX.webApp,
        ctx.config,
        ctx.report,
      ),
    ),
    on<WebAppApplicationSettingsArgs>("azure-native:web:WebAppApplicationSettings", (s, ctx) =>
      literalSecrets("App Service application settings", fromMap(s.properties), FIX.webApp, ctx.config, ctx.report),
    ),
    on<DoAppArgs>("digitalocean:index/app:App", (app, ctx) => {
      const spec = app.spec;
      const groups: [string, { name?: string; envs?: { key?: string; value?: string; type?: string }[] }[]][] = [
        ["app", [{ name: spec?.name, envs: spec?.envs }]],
        ["service", spec?.services ?? []],
        ["worker", spec?.workers ?? []],
        ["job", spec?.jobs ?? []],
        ["static site", spec?.staticSites ?? []],
        ["function", spec?.functions ?? []],
      ];
      for (const [kind, components] of groups) {
        for (const c of components) {
          const vars = (c.envs ?? [])
            .filter((e) => (e.type ?? "GENERAL") !== "SECRET")
            .map((e) => ({ name: e.key, value: e.value }));
          literalSecrets(`App Platform ${kind} "${c.name}"`, vars, FIX.doApp, ctx.config, ctx.report);
        }
      }
    }),
    on<LambdaFunctionArgs>("aws:lambda/function:Function", (f, ctx) =>
      literalSecrets("Lambda function", fromMap(f.environment?.variables), FIX.lambda, ctx.config, ctx.report),
    ),
    on<AppRunnerServiceArgs>("aws:apprunner/service:Service", (s, ctx) =>
      literalSecrets(
        "App Runner service",
        fromMap(s.sourceConfiguration?.imageRepository?.imageConfiguration?.runtimeEnvironmentVariables),
        FIX.appRunner,
        ctx.config,
        ctx.report,
      ),
    ),
  ],
});
