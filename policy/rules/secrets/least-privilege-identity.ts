/**
 * Every workload runs as its own least-privileged identity, and nothing is public that should not be (GCP):
 * - no project-level basic role (`roles/owner`, `roles/editor`) granted, and no authoritative project IAM policy
 *   (`gcp:projects/iAMPolicy` replaces every binding in the project, including Google's service agents');
 * - no service-account key (`gcp:serviceaccount/key`): a long-lived credential in state; Cloud Run and Cloud
 *   Scheduler use attached identities;
 * - every Cloud Run service and job names its own `template.serviceAccount`, never the Compute Engine default
 *   (`<number>-compute@developer.gserviceaccount.com`, which holds Editor in many projects);
 * - no `allUsers`/`allAuthenticatedUsers` invoker on a Cloud Run job, or on a service whose ingress is internal
 *   only (the worker): only a service reachable from outside may be publicly invokable.
 * Azure: no role assignment of Owner, Contributor, User Access Administrator or Role Based Access Control
 * Administrator (at any scope): each identity gets the data-plane roles it needs (Key Vault Secrets User, Storage
 * Blob Data Contributor) on the resource it uses; the list is components/lib/azure.ts's FORBIDDEN_ROLE_IDS.
 * DigitalOcean: a Spaces key has grants, each naming a bucket with `read` or `readwrite`; `fullaccess` reaches every
 * bucket of the team.
 */

import type { RoleAssignmentArgs } from "@pulumi/azure-native/authorization/roleAssignment";
import type { SpacesKeyArgs } from "@pulumi/digitalocean/spacesKey";
import type { JobArgs } from "@pulumi/gcp/cloudrunv2/job";
import type { ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import type { IAMBindingArgs } from "@pulumi/gcp/projects/iambinding";
import type { IAMMemberArgs } from "@pulumi/gcp/projects/iammember";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

export const BASIC_ROLES = ["roles/owner", "roles/editor"] as const;
/** Azure built-in roles that can change anything or grant anything (GUID → name); checked at every scope. */
export const AZURE_PRIVILEGED_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
const DEFAULT_COMPUTE_SA = /-compute@developer\.gserviceaccount\.com$/;

const SERVICE = "gcp:cloudrunv2/service:Service";
const SERVICE_IAM = [
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
];
const JOB_IAM = ["gcp:cloudrunv2/jobIamMember:JobIamMember", "gcp:cloudrunv2/jobIamBinding:JobIamBinding"];

function membersOf(props: Record<string, unknown>): string[] {
  const one = typeof props.member === "string" ? [props.member] : [];
  const many = Array.isArray(props.members) ? props.members.filter((m): m is string => typeof m === "string") : [];
  return [...one, ...many];
}

function basicRoleCheck(what: string) {
  return (grant: { role?: unknown }, ctx: { report(m: string): void }) => {
    if ((BASIC_ROLES as readonly string[]).includes(String(grant.role))) {
      ctx.report(
        `${what} grants the basic role ${String(grant.role)}; grant the predefined roles the identity needs (e.g. roles/cloudsql.client), on the resource where possible`,
      );
    }
  };
}

function identityCheck(kind: string) {
  return (sa: unknown, ctx: { report(m: string): void }) => {
    if (typeof sa !== "string" || sa === "") {
      ctx.report(
        `Cloud Run ${kind} sets no template.serviceAccount, so it runs as the Compute Engine default service account; give it its own gcp:serviceaccount/account`,
      );
    } else if (DEFAULT_COMPUTE_SA.test(sa)) {
      ctx.report(
        `Cloud Run ${kind} runs as the Compute Engine default service account ${sa}; give it its own service account`,
      );
    }
  };
}

/** A public invoker on a job, or on a service whose ingress is internal only. */
function publicInvokers(resources: PolicyResource[], _config: unknown, report: ReportViolation): void {
  const ingressByName = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== SERVICE) continue;
    const p = r.props as Record<string, unknown>;
    const ingress = String(p.ingress ?? "INGRESS_TRAFFIC_ALL");
    for (const n of [p.name, r.name]) if (typeof n === "string") ingressByName.set(n, ingress);
  }
  for (const r of resources) {
    const p = r.props as Record<string, unknown>;
    const publicMembers = membersOf(p).filter((m) => PUBLIC_MEMBERS.includes(m));
    if (publicMembers.length === 0) continue;
    if (JOB_IAM.includes(r.type)) {
      report(
        `Cloud Run job is invokable by ${publicMembers.join(", ")}: anyone could run it; grant run.invoker to the scheduler's service account only`,
        r.urn,
      );
    } else if (SERVICE_IAM.includes(r.type)) {
      const target =
        String(p.name ?? "")
          .split("/")
          .pop() ?? "";
      if (ingressByName.get(target) === "INGRESS_TRAFFIC_INTERNAL_ONLY") {
        report(
          `Cloud Run service ${target} has internal-only ingress but is invokable by ${publicMembers.join(", ")}: an internal service (the worker) takes calls from its own callers' identities only`,
          r.urn,
        );
      }
    }
  }
}

function azureRoleCheck(a: { roleDefinitionId?: unknown; scope?: unknown }, ctx: { report(m: string): void }) {
  const id = String(a.roleDefinitionId ?? "")
    .split("/")
    .pop()
    ?.toLowerCase();
  const role = id === undefined ? undefined : AZURE_PRIVILEGED_ROLES[id];
  if (role) {
    ctx.report(
      `role assignment grants ${role} (${id}) at ${String(a.scope ?? "(no scope)")}; grant the data-plane role the identity needs (e.g. Key Vault Secrets User) on the resource it uses`,
    );
  }
}

/** DigitalOcean Spaces keys: every grant names one bucket with read or readwrite, never fullaccess (every bucket). */
function spacesKeyCheck(
  k: { grants?: { bucket?: unknown; permission?: unknown }[] },
  ctx: { report(m: string): void },
) {
  const grants = k.grants ?? [];
  if (grants.length === 0) {
    ctx.report("Spaces key has no grants, so its scope is not stated; grant read or readwrite on the buckets it needs");
  }
  for (const g of grants) {
    const permission = String(g.permission ?? "");
    if (!SPACES_PERMISSIONS.includes(permission)) {
      ctx.report(
        `Spaces key grant on ${q(g.bucket ?? "")} has permission ${q(permission)}; grant "read" or "readwrite" on a named bucket (fullaccess reaches every bucket of the team)`,
      );
    } else if (typeof g.bucket !== "string" || g.bucket === "") {
      ctx.report(`Spaces key grant ${q(permission)} names no bucket; scope every grant to one bucket`);
    }
  }
}
const SPACES_PERMISSIONS = ["read", "readwrite"];

export const leastPrivilegeIdentity = rule({
  name: "least-privilege-identity",
  concern: "secrets",
  description:
    "Workloads run as their own service accounts, without service-account keys, project-level Owner/Editor or an authoritative project IAM policy; no public invoker on a Cloud Run job or an internal-only service; no Azure role assignment of Owner, Contributor, User Access Administrator or RBAC Administrator; DigitalOcean Spaces keys scoped to named buckets (read/readwrite, never fullaccess).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Create one gcp:serviceaccount/account per workload and set template.serviceAccount; grant predefined roles per resource (secretmanager.secretAccessor on each secret, cloudsql.client) with IAMMember resources; never create gcp:serviceaccount/key (use attached identities or workload identity federation); grant roles/run.invoker on jobs to the scheduler's account only. Azure: one user-assigned identity per workload with data-plane roles (Key Vault Secrets User at the vault, Storage Blob Data Contributor on the container), never Owner/Contributor/User Access Administrator/RBAC Administrator. DigitalOcean: one SpacesKey per consumer with `grants: [{ bucket, permission: read | readwrite }]` on the buckets it uses.",
  checks: [
    on<IAMMemberArgs>("gcp:projects/iAMMember:IAMMember", basicRoleCheck("project IAM member")),
    on<IAMBindingArgs>("gcp:projects/iAMBinding:IAMBinding", basicRoleCheck("project IAM binding")),
    on<Record<string, unknown>>("gcp:projects/iAMPolicy:IAMPolicy", (_p, ctx) =>
      ctx.report(
        "an authoritative project IAM policy replaces every binding in the project (Google's service agents' too); grant with gcp:projects/iAMMember instead",
      ),
    ),
    on<Record<string, unknown>>("gcp:serviceaccount/key:Key", (_p, ctx) =>
      ctx.report(
        "a service-account key is a long-lived credential stored in state; use the workload's attached identity or workload identity federation",
      ),
    ),
    on<ServiceArgs>(SERVICE, (s, ctx) => identityCheck("service")(s.template?.serviceAccount, ctx)),
    on<JobArgs>("gcp:cloudrunv2/job:Job", (j, ctx) => identityCheck("job")(j.template?.template?.serviceAccount, ctx)),
    on<RoleAssignmentArgs>("azure-native:authorization:RoleAssignment", azureRoleCheck),
    on<SpacesKeyArgs>("digitalocean:index/spacesKey:SpacesKey", spacesKeyCheck),
  ],
  stack: publicInvokers,
  stackTypes: [...SERVICE_IAM, ...JOB_IAM],
});
