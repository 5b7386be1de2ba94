/**
 * GCP mock values, shaped like the Google APIs return them: compute self links
 * (`https://www.googleapis.com/compute/v1/projects/<project>/global/networks/<name>`), ids as the provider writes
 * them (`projects/<project>/…`), Cloud SQL `connectionName` (`project:region:instance`) and private IPs, Memorystore
 * endpoints, Cloud Run `*.run.app` URIs, service-account e-mails. The project and region come from the resource's
 * own `project`/`region` inputs, else the stack's `gcp:project`/`gcp:region`; project number 000000000000.
 */
import { type CloudMocks, digits, hex, type MockResource, obj, str, uuid } from "./types";

export const GCP_PROJECT_NUMBER = "000000000000";
const COMPUTE = "https://www.googleapis.com/compute/v1";

const projectOf = (r: MockResource) => str(r.inputs.project) ?? r.config["gcp:project"] ?? "loom-example-project";
const regionOf = (r: MockResource) =>
  str(r.inputs.region) ?? str(r.inputs.location) ?? r.config["gcp:region"] ?? "europe-west1";
const first = (v: unknown) => obj(Array.isArray(v) ? v[0] : undefined);
/** A resource id or self link ends in the name; a self link in the state may already be a full URL. */
const lastSegment = (v: unknown) => (str(v) ?? "").split("/").pop() ?? "";

/** Compute Engine collections: where each type's self link lives. */
const COMPUTE_COLLECTIONS: Record<string, { scope: "global" | "regional"; collection: string }> = {
  "gcp:compute/network:Network": { scope: "global", collection: "networks" },
  "gcp:compute/subnetwork:Subnetwork": { scope: "regional", collection: "subnetworks" },
  "gcp:compute/firewall:Firewall": { scope: "global", collection: "firewalls" },
  "gcp:compute/globalAddress:GlobalAddress": { scope: "global", collection: "addresses" },
  "gcp:compute/address:Address": { scope: "regional", collection: "addresses" },
  "gcp:compute/router:Router": { scope: "regional", collection: "routers" },
  "gcp:compute/sSLPolicy:SSLPolicy": { scope: "global", collection: "sslPolicies" },
  "gcp:compute/regionSslPolicy:RegionSslPolicy": { scope: "regional", collection: "sslPolicies" },
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": { scope: "global", collection: "targetHttpsProxies" },
  "gcp:compute/targetHttpProxy:TargetHttpProxy": { scope: "global", collection: "targetHttpProxies" },
  "gcp:compute/uRLMap:URLMap": { scope: "global", collection: "urlMaps" },
  "gcp:compute/regionUrlMap:RegionUrlMap": { scope: "regional", collection: "urlMaps" },
  "gcp:compute/backendService:BackendService": { scope: "global", collection: "backendServices" },
  "gcp:compute/backendBucket:BackendBucket": { scope: "global", collection: "backendBuckets" },
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": {
    scope: "regional",
    collection: "networkEndpointGroups",
  },
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": { scope: "global", collection: "forwardingRules" },
  "gcp:compute/forwardingRule:ForwardingRule": { scope: "regional", collection: "forwardingRules" },
  "gcp:compute/managedSslCertificate:ManagedSslCertificate": { scope: "global", collection: "sslCertificates" },
  "gcp:compute/securityPolicy:SecurityPolicy": { scope: "global", collection: "securityPolicies" },
  "gcp:compute/healthCheck:HealthCheck": { scope: "global", collection: "healthChecks" },
};

/** `10.<b>.<c>.<d>` stable per seed, inside the private-services range the program reserves (or any 10/8). */
const privateIp = (seed: string) => {
  const h = hex(seed, 6);
  return `10.${100 + (Number.parseInt(h.slice(0, 2), 16) % 100)}.${Number.parseInt(h.slice(2, 4), 16)}.${2 + (Number.parseInt(h.slice(4, 6), 16) % 250)}`;
};
/** A public address from TEST-NET-3 (RFC 5737, documentation only). */
const publicIp = (seed: string) => `203.0.113.${1 + (Number.parseInt(hex(seed, 2), 16) % 254)}`;
/** The short region code of the legacy `*.a.run.app` URLs: europe-west1 → ew, us-central1 → uc. */
const regionCode = (region: string) =>
  region
    .split("-")
    .map((p) => p[0])
    .join("");
const FAKE_CA = "-----BEGIN CERTIFICATE-----\nMIIMOCKGOOGLEMANAGEDCA\n-----END CERTIFICATE-----\n";

export const gcp: CloudMocks = {
  computed(r, state) {
    const { type, name, inputs } = r;
    const project = projectOf(r);
    const region = regionOf(r);
    const own = str(inputs.name) ?? name;
    const compute = COMPUTE_COLLECTIONS[type];
    if (compute) {
      const path =
        compute.scope === "global"
          ? `projects/${project}/global/${compute.collection}/${own}`
          : `projects/${project}/regions/${region}/${compute.collection}/${own}`;
      state.name = own;
      state.selfLink = `${COMPUTE}/${path}`;
      if (type === "gcp:compute/globalAddress:GlobalAddress" || type === "gcp:compute/address:Address") {
        state.address ??= inputs.addressType === "INTERNAL" ? privateIp(path) : publicIp(path);
      }
      if (type === "gcp:compute/globalForwardingRule:GlobalForwardingRule") state.ipAddress ??= publicIp(path);
      if (type === "gcp:compute/network:Network") state.numericId = digits(path, 19);
      if (type === "gcp:compute/subnetwork:Subnetwork") state.gatewayAddress = "10.0.0.1";
      if (type === "gcp:compute/managedSslCertificate:ManagedSslCertificate") state.certificateId = digits(path, 19);
      return path;
    }
    switch (type) {
      case "gcp:compute/routerNat:RouterNat":
        state.name = own;
        return `${project}/${region}/${lastSegment(inputs.router)}/${own}`;
      case "gcp:servicenetworking/connection:Connection":
        state.peering = "servicenetworking-googleapis-com";
        return `${str(inputs.network) ?? ""}:${str(inputs.service) ?? "servicenetworking.googleapis.com"}`;
      case "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy":
        state.name = own;
        return `projects/${project}/locations/${region}/serviceConnectionPolicies/${own}`;
      case "gcp:sql/databaseInstance:DatabaseInstance": {
        const ip = privateIp(`sql/${project}/${own}`);
        state.name = own;
        state.connectionName = `${project}:${region}:${own}`;
        state.privateIpAddress = ip;
        state.firstIpAddress = ip;
        state.ipAddresses = [{ ipAddress: ip, type: "PRIVATE" }];
        state.dnsName = `${hex(`${project}/${own}`, 12)}.${hex(project, 12)}.${region}.sql.goog.`;
        state.selfLink = `https://sqladmin.googleapis.com/sql/v1beta4/projects/${project}/instances/${own}`;
        state.serviceAccountEmailAddress = `p${GCP_PROJECT_NUMBER}-${hex(own, 6)}@gcp-sa-cloud-sql.iam.gserviceaccount.com`;
        state.serverCaCerts = [{ cert: FAKE_CA, commonName: "C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA" }];
        return own;
      }
      case "gcp:sql/database:Database":
        state.name = own;
        return `projects/${project}/instances/${lastSegment(inputs.instance)}/databases/${own}`;
      case "gcp:sql/user:User":
        state.name = own;
        return `${own}//${lastSegment(inputs.instance)}`;
      case "gcp:redis/instance:Instance": {
        // With in-transit encryption the instance serves TLS on 6378 (and no plain port); without, plain 6379.
        const port = inputs.transitEncryptionMode === "SERVER_AUTHENTICATION" ? 6378 : 6379;
        state.name = own;
        state.host = privateIp(`redis/${project}/${own}`);
        state.port = port;
        state.currentLocationId = `${region}-b`;
        state.persistenceIamIdentity = `serviceAccount:service-${GCP_PROJECT_NUMBER}@cloud-redis.iam.gserviceaccount.com`;
        if (inputs.readReplicasMode === "READ_REPLICAS_ENABLED") {
          state.readEndpoint = privateIp(`redis-read/${project}/${own}`);
          state.readEndpointPort = port;
        }
        if (inputs.transitEncryptionMode === "SERVER_AUTHENTICATION") {
          state.serverCaCerts = [{ cert: FAKE_CA, serialNumber: "0", sha1Fingerprint: hex(own, 40) }];
        }
        // The Google-generated AUTH string is a UUID.
        if (inputs.authEnabled === true) state.authString = uuid(`redis-auth/${project}/${own}`);
        return `projects/${project}/locations/${region}/instances/${own}`;
      }
      case "gcp:memorystore/instance:Instance": {
        const id = str(inputs.instanceId) ?? own;
        const address = privateIp(`valkey/${project}/${id}`);
        state.name = `projects/${project}/locations/${region}/instances/${id}`;
        const network =
          str(first(inputs.desiredAutoCreatedEndpoints).network) ??
          str(first(inputs.desiredPscAutoConnections).network);
        state.discoveryEndpoints = [{ address, port: 6379, ...(network ? { network } : {}) }];
        state.endpoints = [
          {
            connections: [
              { pscAutoConnection: { ipAddress: address, port: 6379, connectionType: "CONNECTION_TYPE_DISCOVERY" } },
            ],
          },
        ];
        state.uid = uuid(state.name as string);
        return state.name as string;
      }
      case "gcp:kms/keyRing:KeyRing":
        state.name = own;
        return `projects/${project}/locations/${str(inputs.location) ?? region}/keyRings/${own}`;
      case "gcp:kms/cryptoKey:CryptoKey":
        state.name = own;
        return `${str(inputs.keyRing) ?? `projects/${project}/locations/${region}/keyRings/loom`}/cryptoKeys/${own}`;
      case "gcp:secretmanager/secret:Secret": {
        const id = str(inputs.secretId) ?? own;
        state.name = `projects/${GCP_PROJECT_NUMBER}/secrets/${id}`;
        return `projects/${project}/secrets/${id}`;
      }
      case "gcp:secretmanager/secretVersion:SecretVersion": {
        const secret = str(inputs.secret) ?? `projects/${project}/secrets/${own}`;
        state.version = "1";
        state.name = `projects/${GCP_PROJECT_NUMBER}/secrets/${lastSegment(secret)}/versions/1`;
        return `${secret}/versions/1`;
      }
      case "gcp:serviceaccount/account:Account": {
        const email = `${str(inputs.accountId) ?? own}@${project}.iam.gserviceaccount.com`;
        state.email = email;
        state.member = `serviceAccount:${email}`;
        state.uniqueId = digits(email, 21);
        state.name = `projects/${project}/serviceAccounts/${email}`;
        return state.name as string;
      }
      case "gcp:projects/serviceIdentity:ServiceIdentity": {
        const short = (str(inputs.service) ?? "service.googleapis.com").split(".")[0] ?? "service";
        // Most agents are gcp-sa-<short name>; Cloud SQL's is gcp-sa-cloud-sql.
        const agent = ({ sqladmin: "cloud-sql" } as Record<string, string>)[short] ?? short;
        const email = `service-${GCP_PROJECT_NUMBER}@gcp-sa-${agent}.iam.gserviceaccount.com`;
        state.email = email;
        state.member = `serviceAccount:${email}`;
        return `projects/${project}/services/${inputs.service ?? agent}`;
      }
      case "gcp:projects/service:Service":
        return `${project}/${str(inputs.service) ?? own}`;
      case "gcp:cloudrunv2/service:Service": {
        const uri = `https://${own}-${GCP_PROJECT_NUMBER}.${region}.run.app`;
        state.name = own;
        state.uri = uri;
        state.urls = [uri, `https://${own}-${hex(`${project}/${own}`, 10)}-${regionCode(region)}.a.run.app`];
        state.uid = uuid(`${project}/${region}/${own}`);
        state.latestReadyRevision = `projects/${project}/locations/${region}/services/${own}/revisions/${own}-00001-abc`;
        return `projects/${project}/locations/${region}/services/${own}`;
      }
      case "gcp:cloudrunv2/job:Job":
      case "gcp:cloudrunv2/workerPool:WorkerPool": {
        const collection = type.endsWith("Job") ? "jobs" : "workerPools";
        state.name = own;
        state.uid = uuid(`${project}/${region}/${collection}/${own}`);
        return `projects/${project}/locations/${region}/${collection}/${own}`;
      }
      case "gcp:storage/bucket:Bucket":
        state.name = own;
        state.url = `gs://${own}`;
        state.selfLink = `https://www.googleapis.com/storage/v1/b/${own}`;
        return own;
      case "gcp:logging/projectBucketConfig:ProjectBucketConfig": {
        const id = `projects/${project}/locations/${str(inputs.location) ?? "global"}/buckets/${str(inputs.bucketId) ?? "_Default"}`;
        state.name = id;
        return id;
      }
      case "gcp:logging/projectExclusion:ProjectExclusion":
        state.name = own;
        return `projects/${project}/exclusions/${own}`;
      case "gcp:logging/projectSink:ProjectSink":
        state.name = own;
        state.writerIdentity = `serviceAccount:service-${GCP_PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com`;
        return `projects/${project}/sinks/${own}`;
      case "gcp:monitoring/notificationChannel:NotificationChannel":
      case "gcp:monitoring/alertPolicy:AlertPolicy":
      case "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": {
        const collection = {
          NotificationChannel: "notificationChannels",
          AlertPolicy: "alertPolicies",
          UptimeCheckConfig: "uptimeCheckConfigs",
        }[type.split(":").pop() as "AlertPolicy"];
        const id = `projects/${project}/${collection}/${digits(`${type}/${project}/${name}`, 19)}`;
        state.name = id;
        if (collection === "uptimeCheckConfigs") {
          // The API derives the check id from the display name plus a suffix: `loom-prod-health-a1b2c3d4`.
          const check = `${(str(inputs.displayName) ?? name).toLowerCase().replace(/[^a-z0-9-]/g, "-")}-${hex(id, 8)}`;
          state.uptimeCheckId = check;
          state.name = `projects/${project}/uptimeCheckConfigs/${check}`;
          return state.name as string;
        }
        return id;
      }
      case "gcp:monitoring/dashboard:Dashboard":
        return `projects/${GCP_PROJECT_NUMBER}/dashboards/${uuid(`${project}/${name}`)}`;
      case "gcp:backupdisasterrecovery/backupVault:BackupVault": {
        const id = `projects/${project}/locations/${region}/backupVaults/${str(inputs.backupVaultId) ?? own}`;
        state.name = id;
        state.serviceAccount = `vault-${GCP_PROJECT_NUMBER}-${hex(id, 6)}@gcp-sa-backupdr-pr.iam.gserviceaccount.com`;
        return id;
      }
      case "gcp:backupdisasterrecovery/backupPlan:BackupPlan": {
        const id = `projects/${project}/locations/${region}/backupPlans/${str(inputs.backupPlanId) ?? own}`;
        state.name = id;
        return id;
      }
      case "gcp:cloudscheduler/job:Job":
        state.name = own;
        return `projects/${project}/locations/${region}/jobs/${own}`;
      case "gcp:artifactregistry/repository:Repository":
        state.name = str(inputs.repositoryId) ?? own;
        return `projects/${project}/locations/${region}/repositories/${state.name}`;
      default:
        return undefined;
    }
  },
  invokes: {
    "gcp:organizations/getProject:getProject": (inputs, config) => {
      const projectId = str(inputs.projectId) ?? config["gcp:project"] ?? "loom-example-project";
      return { projectId, number: GCP_PROJECT_NUMBER, name: projectId, id: `projects/${projectId}` };
    },
    "gcp:organizations/getClientConfig:getClientConfig": (_inputs, config) => ({
      project: config["gcp:project"] ?? "loom-example-project",
      region: config["gcp:region"] ?? "europe-west1",
      zone: config["gcp:zone"] ?? `${config["gcp:region"] ?? "europe-west1"}-b`,
      accessToken: "mock-access-token",
      id: "mock-client-config",
    }),
    "gcp:logging/getProjectCmekSettings:getProjectCmekSettings": (inputs, config) => {
      const project = str(inputs.project) ?? config["gcp:project"] ?? "loom-example-project";
      return {
        project,
        name: `projects/${project}/cmekSettings`,
        id: `projects/${project}/cmekSettings`,
        serviceAccountId: `service-${GCP_PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com`,
        kmsKeyVersionName: "",
      };
    },
    "gcp:compute/getZones:getZones": (inputs, config) => {
      const region = str(inputs.region) ?? config["gcp:region"] ?? "europe-west1";
      return { names: ["b", "c", "d"].map((z) => `${region}-${z}`), region, id: region };
    },
  },
};
