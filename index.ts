/**
 * Composition root: stack config → typed Settings → Platform → components → stack outputs.
 * Everything cloud-specific happens inside components/<name>/<cloud>.ts; this file never reads a cloud's target.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppService, type HostGroups } from "./components/app-service";
import { applicabilityWarnings } from "./components/applicability";
import { Backups } from "./components/backups";
import { stackConfigExport } from "./components/backups/config-export";
import { Cache } from "./components/cache";
import { Database } from "./components/database";
import { pemBundle } from "./components/lib/secrets";
import { Network } from "./components/network";
import { Observability } from "./components/observability";
import { Platform } from "./components/platform";
import { loadAlertSecrets, loadSettings } from "./components/settings-config";

// Fails here, before any resource is registered, when the stack config is invalid.
const settings = loadSettings();
const { profile } = settings;
// No setting without effect: a profile key the stack set that does nothing on this cloud says so, by name.
for (const warning of applicabilityWarnings(settings.cloud, settings.profileOverrides)) pulumi.log.warn(warning);
for (const warning of settings.warnings) pulumi.log.warn(warning);

const context = {
  project: settings.project,
  stack: settings.stack,
  environment: settings.environment,
  tags: settings.tags,
};
const disasterRecovery = profile.backups && profile.disasterRecovery;

// Built first: the account/region lookups (AWS) or the provider and operators (Kubernetes) every component shares.
const platform = new Platform("loom", {
  target: settings.target,
  context,
  protect: settings.protect,
  disasterRecovery,
  logRetentionDays: profile.logRetentionDays,
});
const base = { platform: platform.handle, context, protect: settings.protect };

const network = new Network("loom", {
  ...base,
  cidr: settings.network.cidr,
  zones: profile.availabilityZones,
  natGateways: profile.natGateways,
  flowLogRetentionDays: profile.logRetentionDays,
  ingressCidrs: settings.ingressCidrs,
  appPort: settings.app.port,
  // DigitalOcean without a load balancer (dev): the web droplet terminates TLS itself, so its firewall opens 80/443.
  edgeOnDroplets: !profile.loadBalancer,
});

const database = new Database("loom", {
  ...base,
  network,
  ...profile.database,
  backupRetentionDays: profile.backupRetentionDays,
  deletionProtection: profile.deletionProtection,
  logRetentionDays: profile.logRetentionDays,
});

const cache = new Cache("loom", {
  ...base,
  network,
  ...profile.cache,
  logRetentionDays: profile.logRetentionDays,
});

// Secret stores for the app's own credentials (LLM API keys…) are created empty by AppService; the values are put
// there out of band (docs/runbooks/deploy.md), so they never pass through Pulumi state.
const app = new AppService("loom", {
  ...base,
  network,
  image: settings.image,
  ...(settings.backup.image ? { backupImage: settings.backup.image } : {}),
  domain: settings.domain,
  loadBalancer: profile.loadBalancer,
  web: profile.web,
  worker: profile.worker,
  autoscaling: profile.autoscaling,
  env: {
    ...settings.appEnv,
    LOOM_ENVIRONMENT: settings.environment,
    PORT: String(settings.app.port),
    DATABASE_HOST: database.endpoint,
    DATABASE_READER_HOST: database.readerEndpoint,
    DATABASE_PORT: database.port.apply(String),
    DATABASE_NAME: database.databaseName,
    DATABASE_SSLMODE: "verify-full",
    REDIS_HOST: cache.endpoint,
    REDIS_PORT: cache.port.apply(String),
    REDIS_TLS: "true",
  },
  // Which workload gets which of these: components/app-service/workload-secrets.ts (migrate: its database login
  // only; web and worker the app login; the roles step, before migrate, the admin login).
  secrets: {
    REDIS_PASSWORD: cache.authToken,
  },
  database: database.access,
  appSecretNames: settings.appSecrets,
  app: settings.app,
  logRetentionDays: profile.logRetentionDays,
  waf: profile.waf,
  rateLimitPer5Min: profile.rateLimitPer5Min,
  ingressCidrs: settings.ingressCidrs,
  deletionProtection: profile.deletionProtection,
  traceSampleRatio: profile.traceSampleRatio,
  redaction: settings.observability.redaction,
  // GCP: Cloud SQL's and Memorystore's CAs, which no system trust store has (undefined on the other clouds).
  ...(database.serverCa || cache.serverCa
    ? {
        serverCas: pulumi.all([database.serverCa ?? "", cache.serverCa ?? ""]).apply((pems) => pemBundle(pems)),
      }
    : {}),
});

const observability = new Observability("loom", {
  ...base,
  alerting: profile.alerting,
  channels: settings.alerting,
  channelSecrets: loadAlertSecrets(settings),
  slo: profile.slo,
  runbookBaseUrl: settings.observability.runbookBaseUrl,
  redaction: settings.observability.redaction,
  logRetentionDays: profile.logRetentionDays,
  traceSampleRatio: profile.traceSampleRatio,
  targets: { app: app.monitoring, database: database.monitoring, cache: cache.monitoring },
});

const backups = new Backups("loom", {
  ...base,
  enabled: profile.backups,
  disasterRecovery,
  targets: database.backupTargets,
  retentionDays: profile.backupRetentionDays,
  databaseSizeGiB: profile.database.storageGiB,
  // Settings require the image whenever the profile has backups.
  ...(settings.backup.image
    ? {
        job: {
          image: settings.backup.image,
          database,
          network,
          ...(app.runtime ? { runtime: app.runtime } : {}),
          logRetentionDays: profile.logRetentionDays,
          // Application data: these tables on their own, and the stack's settings minus secrets, in every backup.
          tables: settings.backup.tables,
          config: stackConfigExport(settings),
        },
      }
    : {}),
  // Failed AWS Backup / copy / logical-backup jobs page like a critical alert (undefined: no such topic here).
  ...(observability.alertSink ? { alertTopicArn: observability.alertSink } : {}),
});

export const cloud = settings.cloud;
export const environment = settings.environment;
export const url = app.url;
export const edgeHostname = app.edgeHostname;
export const migrateCommand = app.migrateCommand;
export const databaseEndpoint = database.endpoint;
export const databaseReaderEndpoint = database.readerEndpoint;
export const cacheEndpoint = cache.endpoint;
export const alarmTargets = observability.alarmTargets;
export const alerts = observability.alertNames;
export const dashboard = observability.dashboard;
export const dashboards = observability.dashboards;
export const telemetry = observability.telemetry;
export const backupStore = backups.store;
export const drBackupStore = backups.drStore;
export const recovery = backups.recovery;

// DigitalOcean only: each droplet group's boot config with credentials redacted (what a droplet runs, for review),
// and the droplets Ansible manages (scripts/ansible-inventory.ts reads it) — the app's groups and the backup
// droplet. Added to the exports only where they exist: a top-level undefined export makes Pulumi warn on every run.
const merged = <T>(...parts: (pulumi.Output<Record<string, T>> | undefined)[]) => {
  const present = parts.filter((p): p is pulumi.Output<Record<string, T>> => p !== undefined);
  return present.length === 0 ? undefined : pulumi.all(present).apply((all) => Object.assign({}, ...all));
};
const dropletOutputs = {
  bootConfig: merged(app.bootConfig, backups.bootConfig, observability.bootConfig),
  hosts: merged<HostGroups[string]>(app.hosts, backups.hosts, observability.hosts),
};
for (const [key, value] of Object.entries(dropletOutputs)) {
  if (value !== undefined) Object.assign(module.exports, { [key]: value });
}
