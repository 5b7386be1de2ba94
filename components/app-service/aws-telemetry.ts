/**
 * Telemetry of the AWS AppService: the collector sidecar of each task (aws-telemetry-config.ts), the OTEL
 * environment every Loom container gets (lib/telemetry.ts), and the two KMS-encrypted log groups it needs with the
 * profile's retention — the sidecars' own logs, and the EMF group CloudWatch extracts the `Loom` metrics from
 * (created here so the task role needs no logs:CreateLogGroup and the exporter never makes one without retention).
 */
import type { Key } from "@pulumi/aws/kms/key";
import type * as pulumi from "@pulumi/pulumi";
import { encryptedLogGroup } from "../lib/aws";
import { invalid } from "../lib/component";
import { AWS_SIDECAR_ENDPOINT, OTEL_ENV_NAMES, otelEnv } from "../lib/telemetry";
import type { AppScope } from "./aws-scope";
import {
  COLLECTOR_CONFIG_ENV,
  COLLECTOR_CONTAINER,
  COLLECTOR_IMAGE,
  COLLECTOR_UID,
  collectorConfigYaml,
  OTLP_METRICS_ENV,
} from "./aws-telemetry-config";
import { collectorContainerDefinition } from "./containers";
import { type FargateSize, sidecarShare } from "./fargate";
import type { Workload } from "./workload-secrets";

/** `/loom/<stack>/metrics`: the awsemf exporter's log group (the task role may write only there). */
export function emfLogGroupName(s: AppScope): string {
  return s.logPath("metrics");
}

/** What a task definition adds for telemetry: the sidecar, the app's share and its OTEL environment. */
export interface TaskTelemetry {
  sidecar: Record<string, unknown>;
  /** The app container's hard share (CPU units, MiB) once the sidecar's is reserved. */
  appLimits: { cpu: number; memory: number };
  /** The app container's environment: `args.env` plus the OTEL contract. */
  environment: Record<string, pulumi.Input<string>>;
  /** The container the app starts after. */
  startAfter: string[];
}

export type TelemetryFor = (tier: Workload, size: FargateSize) => TaskTelemetry;

/** The log groups (once per stack) and a function giving each task its sidecar and environment. */
export function telemetry(s: AppScope, logsKey: Key): TelemetryFor {
  const { name, args } = s;
  const group = (logical: string, path: string) =>
    encryptedLogGroup(s.parent, `${name}-${logical}`, {
      logGroupName: s.logPath(path),
      retentionDays: args.logRetentionDays,
      kmsKeyArn: logsKey.arn,
      tags: s.tags(),
    });
  group("metrics-logs", "metrics");
  const collectorLogs = group("otel-collector-logs", "otel-collector");
  const reserved = OTEL_ENV_NAMES.filter((n) => n in args.env);
  if (reserved.length > 0) invalid(`env.${reserved[0]}`, "is set by the program (the OpenTelemetry contract)");

  return (tier, size) => {
    const share = sidecarShare(tier === "migrate" ? "web" : tier, size);
    const config = collectorConfigYaml({
      workload: tier,
      environment: args.context.environment,
      region: s.region,
      appPort: args.app.port,
      metricsPath: args.app.metricsPath,
      emfLogGroup: emfLogGroupName(s),
      redaction: args.redaction,
      memoryMiB: share.memory,
    });
    const oneOff = tier === "migrate";
    const otel = otelEnv({
      endpoint: AWS_SIDECAR_ENDPOINT,
      service: `loom-${tier}`,
      environment: args.context.environment,
      sampleRatio: args.traceSampleRatio,
      // Logs go to stdout (awslogs); migrate's sidecar has no metrics pipeline.
      logsExporter: "none",
      ...(oneOff ? { metricsExporter: "none" as const } : {}),
    });
    return {
      sidecar: collectorContainerDefinition({
        workload: tier,
        image: COLLECTOR_IMAGE,
        uid: COLLECTOR_UID,
        configEnv: COLLECTOR_CONFIG_ENV,
        config,
        cpu: share.cpu,
        memoryMiB: share.memory,
        logGroupName: collectorLogs.name,
        region: s.region,
      }),
      appLimits: { cpu: Number(size.cpu) - share.cpu, memory: Number(size.memory) - share.memory },
      environment: { ...args.env, ...otel, ...(oneOff ? {} : OTLP_METRICS_ENV) },
      startAfter: [COLLECTOR_CONTAINER],
    };
  };
}
