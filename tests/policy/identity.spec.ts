/**
 * least-privilege-identity: own service accounts, no keys, no basic roles, no authoritative project policy, no
 * public invoker on a job or an internal-only service. Compliant fixtures pass; one mutation per failure, exact
 * message.
 */
import assert from "node:assert/strict";
import type { JobArgs } from "@pulumi/gcp/cloudrunv2/job";
import type { ServiceArgs } from "@pulumi/gcp/cloudrunv2/service";
import type { ServiceIamMemberArgs } from "@pulumi/gcp/cloudrunv2/serviceIamMember";
import type { IAMMemberArgs } from "@pulumi/gcp/projects/iammember";
import type { Unwrap } from "@pulumi/pulumi";
import { leastPrivilegeIdentity } from "../../policy/rules/secrets/least-privilege-identity";
import { itFails, itPasses, messages, mutate, resource } from "../harness/fixtures";

const SA = (who: string) => `loom-prod-${who}@loom-example-prod.iam.gserviceaccount.com`;
const service = (name: string, ingress: string) =>
  resource<Unwrap<ServiceArgs>>(
    "gcp:cloudrunv2/service:Service",
    {
      name: `loom-prod-${name}`,
      location: "europe-west1",
      ingress,
      template: { serviceAccount: SA(name), containers: [{ image: "ghcr.io/example/loom:1.4.2" }] },
    },
    { name },
  );
const job = () =>
  resource<Unwrap<JobArgs>>(
    "gcp:cloudrunv2/job:Job",
    {
      name: "loom-prod-migrate",
      location: "europe-west1",
      template: { template: { serviceAccount: SA("migrate"), containers: [{ image: "ghcr.io/example/loom:1.4.2" }] } },
    },
    { name: "migrate" },
  );
const invoker = (service: string, member: string, name = `${service}-invoker`) =>
  resource<Unwrap<ServiceIamMemberArgs>>(
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    { name: `loom-prod-${service}`, location: "europe-west1", role: "roles/run.invoker", member },
    { name },
  );
const projectRole = (role: string) =>
  resource<Unwrap<IAMMemberArgs>>(
    "gcp:projects/iAMMember:IAMMember",
    { project: "loom-example-prod", role, member: `serviceAccount:${SA("web")}` },
    { name: "web-metric-writer" },
  );

describe("least-privilege-identity", () => {
  itPasses(leastPrivilegeIdentity, [
    service("web", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"),
    service("worker", "INGRESS_TRAFFIC_INTERNAL_ONLY"),
    job(),
    projectRole("roles/monitoring.metricWriter"),
  ]);

  it("passes a public invoker on the web service (behind the load balancer) next to an internal worker", async () => {
    assert.deepEqual(
      await messages(leastPrivilegeIdentity, [
        service("web", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"),
        service("worker", "INGRESS_TRAFFIC_INTERNAL_ONLY"),
        invoker("web", "allUsers"),
        invoker("worker", `serviceAccount:${SA("web")}`),
      ]),
      [],
    );
  });

  itFails(leastPrivilegeIdentity, [
    {
      title: "a service without its own service account",
      resource: mutate(service("web", "INGRESS_TRAFFIC_ALL"), (s) => {
        s.template = { containers: [{ image: "ghcr.io/example/loom:1.4.2" }] };
      }),
      messages: [
        "Cloud Run service sets no template.serviceAccount, so it runs as the Compute Engine default service account; give it its own gcp:serviceaccount/account",
      ],
    },
    {
      title: "a job running as the Compute Engine default service account",
      resource: mutate(job(), (j) => {
        j.template = {
          template: {
            serviceAccount: "000000000000-compute@developer.gserviceaccount.com",
            containers: [{ image: "ghcr.io/example/loom:1.4.2" }],
          },
        };
      }),
      messages: [
        "Cloud Run job runs as the Compute Engine default service account 000000000000-compute@developer.gserviceaccount.com; give it its own service account",
      ],
    },
    {
      title: "project-level Editor",
      resource: projectRole("roles/editor"),
      messages: [
        "project IAM member grants the basic role roles/editor; grant the predefined roles the identity needs (e.g. roles/cloudsql.client), on the resource where possible",
      ],
    },
    {
      title: "an authoritative project IAM policy",
      resource: resource("gcp:projects/iAMPolicy:IAMPolicy", { project: "loom-example-prod", policyData: "{}" }),
      messages: [
        "an authoritative project IAM policy replaces every binding in the project (Google's service agents' too); grant with gcp:projects/iAMMember instead",
      ],
    },
    {
      title: "a service-account key",
      resource: resource("gcp:serviceaccount/key:Key", { serviceAccountId: SA("web") }),
      messages: [
        "a service-account key is a long-lived credential stored in state; use the workload's attached identity or workload identity federation",
      ],
    },
    {
      title: "a public invoker on the internal-only worker",
      resource: [service("worker", "INGRESS_TRAFFIC_INTERNAL_ONLY"), invoker("worker", "allUsers")],
      messages: [
        "Cloud Run service loom-prod-worker has internal-only ingress but is invokable by allUsers: an internal service (the worker) takes calls from its own callers' identities only",
      ],
    },
    {
      title: "a public invoker on a job",
      resource: resource("gcp:cloudrunv2/jobIamMember:JobIamMember", {
        name: "loom-prod-migrate",
        location: "europe-west1",
        role: "roles/run.invoker",
        member: "allAuthenticatedUsers",
      }),
      messages: [
        "Cloud Run job is invokable by allAuthenticatedUsers: anyone could run it; grant run.invoker to the scheduler's service account only",
      ],
    },
  ]);
});
