/**
 * Encryption at rest: datastores, volumes, object storage, messaging, backup vaults, log groups (prod), key rotation.
 */
import assert from "node:assert/strict";
import { backupVaultEncrypted } from "../../policy/rules/encryption/backup-vault-encrypted";
import { datastoreEncryptedAtRest } from "../../policy/rules/encryption/datastore-encrypted-at-rest";
import { kmsKeyRotation } from "../../policy/rules/encryption/kms-key-rotation";
import { logGroupKms } from "../../policy/rules/encryption/log-group-kms";
import { messagingEncryptedAtRest } from "../../policy/rules/encryption/messaging-encrypted-at-rest";
import { objectStorageEncrypted } from "../../policy/rules/encryption/object-storage-encrypted";
import { volumeEncryptedAtRest } from "../../policy/rules/encryption/volume-encrypted-at-rest";
import { aws, azure, check, gcp, itFails, itPasses, k8s, mutate, retype } from "../harness/fixtures";

const CMK = (rule: string) => ({ [rule]: { requireCustomerManagedKeys: true } });

describe("datastore-encrypted-at-rest", () => {
  const all = () => [
    aws.rdsInstance(),
    aws.rdsCluster(),
    aws.docDb(),
    aws.replicationGroup(),
    aws.openSearch(),
    aws.dax(),
    gcp.sqlInstance(),
    gcp.redisInstance(),
    gcp.memorystore(),
    azure.pgServer(),
  ];
  itPasses(datastoreEncryptedAtRest, all());
  itPasses(datastoreEncryptedAtRest, all(), CMK("datastore-encrypted-at-rest"), "with requireCustomerManagedKeys");
  itPasses(
    datastoreEncryptedAtRest,
    [
      mutate(aws.rdsInstance(), (db) => {
        db.storageEncrypted = undefined;
        db.kmsKeyId = undefined;
        db.replicateSourceDb = "loom-prod-db";
      }),
      mutate(aws.replicationGroup(), (rg) => {
        rg.engine = "valkey";
        rg.atRestEncryptionEnabled = undefined;
      }),
      mutate(aws.rdsCluster(), (c) => {
        c.storageEncrypted = undefined;
        c.engineMode = "serverless";
      }),
    ],
    {},
    "(inherited or on by default: replicas, Valkey, Aurora Serverless v1)",
  );

  itFails(datastoreEncryptedAtRest, [
    {
      title: "RDS instance without storage encryption",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.storageEncrypted = undefined;
      }),
      messages: ["RDS instance storageEncrypted is false; set storageEncrypted: true with a kmsKeyId"],
    },
    {
      title: "RDS read replica explicitly unencrypted",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.replicateSourceDb = "loom-prod-db";
        db.storageEncrypted = false;
      }),
      messages: ["RDS instance storageEncrypted is false; set storageEncrypted: true with a kmsKeyId"],
    },
    {
      title: "RDS instance on the AWS managed key when CMKs are required",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.kmsKeyId = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        "RDS instance is encrypted with the AWS managed key (no kmsKeyId); set kmsKeyId to a customer-managed key",
      ],
    },
    {
      title: "Aurora cluster without storage encryption",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.storageEncrypted = false;
      }),
      messages: ["RDS cluster storageEncrypted is false; set storageEncrypted: true with a kmsKeyId"],
    },
    {
      title: "Aurora cluster on the AWS managed key when CMKs are required",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.kmsKeyId = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        "RDS cluster is encrypted with the AWS managed key (no kmsKeyId); set kmsKeyId to a customer-managed key",
      ],
    },
    {
      title: "DocumentDB without storage encryption",
      resource: mutate(aws.docDb(), (c) => {
        c.storageEncrypted = undefined;
      }),
      messages: ["DocumentDB cluster storageEncrypted is false; set storageEncrypted: true"],
    },
    {
      title: "ElastiCache (Redis OSS) without at-rest encryption",
      resource: mutate(aws.replicationGroup(), (rg) => {
        rg.atRestEncryptionEnabled = undefined;
      }),
      messages: [
        "ElastiCache replication group atRestEncryptionEnabled is false; set atRestEncryptionEnabled: true with a kmsKeyId",
      ],
    },
    {
      title: "ElastiCache on the AWS managed key when CMKs are required",
      resource: mutate(aws.replicationGroup(), (rg) => {
        rg.kmsKeyId = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        "ElastiCache replication group has no kmsKeyId (AWS managed key); set kmsKeyId to a customer-managed key",
      ],
    },
    {
      title: "OpenSearch without encryption at rest",
      resource: mutate(aws.openSearch(), (d) => {
        d.encryptAtRest = { enabled: false };
      }),
      messages: ["OpenSearch domain encryptAtRest.enabled is not true; set encryptAtRest { enabled: true, kmsKeyId }"],
    },
    {
      title: "DAX without server-side encryption",
      resource: mutate(aws.dax(), (c) => {
        c.serverSideEncryption = undefined;
      }),
      messages: ["DAX cluster serverSideEncryption.enabled is not true; set serverSideEncryption { enabled: true }"],
    },
    {
      title: "Cloud SQL on a Google-managed key when CMEK is required",
      resource: mutate(gcp.sqlInstance(), (db) => {
        db.encryptionKeyName = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        "Cloud SQL instance has no encryptionKeyName (Google-managed key); set encryptionKeyName to a Cloud KMS key",
      ],
    },
    {
      title: "Memorystore for Redis on a Google-managed key when CMEK is required",
      resource: mutate(gcp.redisInstance(), (r) => {
        r.customerManagedKey = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        "Memorystore for Redis instance has no customerManagedKey (Google-managed key); set customerManagedKey to a Cloud KMS key",
      ],
    },
    {
      title: "Memorystore instance on a Google-managed key when CMEK is required",
      resource: mutate(gcp.memorystore(), (r) => {
        r.kmsKey = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: ["Memorystore instance has no kmsKey (Google-managed key); set kmsKey to a Cloud KMS key"],
    },
    {
      title: "Azure PostgreSQL on system-managed keys when CMK is required",
      resource: mutate(azure.pgServer(), (s) => {
        s.dataEncryption = undefined;
      }),
      config: CMK("datastore-encrypted-at-rest"),
      messages: [
        'Azure PostgreSQL dataEncryption.type is "SystemManaged (default)"; set "AzureKeyVault" with primaryKeyURI',
      ],
    },
  ]);
});

describe("volume-encrypted-at-rest", () => {
  itPasses(volumeEncryptedAtRest, [
    aws.ebsVolume(),
    aws.efs(),
    aws.ec2Instance(),
    aws.launchTemplate(),
    k8s.storageClass(),
  ]);
  itPasses(
    volumeEncryptedAtRest,
    [
      mutate(aws.ebsVolume(), (v) => {
        v.encrypted = undefined;
        v.snapshotId = "snap-0123456789abcdef0";
      }),
      mutate(k8s.storageClass(), (sc) => {
        sc.provisioner = "pd.csi.storage.gke.io";
        sc.parameters = { type: "pd-ssd" };
      }),
    ],
    {},
    "(restored from a snapshot; a provisioner that always encrypts)",
  );

  itFails(volumeEncryptedAtRest, [
    {
      title: "EBS volume unencrypted",
      resource: mutate(aws.ebsVolume(), (v) => {
        v.encrypted = false;
      }),
      messages: ["EBS volume encrypted is false; set encrypted: true with a kmsKeyId"],
    },
    {
      title: "EBS volume without the encrypted flag",
      resource: mutate(aws.ebsVolume(), (v) => {
        v.encrypted = undefined;
      }),
      messages: ["EBS volume encrypted is false; set encrypted: true with a kmsKeyId"],
    },
    {
      title: "EFS without encryption",
      resource: mutate(aws.efs(), (fs) => {
        fs.encrypted = undefined;
      }),
      messages: ["EFS file system encrypted is false; set encrypted: true with a kmsKeyId"],
    },
    {
      title: "EC2 instance root volume not encrypted",
      resource: mutate(aws.ec2Instance(), (i) => {
        i.rootBlockDevice = undefined;
      }),
      messages: ["EC2 instance root volume is not encrypted; set rootBlockDevice.encrypted: true"],
    },
    {
      title: "EC2 instance data volume not encrypted",
      resource: mutate(aws.ec2Instance(), (i) => {
        i.ebsBlockDevices = [{ deviceName: "/dev/xvdb", encrypted: false }];
      }),
      messages: ['EC2 instance EBS block device "/dev/xvdb" is not encrypted; set encrypted: true'],
    },
    {
      title: "launch template block device not encrypted",
      resource: mutate(aws.launchTemplate(), (lt) => {
        lt.blockDeviceMappings = [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }];
      }),
      messages: ['launch template block device "/dev/xvda" is not encrypted; set ebs.encrypted: "true"'],
    },
    {
      title: "EBS CSI storage class without encrypted: true",
      resource: mutate(k8s.storageClass(), (sc) => {
        sc.parameters = { type: "gp3" };
      }),
      messages: [
        'EBS storage class (provisioner ebs.csi.aws.com) has parameters.encrypted null; set parameters.encrypted: "true"',
      ],
    },
  ]);
});

describe("object-storage-encrypted", () => {
  const all = () => [
    aws.bucketEncryption(),
    retype(
      aws.bucketEncryption(),
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ),
    aws.bucket(),
    gcp.bucket(),
    azure.storageAccount(),
  ];
  itPasses(objectStorageEncrypted, all());
  itPasses(objectStorageEncrypted, all(), CMK("object-storage-encrypted"), "with requireCustomerManagedKeys");
  itPasses(
    objectStorageEncrypted,
    [
      mutate(aws.bucketEncryption(), (c) => {
        c.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
      }),
    ],
    {},
    "with SSE-S3 (the only option ALB access logs support)",
  );

  itFails(objectStorageEncrypted, [
    {
      title: "S3 encryption configuration without rules",
      resource: mutate(aws.bucketEncryption(), (c) => {
        c.rules = [];
      }),
      messages: ['S3 encryption configuration has no rules; add a rule with sseAlgorithm "aws:kms"'],
    },
    {
      title: "S3 encryption rule without a default",
      resource: mutate(aws.bucketEncryption(), (c) => {
        c.rules = [{ bucketKeyEnabled: true }];
      }),
      messages: [
        'S3 encryption rule has no applyServerSideEncryptionByDefault; set sseAlgorithm "aws:kms" (or "AES256")',
      ],
    },
    {
      title: "S3 encryption rule with an unsupported algorithm",
      resource: mutate(aws.bucketEncryption(), (c) => {
        c.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } }];
      }),
      messages: ['S3 encryption rule sseAlgorithm is "none"; use "aws:kms" (or "AES256")'],
    },
    {
      title: "S3 SSE-S3 when CMKs are required",
      resource: mutate(aws.bucketEncryption(), (c) => {
        c.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
      }),
      config: CMK("object-storage-encrypted"),
      messages: [
        'S3 encryption rule does not use a customer-managed KMS key; set sseAlgorithm "aws:kms" with kmsMasterKeyId',
      ],
    },
    {
      title: "S3 bucket inline encryption with an unsupported algorithm",
      resource: mutate(aws.bucket(), (b) => {
        b.serverSideEncryptionConfiguration = {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } },
        };
      }),
      messages: ['S3 bucket serverSideEncryptionConfiguration sseAlgorithm is "none"; use "aws:kms" (or "AES256")'],
    },
    {
      title: "Cloud Storage bucket on a Google-managed key when CMEK is required",
      resource: mutate(gcp.bucket(), (b) => {
        b.encryption = undefined;
      }),
      config: CMK("object-storage-encrypted"),
      messages: ["Cloud Storage bucket has no encryption.defaultKmsKeyName (Google-managed key); set a Cloud KMS key"],
    },
    {
      title: "Azure storage without infrastructure encryption",
      resource: mutate(azure.storageAccount(), (s) => {
        if (s.encryption) s.encryption.requireInfrastructureEncryption = undefined;
      }),
      messages: [
        "Storage account encryption.requireInfrastructureEncryption is not true; set it at creation (a second, infrastructure-level AES-256 layer)",
      ],
    },
    {
      title: "Azure storage with blob encryption disabled",
      resource: mutate(azure.storageAccount(), (s) => {
        if (s.encryption) s.encryption.services = { blob: { enabled: false } };
      }),
      messages: ["Storage account encryption.services.blob.enabled is false; remove it or set true"],
    },
    {
      title: "Azure storage on Microsoft-managed keys when CMKs are required",
      resource: mutate(azure.storageAccount(), (s) => {
        if (s.encryption) s.encryption.keySource = undefined;
      }),
      config: CMK("object-storage-encrypted"),
      messages: [
        'Storage account encryption.keySource is "Microsoft.Storage (default)"; set "Microsoft.Keyvault" with keyVaultProperties',
      ],
    },
  ]);
});

describe("messaging-encrypted-at-rest", () => {
  itPasses(messagingEncryptedAtRest, [
    aws.snsTopic(),
    aws.sqsQueue(),
    mutate(aws.sqsQueue(), (qu) => {
      qu.sqsManagedSseEnabled = undefined;
    }),
    gcp.pubsubTopic(),
  ]);
  itPasses(
    messagingEncryptedAtRest,
    [
      aws.snsTopic(),
      mutate(aws.sqsQueue(), (qu) => {
        qu.kmsMasterKeyId = "alias/loom";
      }),
      gcp.pubsubTopic(),
    ],
    CMK("messaging-encrypted-at-rest"),
    "with requireCustomerManagedKeys",
  );

  itFails(messagingEncryptedAtRest, [
    {
      title: "SNS topic without a KMS key",
      resource: mutate(aws.snsTopic(), (t) => {
        t.kmsMasterKeyId = undefined;
      }),
      messages: ["SNS topic has no kmsMasterKeyId, so messages are stored unencrypted; set kmsMasterKeyId"],
    },
    {
      title: "SQS queue with SSE-SQS switched off",
      resource: mutate(aws.sqsQueue(), (qu) => {
        qu.sqsManagedSseEnabled = false;
      }),
      messages: [
        "SQS queue has sqsManagedSseEnabled: false and no kmsMasterKeyId, so messages are stored unencrypted; set kmsMasterKeyId or sqsManagedSseEnabled: true",
      ],
    },
    {
      title: "SQS queue on SSE-SQS when CMKs are required",
      resource: aws.sqsQueue(),
      config: CMK("messaging-encrypted-at-rest"),
      messages: ["SQS queue uses SSE-SQS (AWS owned key); set kmsMasterKeyId to a customer-managed key"],
    },
    {
      title: "Pub/Sub topic on a Google-managed key when CMEK is required",
      resource: mutate(gcp.pubsubTopic(), (t) => {
        t.kmsKeyName = undefined;
      }),
      config: CMK("messaging-encrypted-at-rest"),
      messages: ["Pub/Sub topic has no kmsKeyName (Google-managed key); set kmsKeyName to a Cloud KMS key"],
    },
  ]);
});

describe("backup-vault-encrypted", () => {
  itPasses(backupVaultEncrypted, [aws.backupVault()]);
  itFails(backupVaultEncrypted, [
    {
      title: "backup vault on the aws/backup key",
      resource: mutate(aws.backupVault(), (v) => {
        v.kmsKeyArn = undefined;
      }),
      messages: [
        "backup vault has no kmsKeyArn, so recovery points use the AWS managed aws/backup key; set kmsKeyArn to a customer-managed key",
      ],
    },
  ]);
});

describe("log-group-kms", () => {
  const prod = { "log-group-kms": { environment: "prod" } };
  itPasses(logGroupKms, [aws.logGroup(), gcp.logBucket()], prod, "in prod");
  const plain = mutate(aws.logGroup(), (lg) => {
    lg.kmsKeyId = undefined;
  });
  itPasses(logGroupKms, [plain], { "log-group-kms": { environment: "staging" } }, "without a key outside production");
  itFails(logGroupKms, [
    {
      title: "CloudWatch log group without a KMS key in prod",
      resource: plain,
      config: prod,
      messages: ["CloudWatch log group has no kmsKeyId in prod; set kmsKeyId to a customer-managed key"],
    },
    {
      title: "Cloud Logging bucket without CMEK in prod",
      resource: mutate(gcp.logBucket(), (b) => {
        b.cmekSettings = undefined;
      }),
      config: prod,
      messages: ["Cloud Logging bucket has no cmekSettings.kmsKeyName in prod; set a Cloud KMS key"],
    },
  ]);
  it("is advisory, also in prod", async () => {
    assert.deepEqual(
      (await check(logGroupKms, plain, prod)).map((v) => v.enforcementLevel),
      ["advisory"],
    );
  });
});

describe("kms-key-rotation", () => {
  itPasses(kmsKeyRotation, [aws.kmsKey(), gcp.cryptoKey(), azure.keyVaultKey()]);
  itPasses(
    kmsKeyRotation,
    [
      mutate(aws.kmsKey(), (k) => {
        k.enableKeyRotation = undefined;
        k.customerMasterKeySpec = "RSA_3072";
        k.keyUsage = "SIGN_VERIFY";
      }),
      mutate(aws.kmsKey(), (k) => {
        k.enableKeyRotation = undefined;
        k.customerMasterKeySpec = "HMAC_256";
        k.keyUsage = "GENERATE_VERIFY_MAC";
      }),
      mutate(gcp.cryptoKey(), (k) => {
        k.rotationPeriod = undefined;
        k.purpose = "ASYMMETRIC_SIGN";
      }),
      mutate(azure.keyVaultKey(), (k) => {
        k.properties.rotationPolicy = {
          attributes: { expiryTime: "P1Y" },
          lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeBeforeExpiry: "P30D" } }],
        };
      }),
    ],
    {},
    "(keys AWS/GCP cannot auto-rotate; Key Vault rotation before expiry)",
  );

  itFails(kmsKeyRotation, [
    {
      title: "AWS symmetric key without rotation",
      resource: mutate(aws.kmsKey(), (k) => {
        k.enableKeyRotation = undefined;
      }),
      messages: ["KMS key enableKeyRotation is false; set enableKeyRotation: true"],
    },
    {
      title: "AWS key rotating every two years",
      resource: mutate(aws.kmsKey(), (k) => {
        k.rotationPeriodInDays = 730;
      }),
      messages: ["KMS key rotationPeriodInDays is 730, above the 365-day limit"],
    },
    {
      title: "AWS yearly rotation when the limit is 90 days",
      resource: aws.kmsKey(),
      config: { "kms-key-rotation": { maxRotationDays: 90 } },
      messages: ["KMS key rotationPeriodInDays is 365, above the 90-day limit"],
    },
    {
      title: "Cloud KMS key without rotation",
      resource: mutate(gcp.cryptoKey(), (k) => {
        k.rotationPeriod = undefined;
      }),
      messages: ['Cloud KMS key has no rotationPeriod; set rotationPeriod to at most "31536000s"'],
    },
    {
      title: "Cloud KMS key rotating every two years",
      resource: mutate(gcp.cryptoKey(), (k) => {
        k.rotationPeriod = "63072000s";
      }),
      messages: ['Cloud KMS key rotationPeriod is "63072000s", above the 365-day limit (31536000s)'],
    },
    {
      title: "Key Vault key without a rotation policy",
      resource: mutate(azure.keyVaultKey(), (k) => {
        k.properties.rotationPolicy = undefined;
      }),
      messages: [
        'Key Vault key has no rotationPolicy lifetime action of type "rotate"; add one with trigger.timeAfterCreate (e.g. "P90D")',
      ],
    },
    {
      title: "Key Vault key that only notifies",
      resource: mutate(azure.keyVaultKey(), (k) => {
        k.properties.rotationPolicy = {
          lifetimeActions: [{ action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } }],
        };
      }),
      messages: [
        'Key Vault key has no rotationPolicy lifetime action of type "rotate"; add one with trigger.timeAfterCreate (e.g. "P90D")',
      ],
    },
    {
      title: "Key Vault key rotating every two years",
      resource: mutate(azure.keyVaultKey(), (k) => {
        k.properties.rotationPolicy = {
          lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P2Y" } }],
        };
      }),
      messages: [
        'Key Vault key rotates after 730 days, above the 365-day limit; set trigger.timeAfterCreate to at most "P365D"',
      ],
    },
  ]);
});
