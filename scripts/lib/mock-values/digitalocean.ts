/**
 * DigitalOcean mock values, shaped like the API returns them: UUID ids (numeric for droplets, records and SSH keys),
 * URNs `do:<kind>:<id>`, managed-database hosts `<name>-do-user-0000000-0.m.db.ondigitalocean.com` with a
 * `private-` VPC twin, Spaces endpoints, App Platform `*.ondigitalocean.app` ingress, load-balancer and droplet
 * addresses from TEST-NET-3 (RFC 5737). Account/team number 0000000.
 */
import { type CloudMocks, digits, hex, type MockResource, str, uuid } from "./types";

const regionOf = (r: MockResource) => str(r.inputs.region) ?? r.config["digitalocean:region"] ?? "ams3";
const publicIp = (seed: string) => `203.0.113.${1 + (Number.parseInt(hex(seed, 2), 16) % 254)}`;
const privateIp = (seed: string) => `10.110.0.${2 + (Number.parseInt(hex(seed, 2), 16) % 250)}`;
/** Which endpoint a managed database resource has: PostgreSQL 25060, its PgBouncer pools 25061, Valkey/Redis 25061. */
type Endpoint = "postgresql" | "pool" | "cache";
const endpointOf = (engine: unknown): Endpoint => (engine === "valkey" || engine === "redis" ? "cache" : "postgresql");

function databaseEndpoints(state: Record<string, unknown>, own: string, kind: Endpoint, database = "defaultdb") {
  const host = `${own}-do-user-0000000-0.m.db.ondigitalocean.com`;
  const port = kind === "postgresql" ? 25060 : 25061;
  const scheme = kind === "cache" ? "rediss" : "postgresql";
  const user = kind === "cache" ? "default" : "doadmin";
  // Recognisable (like the random provider's mock) so tests prove a generated credential never reaches the plan.
  const password = `mock-generated-password-${own}`;
  const tail = kind === "cache" ? "" : `/${database}?sslmode=require`;
  state.host = host;
  state.privateHost = `private-${host}`;
  state.port = port;
  state.user = user;
  state.password = password;
  if (kind !== "cache") state.database = database;
  state.uri = `${scheme}://${user}:${password}@${host}:${port}${tail}`;
  state.privateUri = `${scheme}://${user}:${password}@private-${host}:${port}${tail}`;
}

export const digitalocean: CloudMocks = {
  computed(r, state) {
    const { type, name, inputs } = r;
    const own = str(inputs.name) ?? name;
    const region = regionOf(r);
    const id = uuid(`${type}/${own}`);
    state.name = own;
    switch (type) {
      case "digitalocean:index/droplet:Droplet": {
        const numeric = digits(`${type}/${own}`, 9);
        state.urn = `do:droplet:${numeric}`;
        state.dropletUrn = state.urn;
        state.ipv4Address = publicIp(`droplet/${own}`);
        state.ipv4AddressPrivate = privateIp(`droplet/${own}`);
        state.status = "active";
        return numeric;
      }
      case "digitalocean:index/databaseCluster:DatabaseCluster":
        databaseEndpoints(state, own, endpointOf(inputs.engine));
        state.urn = `do:dbaas:${id}`;
        state.clusterUrn = `do:dbaas:${id}`;
        return id;
      case "digitalocean:index/databaseReplica:DatabaseReplica":
        databaseEndpoints(state, `replica-${own}`, "postgresql");
        state.uuid = id;
        return id;
      case "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool":
        databaseEndpoints(state, own, "pool", str(inputs.dbName));
        return `${str(inputs.clusterId) ?? ""}/${own}`;
      case "digitalocean:index/databaseUser:DatabaseUser":
        state.password = `mock-generated-password-${own}`;
        return `${str(inputs.clusterId) ?? ""}/user/${own}`;
      case "digitalocean:index/databaseDb:DatabaseDb":
        return `${str(inputs.clusterId) ?? ""}/database/${own}`;
      case "digitalocean:index/databaseFirewall:DatabaseFirewall":
        return `${str(inputs.clusterId) ?? own}-${hex(own, 8)}`;
      case "digitalocean:index/loadBalancer:LoadBalancer":
        state.ip = publicIp(`lb/${own}`);
        state.urn = `do:loadbalancer:${id}`;
        state.loadBalancerUrn = state.urn;
        state.status = "active";
        return id;
      case "digitalocean:index/vpc:Vpc":
        state.urn = `do:vpc:${id}`;
        state.vpcUrn = `do:vpc:${id}`;
        state.default = false;
        return id;
      case "digitalocean:index/tag:Tag":
        // A tag's id is its name.
        return own;
      case "digitalocean:index/project:Project":
        state.ownerUuid = uuid("owner");
        return id;
      case "digitalocean:index/firewall:Firewall":
        state.status = "succeeded";
        return id;
      case "digitalocean:index/spacesBucket:SpacesBucket":
        state.urn = `do:space:${own}`;
        state.bucketUrn = state.urn;
        state.bucketDomainName = `${own}.${region}.digitaloceanspaces.com`;
        state.endpoint = `${region}.digitaloceanspaces.com`;
        return own;
      case "digitalocean:index/certificate:Certificate":
        state.uuid = id;
        state.state = "verified";
        return id;
      case "digitalocean:index/domain:Domain":
        state.urn = `do:domain:${own}`;
        return own;
      case "digitalocean:index/dnsRecord:DnsRecord":
        state.fqdn = `${own === "@" ? "" : `${own}.`}${str(inputs.domain) ?? "example.com"}`;
        return digits(`${type}/${own}`, 9);
      case "digitalocean:index/sshKey:SshKey":
        state.fingerprint = hex(`ssh/${own}`, 32).replace(/(..)(?!$)/g, "$1:");
        return digits(`${type}/${own}`, 8);
      case "digitalocean:index/app:App": {
        const app = str((inputs.spec as Record<string, unknown> | undefined)?.name) ?? own;
        const ingress = `https://${app}-${hex(`app/${app}`, 5)}.ondigitalocean.app`;
        state.defaultIngress = ingress;
        state.liveUrl = ingress;
        state.appUrn = `do:app:${id}`;
        state.urn = `do:app:${id}`;
        return id;
      }
      case "digitalocean:index/kubernetesCluster:KubernetesCluster":
        state.endpoint = `https://${id}.k8s.ondigitalocean.com`;
        state.urn = `do:kubernetes:${id}`;
        return id;
      case "digitalocean:index/volume:Volume":
        state.urn = `do:volume:${id}`;
        return id;
      case "digitalocean:index/dropletAutoscale:DropletAutoscale":
        state.status = "active";
        state.currentUtilizations = [{ cpu: 0, memory: 0 }];
        return id;
      case "digitalocean:index/spacesKey:SpacesKey":
        // A Spaces access key id is 20 upper-case characters; the secret is recognisable as a mock.
        state.accessKey = `DO00${hex(`spaces/${own}`, 16).toUpperCase()}`;
        state.secretKey = `mock-generated-password-${own}`;
        return state.accessKey as string;
      case "digitalocean:index/spacesBucketObject:SpacesBucketObject":
        state.etag = hex(`object/${own}/${str(inputs.key) ?? ""}`, 32);
        return str(inputs.key) ?? own;
      case "digitalocean:index/projectResources:ProjectResources":
        return str(inputs.project) ?? id;
      case "digitalocean:index/monitorAlert:MonitorAlert":
        state.uuid = id;
        return id;
      case "digitalocean:index/uptimeCheck:UptimeCheck":
      case "digitalocean:index/uptimeAlert:UptimeAlert":
        return id;
      case "digitalocean:index/containerRegistry:ContainerRegistry":
        state.endpoint = `registry.digitalocean.com/${own}`;
        state.serverUrl = "registry.digitalocean.com";
        return own;
      default:
        return id;
    }
  },
  invokes: {
    // A PEM-shaped placeholder: the plan shows where the CA goes, never a real certificate.
    "digitalocean:index/getDatabaseCa:getDatabaseCa": (args) => ({
      clusterId: str(args.clusterId) ?? "",
      certificate: `-----BEGIN CERTIFICATE-----\nMOCKDIGITALOCEANDATABASECA${hex(`ca/${str(args.clusterId) ?? ""}`, 16)}\n-----END CERTIFICATE-----\n`,
      id: str(args.clusterId) ?? "",
    }),
    "digitalocean:index/getAccount:getAccount": () => ({
      uuid: uuid("account"),
      email: "ops@example.com",
      status: "active",
      dropletLimit: 25,
      id: uuid("account"),
    }),
  },
};
