/**
 * Issue 10's backup alerts beyond backup-missing, as each backend renders them: a size drop > 50 % (the job's size
 * ratio) and a failed copy to the disaster-recovery region. Exact CloudWatch alarm specs and exact PromQL.
 */
import assert from "node:assert/strict";
import { backupVaultName, drBackupVaultName } from "../../components/backups/aws-names";
import { type AwsRefs, type MetricAlarmSpec, renderAlerts } from "../../components/observability/aws-alarms";
import { ALERTS, BACKUP_SIZE_DROP_RATIO, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { EXPORT_SCOPE, PROMETHEUS } from "../../components/observability/catalog/prometheus";
import { stackScope } from "../../components/observability/k8s-rules";

const REFS: AwsRefs<string> = {
  dimensions: {
    environment: "prod",
    loadBalancer: "app/loom-prod/1",
    clusterName: "loom-prod",
    webService: "loom-prod-web",
    workerService: "loom-prod-worker",
    dbInstance: "loom-prod-db",
    cacheCluster: "loom-prod-cache-001",
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/x",
    backupVault: "loom-prod-vault",
  },
  numbers: { dbAllocatedBytes: 100, dbMemoryBytes: 200 },
};

const alarms = renderAlerts({
  prefix: "loom-prod",
  thresholds: DEFAULT_THRESHOLDS,
  slo: { availability: 0.999, latency: 0.995 },
  runbookBaseUrl: "https://docs.example.com/loom/",
  refs: REFS,
}).flatMap((r) => r.metricAlarms);
const alarm = (name: string) => {
  const a = alarms.find((x) => x.name === name);
  assert.ok(a, name);
  return a as MetricAlarmSpec<string>;
};
const { description: _d1, ...sizeDrop } = alarm("loom-prod-backup-size-drop");
const { description: _d2, ...drCopy } = alarm("loom-prod-backup-dr-copy-failed");

describe("backup alerts: size drop and DR copy", () => {
  it("are warnings (a ticket, not a page) with a runbook section each", () => {
    for (const id of ["backup-size-drop", "backup-dr-copy-failed"]) {
      const a = ALERTS.find((x) => x.id === id);
      assert.equal(a?.severity, "warning", id);
      assert.equal(a?.runbook, `docs/runbooks/alerts.md#${id}`);
    }
    assert.equal(BACKUP_SIZE_DROP_RATIO, 0.5);
  });

  it("AWS: the job's LogicalBackupSizeRatio, smallest over one 26 h point, below 0.5", () => {
    assert.deepEqual(sizeDrop, {
      key: "backup-size-drop",
      name: "loom-prod-backup-size-drop",
      comparisonOperator: "LessThanThreshold",
      threshold: 0.5,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No run, no ratio: that is backup-missing's alert, not a drop.
      treatMissingData: "notBreaching",
      source: {
        kind: "single",
        namespace: "Loom",
        metricName: "LogicalBackupSizeRatio",
        dimensions: { Environment: "prod" },
        period: 26 * 3600,
        stat: "Minimum",
      },
      notify: true,
    });
    assert.match(
      alarm("loom-prod-backup-size-drop").description,
      /Runbook: https:\/\/docs\.example\.com\/loom\/docs\/runbooks\/alerts\.md#backup-size-drop$/,
    );
  });

  it("AWS: AWS Backup's failed copy jobs of the primary vault, summed per hour, at least one", () => {
    assert.deepEqual(drCopy, {
      key: "backup-dr-copy-failed",
      name: "loom-prod-backup-dr-copy-failed",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "missing",
      source: {
        kind: "single",
        namespace: "AWS/Backup",
        metricName: "NumberOfCopyJobsFailed",
        dimensions: { BackupVaultName: "loom-prod-vault" },
        period: 3600,
        stat: "Sum",
      },
      notify: true,
    });
    // The name Observability alarms on is the name Backups gives its vault.
    assert.equal(backupVaultName("loom-prod"), "loom-prod-vault");
    assert.equal(drBackupVaultName("loom-prod"), "loom-prod-vault-dr");
  });

  it("Kubernetes: the size drop is the logical-backup Job failed by its pod failure policy within 26 h", () => {
    assert.equal(
      PROMETHEUS["backup-size-ratio"].expr(EXPORT_SCOPE, "5m"),
      '1 - max by (namespace) ((kube_job_status_failed{namespace=~"loom-.+",job_name=~".+-logical-backup-.+",reason=""} > bool 0) * on (namespace, job_name) (time() - kube_job_created{namespace=~"loom-.+",job_name=~".+-logical-backup-.+"} < bool 93600))',
    );
  });

  it("Kubernetes: the DR copy failures are WAL archive failures of the DR replica cluster's pods only", () => {
    const scope = stackScope({
      namespace: "loom-prod",
      webDeployment: "loom-web",
      workerDeployment: "loom-worker",
      databasePods: "loom-db-[0-9]+",
      databaseContainer: "postgres",
      cacheStatefulSet: "loom-cache",
      cacheContainer: "valkey",
    });
    assert.equal(
      PROMETHEUS["backup-dr-copy-failures"].expr(scope, "5m"),
      'sum by (namespace) (increase(cnpg_pg_stat_archiver_failed_count{namespace="loom-prod",pod=~"loom-db-dr-[0-9]+"}[1h]))',
    );
    assert.throws(() => PROMETHEUS["backup-dr-copy-failures"].expr({ ...scope, databasePods: "pg-[0-9]+" }, "5m"));
  });
});
