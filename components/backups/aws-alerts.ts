/**
 * Backup monitoring on AWS, as events: EventBridge rules that send to the alert topic (observability's critical SNS
 * topic, passed in as `alertTopicArn`) when an AWS Backup backup or DR copy job ends FAILED, ABORTED or EXPIRED,
 * and when a logical backup task stops with a non-zero exit code or never starts. "No success for 26 h" and the
 * size drop are metric alarms on the job's CloudWatch metrics (job-script.ts LOGICAL_BACKUP_METRICS), owned by
 * Observability.
 *
 * The topic's policy must allow `events.amazonaws.com` to `sns:Publish` with `aws:SourceArn` = these rules' ARNs
 * (and, for a KMS-encrypted topic, its key policy must let events.amazonaws.com use the key): docs/dr-plan.md.
 */
import { EventRule } from "@pulumi/aws/cloudwatch/eventRule";
import { EventTarget } from "@pulumi/aws/cloudwatch/eventTarget";
import * as pulumi from "@pulumi/pulumi";
import type { AwsScope } from "../lib/aws";
import { fit as fitName } from "../naming";
import { backupJobFailedPattern, logicalBackupFailedPattern } from "./aws-policies";

function ruleToTopic(
  s: AwsScope,
  suffix: string,
  description: string,
  pattern: pulumi.Output<Record<string, unknown>>,
  topicArn: pulumi.Input<string>,
): EventRule {
  const rule = new EventRule(
    `${s.name}-${suffix}`,
    {
      name: fitName(`${s.prefix}-${suffix}`, 64),
      description,
      eventPattern: pattern.apply((p) => JSON.stringify(p)),
      tags: s.tags(),
    },
    s.opts(),
  );
  new EventTarget(`${s.name}-${suffix}`, { rule: rule.name, arn: topicArn, targetId: "alert-topic" }, s.opts());
  return rule;
}

/** The rules; returns their ARNs (what the topic policy's aws:SourceArn condition lists). */
export function backupAlerts(
  s: AwsScope,
  topicArn: pulumi.Input<string>,
  backupClusterArn?: pulumi.Output<string>,
): pulumi.Output<string[]> {
  const rules = [
    ruleToTopic(
      s,
      "backup-job-failed",
      "AWS Backup backup or copy job FAILED, ABORTED or EXPIRED",
      s.account.accountId.apply(backupJobFailedPattern),
      topicArn,
    ),
  ];
  if (backupClusterArn) {
    rules.push(
      ruleToTopic(
        s,
        "logical-backup-failed",
        "Logical backup task stopped with a non-zero exit code or failed to start",
        backupClusterArn.apply(logicalBackupFailedPattern),
        topicArn,
      ),
    );
  }
  return pulumi.all(rules.map((r) => r.arn));
}
