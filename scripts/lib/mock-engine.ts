/**
 * The mock engine: runs the real program (index.ts) against Pulumi's mock monitor and records every resource with
 * its inputs and options. Used by `npm run plan` and by the tests (one shared `setMocks` module: the call is
 * process-global and the last one wins, so nothing else in the repo calls it).
 *
 * It is honest about what it is: no provider runs, so computed attributes (ids, ARNs, endpoints) are realistic
 * fakes from `computed()`; provider-side validation happens only with the real engine.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The marker the Pulumi wire format uses for a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** An obviously fake account id (AWS documentation's example). */
export const FAKE_ACCOUNT = "111122223333";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string | null;
  protect: boolean;
  /** Inputs as the engine received them; secrets unwrapped (policies see them so, like the real engine). */
  inputs: Record<string, unknown>;
  /** Paths (dot-joined) of the inputs that were secret. */
  secretPaths: string[];
}

export interface ProgramRun {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  project: string;
  stack: string;
  /** Full config map ("loom:cloud" → string, objects as JSON). */
  config: Record<string, string>;
  /** Config keys whose values are secret. */
  secretKeys?: string[];
  /** The program: a module path (re-required fresh each run) or a function returning the stack outputs. */
  program: string | (() => Promise<Record<string, unknown>> | Record<string, unknown>);
}

function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Remove the secret wrappers from a value, recording where they were. */
export function unwrapSecrets(value: unknown, at: string[] = [], found: string[] = []): unknown {
  if (isSecret(value)) {
    found.push(at.join("."));
    return unwrapSecrets(value.value, at, found);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, [...at, String(i)], found));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, [...at, k], found);
    return out;
  }
  return value;
}

/** Replace the values at `paths` (and any nested string that equals a secret) with "[secret]" for display. */
export function redact(value: unknown, secretPaths: string[], at: string[] = []): unknown {
  if (secretPaths.includes(at.join(".")) && at.length > 0) return "[secret]";
  if (Array.isArray(value)) return value.map((v, i) => redact(v, secretPaths, [...at, String(i)]));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, secretPaths, [...at, k]);
    return out;
  }
  return value;
}

const short = (type: string) => type.split(":").pop() ?? type;

/** Realistic computed attributes per resource type, so wiring between components resolves like on a cloud. */
export function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): { id: string; state: Record<string, unknown> } {
  const id = `${name}-id`;
  const state: Record<string, unknown> = { ...inputs };
  if (type.startsWith("aws:")) {
    const service = type.split(":")[1]?.split("/")[0] ?? "aws";
    state.arn ??= `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${short(type).toLowerCase()}/${name}`;
  }
  if (type.startsWith("kubernetes:") && inputs.metadata && typeof inputs.metadata === "object") {
    // The Kubernetes provider auto-names an object without metadata.name: `<logical name>-<8 random characters>`.
    const metadata = inputs.metadata as Record<string, unknown>;
    if (metadata.name === undefined) state.metadata = { ...metadata, name: `${name}-0mock0ab` };
  }
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      state.defaultSecurityGroupId = `sg-default-${name}`;
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      state.dnsName = `${name}-1234567890.${region}.elb.amazonaws.com`;
      state.zoneId = "Z0MOCKELBZONE";
      state.arnSuffix = `app/${name}/50dc6c495c0c9188`;
      break;
    case "aws:lb/targetGroup:TargetGroup":
      state.arnSuffix = `targetgroup/${name}/73e2d6bc24d8a067`;
      break;
    case "aws:rds/instance:Instance": {
      const address = `${inputs.identifier ?? name}.abcdefghijkl.${region}.rds.amazonaws.com`;
      state.address = address;
      state.endpoint = `${address}:5432`;
      state.port ??= 5432;
      state.identifier ??= name;
      state.resourceId = `db-${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`;
      state.arn = `arn:aws:rds:${region}:${FAKE_ACCOUNT}:db:${state.identifier}`;
      if (inputs.manageMasterUserPassword) {
        state.masterUserSecrets = [
          {
            secretArn: `arn:aws:secretsmanager:${region}:${FAKE_ACCOUNT}:secret:rds!db-${name}-AbCdEf`,
            kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
            secretStatus: "active",
          },
        ];
      }
      break;
    }
    case "aws:rds/proxy:Proxy":
      state.endpoint = `${name}.proxy-abcdefghijkl.${region}.rds.amazonaws.com`;
      break;
    case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
      state.name = "default";
      break;
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      state.primaryEndpointAddress = `master.${name}.abcdef.${region}.cache.amazonaws.com`;
      state.readerEndpointAddress = `replica.${name}.abcdef.${region}.cache.amazonaws.com`;
      break;
    case "aws:kms/key:Key":
      state.keyId = `${name}-0000-1111-2222-333344445555`;
      break;
    case "random:index/randomPassword:RandomPassword":
      // Recognisable so tests can prove it never leaks into plan output.
      state.result = `mock-generated-password-${name}`.padEnd(Number(inputs.length ?? 32), "x");
      break;
    case "aws:acm/certificate:Certificate":
      state.domainValidationOptions = [
        {
          domainName: inputs.domainName,
          resourceRecordName: `_abc.${inputs.domainName}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: "_xyz.acm-validations.aws.",
        },
      ];
      break;
    case "aws:route53/record:Record":
      state.fqdn = String(inputs.name ?? name).replace(/\.$/, "");
      break;
    case "aws:ecs/cluster:Cluster":
    case "aws:ecs/service:Service":
      state.name ??= name;
      break;
    default:
      break;
  }
  if (typeof inputs.name !== "string") state.name ??= name;
  return { id, state };
}

function invoke(token: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: FAKE_ACCOUNT,
        arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/mock`,
        userId: "MOCKUSER",
        id: FAKE_ACCOUNT,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { arn: `arn:aws:iam::${FAKE_ACCOUNT}:root`, id: FAKE_ACCOUNT };
    default:
      return { ...inputs };
  }
}

/** The parts of Pulumi's MockMonitor this module hooks (not in its public typings). */
interface MockMonitorInternals {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(
    req: { getParent(): string; getType(): string; getName(): string; getObject(): never },
    callback: unknown,
  ): unknown;
}

const ROOT_STACK = "pulumi:pulumi:Stack";

/**
 * A URN as the real engine writes it. The engine leaves the root Stack out of a child's type chain
 * (`urn:…::loom:components:Network::loom`); the mock monitor of @pulumi/pulumi 3.270 (`MockMonitor.newUrn`) keeps it
 * (`…::pulumi:pulumi:Stack$loom:components:Network::loom`). Only direct children of the Stack are affected.
 */
export function engineUrn(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  const chain = (parts[2] as string).split("$");
  if (chain.length > 1 && chain[0] === ROOT_STACK) parts[2] = chain.slice(1).join("$");
  return parts.join("::");
}

let running = false;

/** Run the program once under mocks and return every resource it registered and the stack outputs. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  if (running) throw new Error("runProgram is not re-entrant: the Pulumi runtime is process-global");
  running = true;
  try {
    const region = opts.config["aws:region"] ?? "us-east-1";
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
    await pulumi.runtime.setMocks(
      {
        newResource(args: pulumi.runtime.MockResourceArgs) {
          const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
          return computed(args.type, args.name, plain, region);
        },
        call(args: pulumi.runtime.MockCallArgs) {
          return invoke(args.token, unwrapSecrets(args.inputs) as Record<string, unknown>, region);
        },
      },
      opts.project,
      opts.stack,
      false,
    );
    // Record each resource's inputs by URN, as the mock monitor computes it: MockResourceArgs carries no parent, so
    // keying by type and name would mix up two components' children of the same type and name.
    const inputsByUrn = new Map<string, Record<string, unknown>>();
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorInternals;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
      inputsByUrn.set(urn, pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>);
      return register(req, callback);
    };

    const registered: { resource: pulumi.Resource; type: string; name: string; opts: pulumi.ResourceOptions }[] = [];
    // The program's own error is caught here and rethrown after the runtime has settled: thrown inside the
    // Stack's init it would otherwise surface as an unhandled rejection that ends the process.
    let programError: unknown;
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((a) => {
        registered.push({ resource: a.resource, type: a.type, name: a.name, opts: a.opts });
        return undefined;
      });
      try {
        if (typeof opts.program === "function") return await opts.program();
        const entry = path.resolve(opts.program);
        delete require.cache[require.resolve(entry)];
        return { ...require(entry) };
      } catch (e) {
        programError = e;
        return {};
      }
    });
    await pulumi.runtime.disconnect();
    if (programError !== undefined) {
      // How far the program got: 0 means it failed before registering anything (what bad config must do).
      if (programError instanceof Error) Object.assign(programError, { registeredResources: registered.length });
      throw programError;
    }

    const urnOf = async (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply((u) => resolve(u)));
    const resources: PlannedResource[] = [];
    for (const r of registered) {
      const urn = await urnOf(r.resource);
      const parent = r.opts.parent ? await urnOf(r.opts.parent) : null;
      const custom = pulumi.CustomResource.isInstance(r.resource);
      const secretPaths: string[] = [];
      const rawInputs = inputsByUrn.get(urn) ?? {};
      const inputs = unwrapSecrets(rawInputs, [], secretPaths) as Record<string, unknown>;
      resources.push({
        urn: engineUrn(urn),
        type: r.type,
        name: r.name,
        custom,
        parent: parent === null ? null : engineUrn(parent),
        protect: Boolean(r.opts.protect),
        inputs,
        secretPaths,
      });
    }
    return { resources, outputs: (unwrapSecrets(outputs ?? {}) as Record<string, unknown>) ?? {} };
  } finally {
    running = false;
  }
}
