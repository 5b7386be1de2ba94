/**
 * Queues and topics encrypt messages at rest.
 */
import type { TopicArgs as SnsTopicArgs } from "@pulumi/aws/sns/topic";
import type { QueueArgs } from "@pulumi/aws/sqs/queue";
import type { TopicArgs as PubSubTopicArgs } from "@pulumi/gcp/pubsub/topic";
import { checks, rule } from "../../lib/rule";

interface Config {
  requireCustomerManagedKeys: boolean;
}
const on = checks<Config>();

export const messagingEncryptedAtRest = rule<Config>({
  name: "messaging-encrypted-at-rest",
  concern: "encryption",
  description:
    "Message topics and queues encrypt messages at rest (SNS with KMS; SQS with SSE-SQS or KMS; Pub/Sub CMEK optional).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "SNS: `kmsMasterKeyId` of a customer-managed key (its key policy must let the publishing services use it, e.g. cloudwatch.amazonaws.com for alarms). SQS: keep `sqsManagedSseEnabled` or set `kmsMasterKeyId`. Pub/Sub: `kmsKeyName` when CMEK is required.",
  config: {
    requireCustomerManagedKeys: {
      type: "boolean",
      default: false,
      description:
        "Require a customer-managed key on SQS queues and Pub/Sub topics too (SNS always needs one: it has no default encryption).",
    },
  },
  checks: [
    on<SnsTopicArgs>("aws:sns/topic:Topic", (t, ctx) => {
      if (!t.kmsMasterKeyId)
        ctx.report("SNS topic has no kmsMasterKeyId, so messages are stored unencrypted; set kmsMasterKeyId");
    }),
    on<QueueArgs>("aws:sqs/queue:Queue", (qu, ctx) => {
      if (qu.kmsMasterKeyId) return;
      if (qu.sqsManagedSseEnabled === false) {
        ctx.report(
          "SQS queue has sqsManagedSseEnabled: false and no kmsMasterKeyId, so messages are stored unencrypted; set kmsMasterKeyId or sqsManagedSseEnabled: true",
        );
      } else if (ctx.config.requireCustomerManagedKeys) {
        ctx.report("SQS queue uses SSE-SQS (AWS owned key); set kmsMasterKeyId to a customer-managed key");
      }
    }),
    on<PubSubTopicArgs>("gcp:pubsub/topic:Topic", (t, ctx) => {
      if (ctx.config.requireCustomerManagedKeys && !t.kmsKeyName) {
        ctx.report("Pub/Sub topic has no kmsKeyName (Google-managed key); set kmsKeyName to a Cloud KMS key");
      }
    }),
  ],
});
