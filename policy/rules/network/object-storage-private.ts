/**
 * Object storage is never readable by the whole internet: DigitalOcean Spaces buckets and the objects in them keep
 * the canned ACL `private` (the default). Loom's buckets hold backups, logs and the stack's secrets; nothing is
 * served from them publicly (trivy `digitalocean-spaces-acl-no-public-read`).
 */
import type { SpacesBucketArgs } from "@pulumi/digitalocean/spacesBucket";
import type { SpacesBucketObjectArgs } from "@pulumi/digitalocean/spacesBucketObject";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

const isPrivate = (acl: unknown) => acl === undefined || acl === "private";

export const objectStoragePrivate = rule({
  name: "object-storage-private",
  concern: "network",
  description:
    "Object storage is not public: DigitalOcean Spaces buckets and bucket objects keep the canned ACL private (no public-read).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Leave `acl` unset or set `acl: "private"` on every digitalocean SpacesBucket and SpacesBucketObject; hand out access with a SpacesKey whose grants name the bucket (read or readwrite), or a presigned URL.',
  checks: [
    on<SpacesBucketArgs>("digitalocean:index/spacesBucket:SpacesBucket", (b, ctx) => {
      if (!isPrivate(b.acl)) {
        ctx.report(
          `Spaces bucket acl is ${q(b.acl)}, so anyone on the internet can list and read it; set acl: "private"`,
        );
      }
    }),
    on<SpacesBucketObjectArgs>("digitalocean:index/spacesBucketObject:SpacesBucketObject", (o, ctx) => {
      if (!isPrivate(o.acl)) {
        ctx.report(
          `Spaces object ${q(o.key)} has acl ${q(o.acl)}, so anyone on the internet can read it; set acl: "private"`,
        );
      }
    }),
  ],
});
