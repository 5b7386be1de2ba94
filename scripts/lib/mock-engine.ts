/**
 * The mock engine: runs the real program (index.ts) against Pulumi's mock monitor and records every resource with
 * its inputs and options. Used by `npm run plan` and by the tests (one shared `setMocks` module: the call is
 * process-global and the last one wins, so nothing else in the repo calls it).
 *
 * It is honest about what it is: no provider runs, so computed attributes (ids, ARNs, endpoints) are realistic
 * fakes from `computed()` (one table per cloud in mock-values/); provider-side validation happens only with the real
 * engine. Like the real engine, it rejects two resources with the same URN.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { tableFor } from "./mock-values";

/** The marker the Pulumi wire format uses for a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export { FAKE_ACCOUNT } from "./mock-values";

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

/** The paths of the secret values in a resource's inputs as the wire carries them (innermost, as sent). */
export function wireSecretPaths(value: unknown, at: string[] = [], found: string[] = []): string[] {
  if (isSecret(value)) {
    found.push(at.join("."));
    return found;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) wireSecretPaths(v, [...at, String(i)], found);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) wireSecretPaths(v, [...at, k], found);
  }
  return found;
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

/**
 * Realistic computed attributes for one resource, so wiring between components resolves like on a cloud: the
 * provider's table in mock-values/<cloud>.ts fills them in; the id defaults to `<name>-id` and a missing `name` to
 * the logical name.
 */
export function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  config: Record<string, string>,
): { id: string; state: Record<string, unknown> } {
  const state: Record<string, unknown> = { ...inputs };
  const id = tableFor(type)?.computed({ type, name, inputs, config }, state) ?? `${name}-id`;
  if (typeof inputs.name !== "string") state.name ??= name;
  return { id, state };
}

function invoke(
  token: string,
  inputs: Record<string, unknown>,
  config: Record<string, string>,
): Record<string, unknown> {
  const fn = tableFor(token)?.invokes?.[token];
  return fn ? fn(inputs, config) : { ...inputs };
}

/** The real engine's error for two resources with one URN (pkg/resource/deploy: diag 2001), word for word. */
export function duplicateUrnError(urn: string): Error {
  return new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
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
    const config = opts.config;
    // An explicit provider's own settings (a second-region `aws.Provider`, a GCP provider with its project) override
    // the stack config for the resources that use it, as they would on the real engine.
    const providerConfig = new Map<string, Record<string, string>>();
    const configOfProvider = (ref: string | undefined): Record<string, string> => {
      // A provider reference is `<provider urn>::<provider id>`; the urn ends in `<type chain>::<name>`.
      const parts = ref?.split("::") ?? [];
      if (parts.length < 3) return {};
      const type = (parts[parts.length - 3] as string).split("$").pop();
      return providerConfig.get(`${type}::${parts[parts.length - 2]}`) ?? {};
    };
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
    await pulumi.runtime.setMocks(
      {
        newResource(args: pulumi.runtime.MockResourceArgs) {
          const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
          if (args.type.startsWith("pulumi:providers:")) {
            const pkg = args.type.slice("pulumi:providers:".length);
            const own: Record<string, string> = {};
            for (const [k, v] of Object.entries(plain)) if (typeof v === "string") own[`${pkg}:${k}`] = v;
            providerConfig.set(`${args.type}::${args.name}`, own);
          }
          return computed(args.type, args.name, plain, { ...config, ...configOfProvider(args.provider) });
        },
        call(args: pulumi.runtime.MockCallArgs) {
          return invoke(args.token, unwrapSecrets(args.inputs) as Record<string, unknown>, config);
        },
      },
      opts.project,
      opts.stack,
      false,
    );
    // Record each resource's inputs by URN, as the mock monitor computes it: MockResourceArgs carries no parent, so
    // keying by type and name would mix up two components' children of the same type and name.
    const inputsByUrn = new Map<string, Record<string, unknown>>();
    const secretPathsByUrn = new Map<string, string[]>();
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorInternals;
    const register = monitor.registerResource.bind(monitor);
    // The first URN registered twice: the real engine fails the deployment on it (after the program has run).
    let duplicate: string | undefined;
    monitor.registerResource = (req, callback) => {
      const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
      if (inputsByUrn.has(urn)) duplicate ??= urn;
      inputsByUrn.set(urn, pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>);
      // Where the secrets are, from the wire form: deserializing hoists a nested secret to its whole object (a pool
      // template whose userData is secret would hide its size and VPC), which the real engine does not.
      secretPathsByUrn.set(
        urn,
        wireSecretPaths((req.getObject() as unknown as { toJavaScript(): unknown }).toJavaScript()),
      );
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
    if (duplicate !== undefined) throw duplicateUrnError(engineUrn(duplicate));

    const urnOf = async (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply((u) => resolve(u)));
    const resources: PlannedResource[] = [];
    for (const r of registered) {
      const urn = await urnOf(r.resource);
      const parent = r.opts.parent ? await urnOf(r.opts.parent) : null;
      const custom = pulumi.CustomResource.isInstance(r.resource);
      const rawInputs = inputsByUrn.get(urn) ?? {};
      const inputs = unwrapSecrets(rawInputs) as Record<string, unknown>;
      const secretPaths = secretPathsByUrn.get(urn) ?? [];
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
