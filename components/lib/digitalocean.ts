/**
 * DigitalOcean building blocks shared by the DigitalOcean files of every component: the per-component scope
 * (`doScope`: prefix, tags, options, region), tag sanitising (DigitalOcean tags are plain strings matching
 * `^[A-Za-z0-9:_-]{1,255}$`, so `k=v` becomes `k:v`), the stack's ports between droplet groups (one home), Spaces
 * bucket names (global across customers: `bucketName`), the project attachment (`inProject`) and the secret store
 * (`storeSecret`: a credential as an object in the platform's private secrets bucket, handed on as a SecretRef).
 * Loaded only by DigitalOcean files, so other stacks never load @pulumi/digitalocean.
 */
import { ProjectResources } from "@pulumi/digitalocean/projectResources";
import { SpacesBucketObject } from "@pulumi/digitalocean/spacesBucketObject";
import * as pulumi from "@pulumi/pulumi";
import { fit as fitName, prefix as namePrefix } from "../naming";
import type { DigitalOceanPlatform } from "../platform/digitalocean";
import type { Tags } from "../tags";
import { childOptions, handleFor, type ResolvedBase, tagsFor } from "./component";
import type { SecretRef } from "./secrets";

/** A DigitalOcean tag: letters, digits, ':', '_' and '-', 1 to 255 characters. */
export const DO_TAG = /^[A-Za-z0-9:_-]{1,255}$/;

/**
 * Ports between the stack's droplet groups and managed services (the firewalls, compose files and boot configs
 * all read them here).
 */
export const DO_PORTS = {
  ssh: 22,
  /** The edge proxy on each web droplet: the load balancer's target (plain HTTP inside the VPC, PROXY protocol). */
  edge: 80,
  /** The edge proxy's TLS port where the droplet terminates TLS itself (dev without a load balancer). */
  edgeTls: 443,
  /** OTLP from the app containers to the jobs droplet's collector. */
  otlpGrpc: 4317,
  otlpHttp: 4318,
  /** Vector's native protocol: every droplet's log shipper to the aggregator on the jobs droplet. */
  logs: 6000,
  /** The jobs droplet's collector exposes the app's metrics here for the monitor droplet's Prometheus. */
  metrics: 8889,
  /** Managed PostgreSQL (direct) and its PgBouncer pools. */
  postgres: 25060,
  pool: 25061,
  /** Managed Valkey. */
  valkey: 25061,
  /** Mail submission from the monitor droplet's Alertmanager to the operator's relay (DigitalOcean has none). */
  smtp: 587,
} as const;

/** Every droplet's tags carry this key/value shape: `loom:tags` pairs become `k:v`. */
export function doTags(tags: Tags): string[] {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");
  return Object.entries(tags).map(([k, v]) => `${clean(k)}:${clean(v)}`.slice(0, 255));
}

/** What every DigitalOcean component file starts from: one call instead of a repeated preamble. */
export interface DoScope {
  parent: pulumi.Resource;
  /** The component's logical name (children are `${name}-…`). */
  name: string;
  platform: DigitalOceanPlatform;
  /** `<project>-<stack>`: the start of every physical name. */
  prefix: string;
  region: string;
  /** The stack's tags as DigitalOcean tags (`k:v`), for resources that take tags. */
  tags: string[];
  /** Options for a child; `stateful` children are protected when the component is. */
  opts(stateful?: boolean, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
}

export function doScope(parent: pulumi.Resource, name: string, args: ResolvedBase, component: string): DoScope {
  const platform = handleFor("platform", args.platform, "digitalocean");
  return {
    parent,
    name,
    platform,
    prefix: namePrefix(args.context.project, args.context.stack),
    region: platform.region,
    tags: doTags(tagsFor(args, component)),
    opts: (stateful = false, extra = {}) => childOptions(parent, args, stateful, extra),
  };
}

/**
 * What every fixed droplet of the stack shares (one home): the stack's region, OS image and SSH keys (no password
 * logins), the VPC, the metrics agent on (`monitoring`), no IPv6 (the firewalls and trusted sources are IPv4).
 */
export function dropletBase(scope: Pick<DoScope, "region" | "platform">, vpcId: pulumi.Input<string>) {
  return {
    region: scope.region,
    image: scope.platform.dropletImage,
    sshKeys: scope.platform.sshKeys,
    vpcUuid: vpcId,
    monitoring: true,
    ipv6: false,
  };
}

/** A droplet-group tag (`loom-prod-web`): the identity firewalls, the load balancer and database rules select by. */
export const groupTag = (scope: Pick<DoScope, "prefix">, group: string) => `${scope.prefix}-${group}`;

/**
 * A globally unique Spaces bucket name: `<prefix>-<role>-<account suffix>`, at most 63 of a-z 0-9 -. Bucket names
 * are shared by every DigitalOcean customer, so a stack-only name could already be taken.
 */
export function bucketName(scope: Pick<DoScope, "prefix" | "platform">, role: string): pulumi.Output<string> {
  return scope.platform.accountSuffix.apply((suffix) => `${fitName(`${scope.prefix}-${role}`, 55)}-${suffix}`);
}

/** Attach a component's resources (their `urn` outputs, `do:<kind>:<id>`) to the stack's project. */
export function inProject(scope: DoScope, urns: pulumi.Input<string>[]): ProjectResources | undefined {
  if (urns.length === 0) return undefined;
  return new ProjectResources(
    `${scope.name}-project`,
    { project: scope.platform.projectId, resources: urns },
    scope.opts(),
  );
}

/**
 * Keep a credential in the stack's secret store (the platform's private Spaces bucket) and return its reference.
 * `SecretRef.id` is the object key, which is also the file name under /etc/loom/secrets on the droplets and the
 * compose secret name. Droplets never get values in their boot config: fixed droplets get the files from Ansible
 * (ansible/), autoscale pool members fetch them at boot with a read-only key scoped to this bucket (the one secret
 * in their Pulumi-secret userData). `value` undefined creates an empty placeholder an operator fills out of band
 * (app secrets such as LLM_API_KEY, docs/digitalocean.md#secrets); Pulumi then never overwrites it.
 */
export function storeSecret(scope: DoScope, name: string, key: string, value?: pulumi.Input<string>): SecretRef {
  if (!SECRET_KEY.test(key)) throw new Error(`secret key ${key}: must be 1-63 of a-z 0-9 -`);
  new SpacesBucketObject(
    name,
    {
      bucket: scope.platform.secrets.bucket,
      region: scope.platform.secrets.region,
      key,
      acl: "private",
      contentType: "text/plain",
      content: value === undefined ? "" : pulumi.secret(value),
    },
    scope.opts(false, {
      additionalSecretOutputs: ["content"],
      ...(value === undefined ? { ignoreChanges: ["content"] } : {}),
    }),
  );
  return { id: key };
}

/** A secret object key / file name: `database-password`, `llm-api-key`. */
export const SECRET_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The file an env var's secret is mounted from: `LLM_API_KEY` → `llm-api-key`. */
export const secretFileName = (envName: string) => envName.toLowerCase().replace(/_/g, "-");
