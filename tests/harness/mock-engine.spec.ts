/**
 * The mock engine itself: it rejects duplicate URNs like the real engine, and its per-cloud tables
 * (scripts/lib/mock-values/) return computed values shaped like each cloud's API, so wiring between components
 * resolves to realistic ids, self links, ARNs and host names.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { computed, runProgram } from "../../scripts/lib/mock-engine";
import { MOCK_VALUES } from "../../scripts/lib/mock-values";
import { promiseOf } from "./program";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const config = {
  "aws:region": "eu-west-1",
  "gcp:project": "loom-dev",
  "gcp:region": "europe-west1",
  "azure-native:location": "westeurope",
  "digitalocean:region": "ams3",
};
/** Resources by type token alone, with no SDK loaded (the SDK classes are thin subclasses like these). */
class Raw extends pulumi.CustomResource {
  constructor(type: string, name: string, props: pulumi.Inputs = {}, opts: pulumi.CustomResourceOptions = {}) {
    super(type, name, props, opts);
  }
}
class Component extends pulumi.ComponentResource {}
class Provider extends pulumi.ProviderResource {
  constructor(pkg: string, name: string, props: pulumi.Inputs) {
    super(pkg, name, props);
  }
}
const state = (type: string, name: string, inputs: Record<string, unknown> = {}) =>
  computed(type, name, inputs, config);

describe("mock engine", () => {
  describe("duplicate URNs", () => {
    const run = (program: () => void) =>
      runProgram({
        project: "loom",
        stack: "test",
        config: {},
        program: async () => {
          program();
          return {};
        },
      });

    it("rejects one child name under two components of one type (the URN has no parent names)", async () => {
      await assert.rejects(
        run(() => {
          for (const name of ["web", "worker"]) {
            const parent = new Component("loom:components:AppService", name);
            new Raw("aws:ecs/service:Service", "svc", {}, { parent });
          }
        }),
        /^Error: Duplicate resource URN 'urn:pulumi:test::loom::loom:components:AppService\$aws:ecs\/service:Service::svc'/,
      );
    });

    it("rejects two resources of one type and name, with the real engine's message", async () => {
      await assert.rejects(
        run(() => {
          new Raw("gcp:storage/bucket:Bucket", "logs", {});
          new Raw("gcp:storage/bucket:Bucket", "logs", {});
        }),
        {
          message:
            "Duplicate resource URN 'urn:pulumi:test::loom::gcp:storage/bucket:Bucket::logs'; try giving it a unique name",
        },
      );
    });

    it("names the URN as the engine writes it, parent type chain included", async () => {
      await assert.rejects(
        run(() => {
          const parent = new Component("loom:components:AppService", "loom");
          new Raw("aws:secretsmanager/secret:Secret", "LLM_API_KEY", {}, { parent });
          new Raw("aws:secretsmanager/secret:Secret", "LLM_API_KEY", {}, { parent });
        }),
        {
          message:
            "Duplicate resource URN 'urn:pulumi:test::loom::loom:components:AppService$aws:secretsmanager/secret:Secret::LLM_API_KEY'; try giving it a unique name",
        },
      );
    });

    it("a URN holds the parents' types, not their names: one child name under two component types is fine", async () => {
      const result = await run(() => {
        for (const type of ["loom:components:AppService", "loom:components:Database"]) {
          const parent = new Component(type, "loom");
          new Raw("aws:ecs/service:Service", "svc", {}, { parent });
        }
        new Raw("aws:s3/bucket:Bucket", "logs", {});
        new Raw("gcp:storage/bucket:Bucket", "logs", {});
      });
      assert.equal(result.resources.length, 6);
    });
  });

  it("has a table for every cloud and for random", () => {
    assert.deepEqual(Object.keys(MOCK_VALUES).sort(), [
      "aws",
      "azure-native",
      "digitalocean",
      "gcp",
      "kubernetes",
      "random",
    ]);
  });

  describe("AWS (pinned: the plan JSON of every AWS stack depends on these)", () => {
    it("ARNs in the stack's region and the documentation account; ids <name>-id", () => {
      assert.deepEqual(state("aws:kms/key:Key", "loom-data"), {
        id: "loom-data-id",
        state: {
          arn: "arn:aws:kms:eu-west-1:111122223333:key/loom-data",
          keyId: "loom-data-0000-1111-2222-333344445555",
          name: "loom-data",
        },
      });
      const db = state("aws:rds/instance:Instance", "loom-db", { identifier: "loom-dev-db" }).state;
      assert.equal(db.address, "loom-dev-db.abcdefghijkl.eu-west-1.rds.amazonaws.com");
      assert.equal(db.arn, "arn:aws:rds:eu-west-1:111122223333:db:loom-dev-db");
    });

    it("a resource's own region (provider v7 `region` input) wins over aws:region", () => {
      const vault = state("aws:backup/vault:Vault", "dr-vault", { region: "eu-central-1" }).state;
      assert.equal(vault.arn, "arn:aws:backup:eu-central-1:111122223333:vault/dr-vault");
    });

    it("an explicit provider's region applies to the resources that use it", async () => {
      let arn: pulumi.Output<string> | undefined;
      await runProgram({
        project: "loom",
        stack: "test",
        config: { "aws:region": "eu-west-1" },
        program: async () => {
          const provider = new Provider("aws", "dr", { region: "eu-central-1" });
          const key = new Raw("aws:kms/key:Key", "dr-key", { arn: undefined }, { provider });
          arn = (key as unknown as { arn: pulumi.Output<string> }).arn;
          return {};
        },
      });
      assert.equal(await promiseOf(arn as pulumi.Output<string>), "arn:aws:kms:eu-central-1:111122223333:key/dr-key");
    });
  });

  describe("Kubernetes", () => {
    it("auto-names an object without metadata.name like the provider (<name>-<8 characters>)", () => {
      assert.deepEqual(state("kubernetes:core/v1:Secret", "db-app", { metadata: { namespace: "loom-dev" } }).state, {
        metadata: { namespace: "loom-dev", name: "db-app-0mock0ab" },
        name: "db-app",
      });
    });
  });

  describe("GCP", () => {
    it("compute resources: projects/… ids and googleapis self links, global or regional", () => {
      assert.deepEqual(
        state("gcp:compute/network:Network", "vpc", { name: "loom-dev-vpc" }).id,
        "projects/loom-dev/global/networks/loom-dev-vpc",
      );
      assert.equal(
        state("gcp:compute/network:Network", "vpc", { name: "loom-dev-vpc" }).state.selfLink,
        "https://www.googleapis.com/compute/v1/projects/loom-dev/global/networks/loom-dev-vpc",
      );
      assert.equal(
        state("gcp:compute/subnetwork:Subnetwork", "app", { name: "loom-dev-app", region: "us-central1" }).state
          .selfLink,
        "https://www.googleapis.com/compute/v1/projects/loom-dev/regions/us-central1/subnetworks/loom-dev-app",
      );
      assert.equal(
        state("gcp:compute/sSLPolicy:SSLPolicy", "tls").state.selfLink,
        "https://www.googleapis.com/compute/v1/projects/loom-dev/global/sslPolicies/tls",
      );
      const address = state("gcp:compute/globalAddress:GlobalAddress", "psa", { addressType: "INTERNAL" }).state;
      assert.match(String(address.address), /^10\.\d+\.\d+\.\d+$/);
    });

    it("Cloud SQL: connectionName project:region:instance, a private IP, a sql.goog DNS name", () => {
      const { id, state: s } = state("gcp:sql/databaseInstance:DatabaseInstance", "db", { name: "loom-dev-db" });
      assert.equal(id, "loom-dev-db");
      assert.equal(s.connectionName, "loom-dev:europe-west1:loom-dev-db");
      assert.match(String(s.privateIpAddress), /^10\.\d+\.\d+\.\d+$/);
      assert.deepEqual(s.ipAddresses, [{ ipAddress: s.privateIpAddress, type: "PRIVATE" }]);
      assert.match(String(s.dnsName), /^[0-9a-f]{12}\.[0-9a-f]{12}\.europe-west1\.sql\.goog\.$/);
    });

    it("Memorystore, Secret Manager, service accounts, Cloud Run, KMS", () => {
      const redis = state("gcp:redis/instance:Instance", "cache", { name: "loom-dev-cache" });
      assert.equal(redis.id, "projects/loom-dev/locations/europe-west1/instances/loom-dev-cache");
      assert.equal(redis.state.port, 6379);
      assert.equal(
        state("gcp:secretmanager/secret:Secret", "llm", { secretId: "loom-dev-llm-api-key" }).id,
        "projects/loom-dev/secrets/loom-dev-llm-api-key",
      );
      const sa = state("gcp:serviceaccount/account:Account", "web", { accountId: "loom-dev-web" }).state;
      assert.equal(sa.email, "loom-dev-web@loom-dev.iam.gserviceaccount.com");
      assert.equal(sa.member, "serviceAccount:loom-dev-web@loom-dev.iam.gserviceaccount.com");
      const run = state("gcp:cloudrunv2/service:Service", "web", { name: "loom-dev-web", location: "europe-west1" });
      assert.equal(run.id, "projects/loom-dev/locations/europe-west1/services/loom-dev-web");
      assert.equal(run.state.uri, "https://loom-dev-web-000000000000.europe-west1.run.app");
      assert.equal(
        state("gcp:kms/cryptoKey:CryptoKey", "data", {
          name: "data",
          keyRing: "projects/loom-dev/locations/europe-west1/keyRings/loom",
        }).id,
        "projects/loom-dev/locations/europe-west1/keyRings/loom/cryptoKeys/data",
      );
    });
  });

  describe("Azure", () => {
    it("ARM ids under the all-zero subscription, children nested under their parent", () => {
      assert.equal(
        state("azure-native:resources:ResourceGroup", "rg", { resourceGroupName: "loom-dev" }).id,
        `${SUB}/resourceGroups/loom-dev`,
      );
      assert.equal(
        state("azure-native:dbforpostgresql:Server", "db", { resourceGroupName: "loom-dev", serverName: "loom-dev-pg" })
          .id,
        `${SUB}/resourceGroups/loom-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/loom-dev-pg`,
      );
      assert.equal(
        state("azure-native:network:Subnet", "apps", {
          resourceGroupName: "loom-dev",
          virtualNetworkName: "loom-dev-vnet",
          subnetName: "apps",
        }).id,
        `${SUB}/resourceGroups/loom-dev/providers/Microsoft.Network/virtualNetworks/loom-dev-vnet/subnets/apps`,
      );
    });

    it("PostgreSQL, Redis, Key Vault and Container Apps host names", () => {
      const pg = state("azure-native:dbforpostgresql:Server", "db", {
        resourceGroupName: "loom-dev",
        serverName: "loom-dev-pg",
      });
      assert.equal(pg.state.fullyQualifiedDomainName, "loom-dev-pg.postgres.database.azure.com");
      assert.equal(
        state("azure-native:redis:Redis", "c", { name: "loom-dev-redis" }).state.hostName,
        "loom-dev-redis.redis.cache.windows.net",
      );
      const kv = state("azure-native:keyvault:Vault", "kv", { vaultName: "loom-dev-kv", properties: {} }).state;
      assert.deepEqual(kv.properties, { vaultUri: "https://loom-dev-kv.vault.azure.net/" });
      const env = state("azure-native:app:ManagedEnvironment", "env", {
        resourceGroupName: "loom-dev",
        environmentName: "loom-dev-env",
      });
      const domain = String(env.state.defaultDomain);
      assert.match(domain, /^[a-z]+-[0-9a-f]{8}\.westeurope\.azurecontainerapps\.io$/);
      const app = state("azure-native:app:ContainerApp", "web", {
        resourceGroupName: "loom-dev",
        containerAppName: "loom-dev-web",
        managedEnvironmentId: env.id,
        configuration: { ingress: { external: true, targetPort: 8080 } },
      }).state;
      assert.deepEqual(app.configuration, {
        ingress: { external: true, targetPort: 8080, fqdn: `loom-dev-web.${domain}` },
      });
    });
  });

  describe("DigitalOcean", () => {
    it("UUID ids, do: URNs, managed-database hosts with a private twin", () => {
      const db = state("digitalocean:index/databaseCluster:DatabaseCluster", "db", {
        name: "loom-dev-pg",
        engine: "pg",
      });
      assert.match(db.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(db.state.urn, `do:dbaas:${db.id}`);
      assert.equal(db.state.host, "loom-dev-pg-do-user-0000000-0.m.db.ondigitalocean.com");
      assert.equal(db.state.privateHost, "private-loom-dev-pg-do-user-0000000-0.m.db.ondigitalocean.com");
      assert.equal(db.state.port, 25060);
      const cache = state("digitalocean:index/databaseCluster:DatabaseCluster", "c", {
        name: "loom-dev-valkey",
        engine: "valkey",
      });
      assert.equal(cache.state.port, 25061);
      assert.match(String(cache.state.uri), /^rediss:\/\//);
      const droplet = state("digitalocean:index/droplet:Droplet", "web-0", { name: "loom-dev-web-0" });
      assert.match(droplet.id, /^[1-9]\d{8}$/);
      assert.equal(droplet.state.urn, `do:droplet:${droplet.id}`);
      assert.match(String(droplet.state.ipv4Address), /^203\.0\.113\.\d+$/);
    });

    it("is stable from run to run (plans compare byte for byte)", () => {
      const a = state("digitalocean:index/loadBalancer:LoadBalancer", "lb", { name: "loom-dev-lb" });
      assert.deepEqual(state("digitalocean:index/loadBalancer:LoadBalancer", "lb", { name: "loom-dev-lb" }), a);
    });
  });
});
