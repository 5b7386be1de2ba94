/**
 * The pack under the real analyzer: start policy/index.ts in a child process (exactly what the Pulumi CLI's language
 * host does for `--policy-pack policy`), and talk to its gRPC Analyzer service with @pulumi/pulumi's generated
 * client. Proves the PolicyPack accepts our 22 policies (names, levels, config schemas), that validations run with
 * the engine's wire format — secrets arrive wrapped and are unwrapped, config defaults apply without a `configure`
 * call — and that the GCP stack check runs under `analyzeStack`. The offline runner only emulates this server.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policies } from "../../policy/policies";

const ROOT = path.join(__dirname, "..", "..");
const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("policy/index.ts under the real @pulumi/policy analyzer server", () => {
  let child: ChildProcess;
  let client: AnalyzerClient;
  const call = <Req, Res>(method: string, req: Req) =>
    new Promise<Res>((resolve, reject) =>
      (client as unknown as Record<string, (r: Req, cb: (e: Error | null, r: Res) => void) => void>)[method]?.call(
        client,
        req,
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
  const options = () => {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(false);
    return o;
  };
  const analyze = async (type: string, props: Record<string, unknown>) => {
    const req = new pb.AnalyzeRequest();
    req.setType(type);
    req.setName("x");
    req.setUrn(`urn:pulumi:prod::loom::${type}::x`);
    req.setProperties(Struct.fromJavaScript(props as never));
    req.setOptions(options());
    const res = await call<pb.AnalyzeRequest, pb.AnalyzeResponse>("analyze", req);
    return res
      .getDiagnosticsList()
      .map((d) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage().split("\n")[1]]);
  };

  before(async function () {
    this.timeout(120000);
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "policy/index.ts"], { cwd: ROOT });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.once("data", (d) => resolve(String(d).trim()));
      child.once("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  it("serves loom-guard with every policy at its default level", async () => {
    const info = await call<Empty, pb.AnalyzerInfo>("getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), "loom-guard");
    const level = { advisory: pb.EnforcementLevel.ADVISORY, mandatory: pb.EnforcementLevel.MANDATORY } as const;
    assert.deepEqual(
      info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]),
      policies.map((p) => [p.name, level[p.enforcementLevel as "advisory" | "mandatory"]]),
    );
  });

  it("reports a resource violation with the description and our message", async () => {
    assert.deepEqual(
      await analyze("aws:lb/listener:Listener", {
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:tg" }],
      }),
      [
        [
          "https-only-endpoints",
          pb.EnforcementLevel.MANDATORY,
          'HTTP listener on port 80 serves plaintext: default action "forward" is not a redirect to HTTPS; use a single "redirect" action with redirect.protocol "HTTPS" and statusCode "HTTP_301"',
        ],
      ],
    );
  });

  it("sees secret inputs unwrapped, as the offline plan does", async () => {
    const value = { ...SECRET_SIG, value: "postgres://loom:correct-horse@db.internal:5432/loom" };
    assert.deepEqual(
      await analyze("aws:ssm/parameter:Parameter", { name: "/loom/prod/log-level", type: "String", value }),
      [
        [
          "no-credential-literals",
          pb.EnforcementLevel.MANDATORY,
          'input "value" contains a URL with an embedded password (postgres://loom:****@); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference',
        ],
      ],
    );
  });

  it("applies configSchema defaults when the engine sends no config", async () => {
    assert.deepEqual(
      await analyze("aws:appautoscaling/target:Target", {
        minCapacity: 1,
        maxCapacity: 500,
        resourceId: "service/loom/web",
        scalableDimension: "ecs:service:DesiredCount",
        serviceNamespace: "ecs",
      }),
      [
        [
          "autoscaler-bounded",
          pb.EnforcementLevel.MANDATORY,
          "scalable target maxCapacity is 500, above the ceiling of 100 (maxReplicasCeiling)",
        ],
      ],
    );
  });

  it("runs the GCP proxy → URL map check in analyzeStack", async () => {
    const resource = (type: string, name: string, props: Record<string, unknown>) => {
      const r = new pb.AnalyzerResource();
      r.setType(type);
      r.setName(name);
      r.setUrn(`urn:pulumi:prod::loom::${type}::${name}`);
      r.setProperties(Struct.fromJavaScript(props as never));
      r.setOptions(options());
      return r;
    };
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList([
      resource("gcp:compute/uRLMap:URLMap", "web", {
        name: "web",
        defaultService: "projects/p/global/backendServices/web",
      }),
      resource("gcp:compute/targetHttpProxy:TargetHttpProxy", "http", { urlMap: "projects/p/global/urlMaps/web" }),
    ]);
    const res = await call<pb.AnalyzeStackRequest, pb.AnalyzeResponse>("analyzeStack", req);
    assert.deepEqual(
      res.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getUrn()]),
      [["https-only-endpoints", "urn:pulumi:prod::loom::gcp:compute/targetHttpProxy:TargetHttpProxy::http"]],
    );
  });
});
