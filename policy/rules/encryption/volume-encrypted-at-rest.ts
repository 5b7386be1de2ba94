/**
 * Block and file volumes are encrypted at rest.
 */
import type { VolumeArgs } from "@pulumi/aws/ebs/volume";
import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { FileSystemArgs } from "@pulumi/aws/efs/fileSystem";
import type { StorageClassArgs } from "@pulumi/kubernetes/storage/v1/storageClass";
import { bool, obj, q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();
const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

export const volumeEncryptedAtRest = rule({
  name: "volume-encrypted-at-rest",
  concern: "encryption",
  description:
    "Block and file volumes (EBS, EFS, instance and launch-template disks, EBS-backed Kubernetes storage classes) are encrypted at rest.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set `encrypted: true` (with `kmsKeyId`) on EBS volumes, EFS file systems and every instance block device, `ebs.encrypted: "true"` in launch templates, and `parameters.encrypted: "true"` on EBS CSI storage classes. GCP, Azure and DigitalOcean disks are always encrypted.',
  checks: [
    on<VolumeArgs>("aws:ebs/volume:Volume", (v, ctx) => {
      if (v.encrypted === false || (v.encrypted !== true && !v.snapshotId)) {
        ctx.report(`EBS volume encrypted is ${q(v.encrypted ?? false)}; set encrypted: true with a kmsKeyId`);
      }
    }),
    on<FileSystemArgs>("aws:efs/fileSystem:FileSystem", (fs, ctx) => {
      if (fs.encrypted !== true) {
        ctx.report(`EFS file system encrypted is ${q(fs.encrypted ?? false)}; set encrypted: true with a kmsKeyId`);
      }
    }),
    on<Ec2InstanceArgs>("aws:ec2/instance:Instance", (i, ctx) => {
      if (i.rootBlockDevice?.encrypted !== true) {
        ctx.report("EC2 instance root volume is not encrypted; set rootBlockDevice.encrypted: true");
      }
      for (const d of i.ebsBlockDevices ?? []) {
        if (d.encrypted === false || (d.encrypted !== true && !d.snapshotId)) {
          ctx.report(`EC2 instance EBS block device ${q(d.deviceName)} is not encrypted; set encrypted: true`);
        }
      }
    }),
    on<LaunchTemplateArgs>("aws:ec2/launchTemplate:LaunchTemplate", (lt, ctx) => {
      for (const m of lt.blockDeviceMappings ?? []) {
        if (!m.ebs) continue;
        if (bool(m.ebs.encrypted) !== true && !(m.ebs.snapshotId && bool(m.ebs.encrypted) !== false)) {
          ctx.report(
            `launch template block device ${q(m.deviceName ?? null)} is not encrypted; set ebs.encrypted: "true"`,
          );
        }
      }
    }),
    on<StorageClassArgs>("kubernetes:storage.k8s.io/v1:StorageClass", (sc, ctx) => {
      if (!EBS_PROVISIONERS.includes(sc.provisioner)) return;
      const encrypted = obj(sc.parameters).encrypted;
      if (encrypted !== "true") {
        ctx.report(
          `EBS storage class (provisioner ${sc.provisioner}) has parameters.encrypted ${q(encrypted ?? null)}; set parameters.encrypted: "true"`,
        );
      }
    }),
  ],
});
