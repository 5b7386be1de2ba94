/**
 * loom-guard on DigitalOcean (issue 13 item 8): every DO type the plans use, a compliant fixture and one broken
 * mutation per check with the exact message. Rules are concept-first, so these cases live beside each rule's other
 * clouds in spirit; they are gathered here because the DO target added them together.
 */
import assert from "node:assert/strict";
import { autoscalerBounded } from "../../policy/rules/limits/autoscaler-bounded";
import { databaseNotPublic } from "../../policy/rules/network/database-not-public";
import { noOpenIngress } from "../../policy/rules/network/no-open-ingress";
import { objectStoragePrivate } from "../../policy/rules/network/object-storage-private";
import { backupRetention } from "../../policy/rules/resilience/backup-retention";
import { deletionProtection } from "../../policy/rules/resilience/deletion-protection";
import { leastPrivilegeIdentity } from "../../policy/rules/secrets/least-privilege-identity";
import { noCredentialLiterals } from "../../policy/rules/secrets/no-credential-literals";
import { datastoreTlsRequired } from "../../policy/rules/tls/datastore-tls-required";
import { httpsOnlyEndpoints } from "../../policy/rules/tls/https-only-endpoints";
import { notificationEndpointsTls } from "../../policy/rules/tls/notification-endpoints-tls";
import { containerHardening } from "../../policy/rules/workload/container-hardening";
import { hostHardening } from "../../policy/rules/workload/host-hardening";
import { digitalocean as d, itFails, itPasses, messages, mutate } from "../harness/fixtures";
import { DO_USER_DATA } from "../harness/fixtures/digitalocean";

const PROD = { "deletion-protection": { environment: "prod" } };
const noKeys =
  "has no sshKeys, so DigitalOcean sets a root password and e-mails it (password SSH login); add the operators' SSH key ids or fingerprints";
const keyOnly =
  "keep SSH key-only (ssh_pwauth: false, disable_root: true, PasswordAuthentication no, PermitRootLogin no)";
// The pool's bootstrap key as a curl config (the fetch script's --config file), fake.
const CURL_CONFIG = `write_files:\n  - path: /etc/loom/fetch.curl\n    content: |\n      user = "DO00FAKEFAKEFAKE1234:fake-spaces-secret"\n`;
const AGGREGATOR = `write_files:
  - path: /etc/systemd/system/vector.service.d/10-loom-credentials.conf
    content: |
      [Service]
      LoadCredential=logs-access-key-id:/etc/loom/secrets/logs-access-key
      LoadCredential=logs-secret-access-key:/etc/loom/secrets/logs-secret-key
  - path: /etc/vector/vector.yaml
    content: |
      sinks:
        spaces:
          type: aws_s3
          auth:
            access_key_id: SECRET[systemd.logs-access-key-id]
            secret_access_key: SECRET[systemd.logs-secret-access-key]
`;
// A real-shaped (fake) Slack webhook: the slack-token detector matches it.
const SLACK = `https://hooks.slack.com/services/T0FAKE000/B0FAKE000/${"x".repeat(24)}`;

describe("host-hardening (DigitalOcean droplets and pool templates)", () => {
  itPasses(hostHardening, [d.droplet(), d.dropletAutoscale()]);
  itPasses(
    hostHardening,
    ["123456789", "ubuntu-22-04-x64", "ubuntu-24-04-x64", "debian-12-x64", "docker-24-04"].map((image) =>
      mutate(d.droplet(), (x) => (x.image = image), { name: `on-${image}` }),
    ),
    {},
    "on a snapshot id or a supported release",
  );
  itFails(hostHardening, [
    {
      title: "droplet without SSH keys",
      resource: mutate(d.droplet(), (x) => (x.sshKeys = [])),
      messages: [`droplet ${noKeys}`],
    },
    {
      title: "droplet without the metrics agent",
      resource: mutate(d.droplet(), (x) => (x.monitoring = undefined)),
      messages: [
        "droplet monitoring is false, so the metrics agent is not installed (no CPU/memory/disk alerts); set monitoring: true",
      ],
    },
    {
      title: "droplet on an end-of-life image",
      resource: mutate(d.droplet(), (x) => (x.image = "ubuntu-20-04-x64")),
      messages: [
        'droplet image "ubuntu-20-04-x64" is an end-of-life operating system (no security updates); use a supported release such as "ubuntu-24-04-x64"',
      ],
    },
    {
      title: "droplet boot config with password SSH and root login",
      resource: mutate(d.droplet(), (x) => {
        x.userData = DO_USER_DATA.replace("ssh_pwauth: false", "ssh_pwauth: true").replace(
          "PermitRootLogin no",
          "PermitRootLogin yes",
        );
      }),
      messages: [
        `droplet userData sets ssh_pwauth: true; ${keyOnly}`,
        `droplet userData sets PermitRootLogin yes; ${keyOnly}`,
      ],
    },
    {
      title: "pool template without SSH keys, agent, on docker-20-04, root enabled",
      resource: mutate(d.dropletAutoscale(), (x) => {
        x.dropletTemplate.sshKeys = [];
        x.dropletTemplate.withDropletAgent = false;
        x.dropletTemplate.image = "docker-20-04";
        x.dropletTemplate.userData = DO_USER_DATA.replace("disable_root: true", "disable_root: false");
      }),
      messages: [
        `autoscale pool dropletTemplate ${noKeys}`,
        `autoscale pool dropletTemplate userData sets disable_root: false; ${keyOnly}`,
        'autoscale pool dropletTemplate image "docker-20-04" is an end-of-life operating system (no security updates); use a supported release such as "ubuntu-24-04-x64"',
        "autoscale pool dropletTemplate.withDropletAgent is false, so pool members carry no metrics agent (the pool cannot scale on their CPU/memory and no alert sees them); set withDropletAgent: true",
      ],
    },
    {
      title: "pool boot config that leaves the metadata service open to containers",
      resource: mutate(d.dropletAutoscale(), (x) => {
        x.dropletTemplate.userData = DO_USER_DATA.replace(/runcmd:[\s\S]*$/, "");
      }),
      messages: [
        "autoscale pool dropletTemplate.userData does not drop container traffic to 169.254.169.254, so any container can read the boot config (and the pool's bootstrap key) from the metadata service; add `iptables -I DOCKER-USER -d 169.254.169.254 -j DROP` (re-applied after docker starts)",
      ],
    },
  ]);
});

describe("container-hardening (the compose file in a droplet's boot config)", () => {
  const COMPOSE = `  - path: /opt/loom/compose.yaml
    content: |
      services:
        web:
          image: ghcr.io/example/loom:1.0.0
          user: 10001:10001
          read_only: true
          cap_drop:
            - ALL
          volumes:
            - type: bind
              source: /etc/loom/ca/server-cas.pem
              target: /etc/loom/ca/server-cas.pem
              read_only: true
`;
  const withCompose = (compose: string) =>
    mutate(d.droplet(), (x) => (x.userData = DO_USER_DATA.replace("runcmd:", `${compose}runcmd:`)));
  const hardened =
    "; compose services run as a non-root user, unprivileged, in their own namespaces, without the Docker socket";
  itPasses(containerHardening, [d.droplet(), d.dropletAutoscale(), withCompose(COMPOSE)], {
    "container-hardening": "mandatory",
  });
  itFails(containerHardening, [
    {
      title: "a privileged, root, host-network service",
      resource: withCompose(
        COMPOSE.replace("user: 10001:10001", 'user: "0"').replace(
          "read_only: true\n          cap_drop",
          "read_only: true\n          privileged: true\n          network_mode: host\n          cap_drop",
        ),
      ),
      messages: [
        `droplet boot config runs a container with privileged: true${hardened}`,
        `droplet boot config runs a container with network_mode: host (shares the droplet's network namespace)${hardened}`,
        `droplet boot config runs a container with a root user (user: root / 0)${hardened}`,
      ],
    },
    {
      title: "a pool service mounting the Docker socket",
      resource: mutate(d.dropletAutoscale(), (p) => {
        p.dropletTemplate.userData = DO_USER_DATA.replace(
          "runcmd:",
          `${COMPOSE.replace("/etc/loom/ca/server-cas.pem\n              target", "/var/run/docker.sock\n              target")}runcmd:`,
        );
      }),
      messages: [
        `autoscale pool template boot config runs a container with the Docker socket (/var/run/docker.sock: root on the droplet)${hardened}`,
      ],
    },
  ]);
});

describe("no-open-ingress (DigitalOcean firewalls)", () => {
  itPasses(noOpenIngress, [d.firewall()]);
  itFails(noOpenIngress, [
    {
      title: "SSH open to the internet",
      resource: mutate(d.firewall(), (f) => {
        f.inboundRules?.push({ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] });
      }),
      messages: ["firewall inbound rule allows 0.0.0.0/0 on tcp port 22; restrict sourceAddresses"],
    },
    {
      title: "a non-edge port open to ::/0",
      resource: mutate(d.firewall(), (f) => {
        f.inboundRules?.push({ protocol: "tcp", portRange: "8080", sourceAddresses: ["::/0"] });
      }),
      messages: ["firewall inbound rule allows ::/0 on tcp port 8080; restrict sourceAddresses"],
    },
    {
      title: "no outbound rules (DO drops all egress)",
      resource: mutate(d.firewall(), (f) => (f.outboundRules = [])),
      messages: [
        "firewall has no outboundRules, so DigitalOcean drops all egress of its droplets (apt, DNS, the database); allow at least tcp 443 and udp 53",
      ],
    },
  ]);
});

describe("database-not-public (DigitalOcean managed databases)", () => {
  const valkey = mutate(
    d.databaseCluster(),
    (c) => {
      c.engine = "valkey";
      c.version = "8";
    },
    { name: "cache" },
  );
  const cacheFirewall = mutate(d.databaseFirewall(), (f) => (f.clusterId = "cache-uuid"), { name: "cache-fw" });
  itPasses(databaseNotPublic, [d.databaseReplica(), d.databaseFirewall()]);
  it("passes a stack whose every cluster has a trusted-sources firewall", async () => {
    const stack = [d.databaseCluster(), valkey, d.databaseFirewall(), cacheFirewall];
    assert.deepEqual(await messages(databaseNotPublic, stack), []);
  });
  itFails(databaseNotPublic, [
    {
      title: "cluster outside the stack's VPC",
      resource: [mutate(d.databaseCluster(), (c) => (c.privateNetworkUuid = undefined)), d.databaseFirewall()],
      messages: [
        "database cluster has no privateNetworkUuid, so it sits in the region's default VPC beside every other droplet of the account; set privateNetworkUuid to the stack's VPC",
      ],
    },
    {
      title: "replica outside the stack's VPC",
      resource: mutate(d.databaseReplica(), (c) => (c.privateNetworkUuid = undefined)),
      messages: [
        "database replica has no privateNetworkUuid, so it sits in the region's default VPC beside every other droplet of the account; set privateNetworkUuid to the stack's VPC",
      ],
    },
    {
      title: "a trusted source of ::/0",
      resource: mutate(d.databaseFirewall(), (f) => f.rules.push({ type: "ip_addr", value: "::/0" })),
      messages: ["database firewall trusts ::/0; trust only the app's droplets, tags, Kubernetes cluster or VPC"],
    },
    {
      title: "a cluster without any DatabaseFirewall (stack check)",
      resource: [d.databaseCluster()],
      messages: [
        `database cluster "databasecluster" has no digitalocean DatabaseFirewall (trusted sources), so it accepts connections from any address; add one whose rules name the app droplets' tag`,
      ],
    },
    {
      title: "two clusters, one firewall (stack check)",
      resource: [d.databaseCluster(), valkey, d.databaseFirewall()],
      messages: [
        "2 DigitalOcean database clusters but trusted-source firewalls for only 1: every cluster needs its own DatabaseFirewall",
      ],
    },
  ]);
});

describe("datastore-tls-required (DigitalOcean Valkey)", () => {
  itPasses(datastoreTlsRequired, [d.valkeyConfig(), mutate(d.valkeyConfig(), (c) => (c.ssl = undefined))]);
  itFails(datastoreTlsRequired, [
    {
      title: "Valkey accepting plaintext",
      resource: mutate(d.valkeyConfig(), (c) => (c.ssl = false)),
      messages: [
        "Valkey config sets ssl: false, so the cluster accepts plaintext connections; leave ssl unset or true (clients use rediss://)",
      ],
    },
  ]);
});

describe("object-storage-private (Spaces)", () => {
  itPasses(objectStoragePrivate, [
    d.spacesBucket(),
    d.spacesBucketObject(),
    mutate(d.spacesBucket(), (b) => (b.acl = undefined)),
  ]);
  itFails(objectStoragePrivate, [
    {
      title: "public-read bucket",
      resource: mutate(d.spacesBucket(), (b) => (b.acl = "public-read")),
      messages: [
        'Spaces bucket acl is "public-read", so anyone on the internet can list and read it; set acl: "private"',
      ],
    },
    {
      title: "public-read object",
      resource: mutate(d.spacesBucketObject(), (o) => (o.acl = "public-read")),
      messages: [
        'Spaces object "database-password" has acl "public-read", so anyone on the internet can read it; set acl: "private"',
      ],
    },
  ]);
});

describe("deletion-protection (DigitalOcean, prod)", () => {
  itPasses(deletionProtection, [d.spacesBucket(), d.databaseCluster(), d.databaseReplica()], PROD);
  const unprotected =
    "stateful resource is not protected in prod: set the Pulumi resource option protect: true (a destroy or replacement would lose its data)";
  itFails(deletionProtection, [
    {
      title: "force-destroyable Spaces bucket",
      resource: mutate(d.spacesBucket(), (b) => (b.forceDestroy = true)),
      messages: ["Spaces bucket has forceDestroy: true (a destroy deletes every object) in prod"],
      config: PROD,
    },
    {
      title: "unprotected replica",
      resource: mutate(d.databaseReplica(), () => {}, { protect: false }),
      messages: [unprotected],
      config: PROD,
    },
    {
      title: "unprotected bucket",
      resource: mutate(d.spacesBucket(), () => {}, { protect: false }),
      messages: [unprotected],
      config: PROD,
    },
  ]);
  it("asks nothing outside production", async () => {
    const bucket = mutate(d.spacesBucket(), (b) => (b.forceDestroy = true), { protect: false });
    assert.deepEqual(await messages(deletionProtection, bucket, { "deletion-protection": { environment: "dev" } }), []);
  });
});

describe("backup-retention (Spaces backup buckets; DO's own PITR is fixed at 7 days)", () => {
  const PROD_DAYS = { "backup-retention": { minRetentionDays: 14 } };
  itPasses(backupRetention, [d.spacesBucket()], PROD_DAYS);
  itPasses(
    backupRetention,
    [
      mutate(d.spacesBucket(), (b) => {
        b.name = "loom-prod-logs-0a1b2c";
        b.versioning = undefined;
      }),
    ],
    PROD_DAYS,
    "(a logs bucket needs no versioning)",
  );
  itFails(backupRetention, [
    {
      title: "backup bucket without versioning",
      resource: mutate(d.spacesBucket(), (b) => (b.versioning = { enabled: false })),
      messages: [
        'Spaces backup bucket "loom-prod-backups-0a1b2c" has no versioning, so an overwritten or deleted dump is gone; set versioning: { enabled: true }',
      ],
      config: PROD_DAYS,
    },
    {
      title: "backup bucket expiring dumps before the retention",
      resource: mutate(d.spacesBucket(), (b) => {
        const r = b.lifecycleRules?.[0];
        if (r) r.expiration = { days: 7 };
      }),
      messages: [
        'Spaces backup bucket "loom-prod-backups-0a1b2c" lifecycle expiration.days is 7, below the minimum of 14 days (minRetentionDays)',
      ],
      config: PROD_DAYS,
    },
  ]);
});

describe("least-privilege-identity (Spaces keys)", () => {
  itPasses(leastPrivilegeIdentity, [
    d.spacesKey(),
    mutate(d.spacesKey(), (k) => (k.grants = [{ bucket: "loom-prod-backups-0a1b2c", permission: "readwrite" }])),
  ]);
  itFails(leastPrivilegeIdentity, [
    {
      title: "a full-access key",
      resource: mutate(d.spacesKey(), (k) => (k.grants = [{ bucket: "", permission: "fullaccess" }])),
      messages: [
        'Spaces key grant on "" has permission "fullaccess"; grant "read" or "readwrite" on a named bucket (fullaccess reaches every bucket of the team)',
      ],
    },
    {
      title: "a grant on no bucket",
      resource: mutate(d.spacesKey(), (k) => (k.grants = [{ bucket: "", permission: "read" }])),
      messages: ['Spaces key grant "read" names no bucket; scope every grant to one bucket'],
    },
    {
      title: "a key without grants",
      resource: mutate(d.spacesKey(), (k) => (k.grants = undefined)),
      messages: [
        "Spaces key has no grants, so its scope is not stated; grant read or readwrite on the buckets it needs",
      ],
    },
  ]);
});

describe("https-only-endpoints (DigitalOcean load balancer)", () => {
  itPasses(httpsOnlyEndpoints, [
    d.loadBalancer(),
    mutate(d.loadBalancer(), (lb) => {
      const https = lb.forwardingRules?.[0];
      if (https) {
        https.certificateName = undefined;
        https.tlsPassthrough = true;
      }
    }),
  ]);
  itFails(httpsOnlyEndpoints, [
    {
      title: "https rule without a certificate",
      resource: mutate(d.loadBalancer(), (lb) => {
        const https = lb.forwardingRules?.[0];
        if (https) https.certificateName = undefined;
      }),
      messages: [
        "forwarding rule https:443 has no certificateName and no tlsPassthrough, so it cannot terminate TLS; set certificateName (a lets_encrypt or custom Certificate) or tlsPassthrough: true",
      ],
    },
    {
      title: "only an http rule",
      resource: mutate(d.loadBalancer(), (lb) => (lb.forwardingRules = lb.forwardingRules?.slice(1))),
      messages: [
        "load balancer has http forwarding rules but no https/http2/http3 rule, so the redirect leads nowhere; add an https forwarding rule on 443 with certificateName",
      ],
    },
    {
      title: "http without the redirect",
      resource: mutate(d.loadBalancer(), (lb) => (lb.redirectHttpToHttps = false)),
      messages: [
        "forwarding rule http:80 → http:8080 serves plaintext while redirectHttpToHttps is not true; set redirectHttpToHttps: true (and keep an https forwarding rule with a certificate)",
      ],
    },
  ]);
});

describe("autoscaler-bounded (droplet autoscale pools)", () => {
  itPasses(autoscalerBounded, [
    d.dropletAutoscale(),
    mutate(d.dropletAutoscale(), (p) => (p.config = { targetNumberInstances: 3 })),
  ]);
  itFails(autoscalerBounded, [
    {
      title: "pool without a maximum",
      resource: mutate(d.dropletAutoscale(), (p) => (p.config.maxInstances = undefined)),
      messages: ["droplet autoscale pool has no config.maxInstances; set an explicit maximum (at most 100)"],
    },
    {
      title: "pool minimum above its maximum",
      resource: mutate(d.dropletAutoscale(), (p) => (p.config.minInstances = 20)),
      messages: ["droplet autoscale pool minimum 20 is above its config.maxInstances 12"],
    },
  ]);
});

describe("notification-endpoints-tls and no-credential-literals (DigitalOcean alert Slack webhooks)", () => {
  itPasses(notificationEndpointsTls, [d.monitorAlert(), d.uptimeAlert()]);
  const plain = (what: string) =>
    `${what} Slack notification to "#loom-alerts" calls a non-https URL: alerts (and the webhook's token, which is its path) travel in plaintext; use the https:// webhook URL`;
  itFails(notificationEndpointsTls, [
    {
      title: "monitor alert posting to http://",
      resource: mutate(d.monitorAlert(), (a) => {
        const s = a.alerts.slacks?.[0];
        if (s) s.url = "http://hooks.slack.com/services/TFAKE/BFAKE/fake";
      }),
      messages: [plain("monitor alert")],
    },
    {
      title: "uptime alert posting to http://",
      resource: mutate(d.uptimeAlert(), (a) => {
        const s = a.notifications[0]?.slacks?.[0];
        if (s) s.url = "http://hooks.slack.com/services/TFAKE/BFAKE/fake";
      }),
      messages: [plain("uptime alert")],
    },
  ]);

  // The webhook URL is the channel's credential and belongs in that field (as a Pulumi secret, which the engine
  // unwraps before policies run); anywhere else it is a leaked literal.
  itPasses(
    noCredentialLiterals,
    [
      mutate(d.monitorAlert(), (a) => {
        const s = a.alerts.slacks?.[0];
        if (s) s.url = SLACK;
      }),
      mutate(d.uptimeAlert(), (a) => {
        const s = a.notifications[0]?.slacks?.[0];
        if (s) s.url = SLACK;
      }),
      d.spacesBucketObject(),
      mutate(d.dropletAutoscale(), (p) => (p.dropletTemplate.userData = `${DO_USER_DATA}${CURL_CONFIG}`)),
      // The jobs droplet's log aggregator: systemd credentials from the secret files, Vector's SECRET[…] references.
      mutate(d.droplet(), (x) => (x.userData = `${DO_USER_DATA}${AGGREGATOR}`)),
    ],
    {},
    "with a real-shaped webhook in its Slack field, a credential in a private secrets object, the pool's bootstrap Spaces key, or secret-file references",
  );
  itFails(noCredentialLiterals, [
    {
      title: "a Slack webhook in an alert's description",
      resource: mutate(d.monitorAlert(), (a) => (a.description = `see ${SLACK}`)),
      messages: [
        'input "description" contains a Slack token or webhook (https…); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference',
      ],
    },
    {
      title: "a credential in a public Spaces object",
      resource: mutate(d.spacesBucketObject(), (o) => {
        o.acl = "public-read";
        o.content = `webhook: ${SLACK}`;
      }),
      messages: [
        'input "content" contains a Slack token or webhook (https…); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference',
      ],
    },
    {
      title: "a Spaces key in a fixed droplet's boot config (Ansible pushes their secrets)",
      resource: mutate(d.droplet(), (x) => (x.userData = `${DO_USER_DATA}${CURL_CONFIG}`)),
      messages: [
        'input "userData" contains a DigitalOcean Spaces access key id (DO00…); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference',
      ],
    },
    {
      title: "a DigitalOcean API token in a pool's boot config (only the Spaces bootstrap key is allowed there)",
      resource: mutate(d.dropletAutoscale(), (p) => {
        p.dropletTemplate.userData = `${DO_USER_DATA}${CURL_CONFIG}# dop_v1_${"0123456789abcdef".repeat(4)}\n`;
      }),
      messages: [
        'input "dropletTemplate.userData" contains a DigitalOcean API token (dop_v1_…); keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference',
      ],
    },
    {
      title: "a literal where the aggregator references its secret (systemd SetCredential, a Vector literal)",
      resource: mutate(d.droplet(), (x) => {
        x.userData = `${DO_USER_DATA}${AGGREGATOR}`
          .replace(
            "LoadCredential=logs-access-key-id:/etc/loom/secrets/logs-access-key",
            "SetCredential=logs-access-key-id:not-a-real-key",
          )
          .replace("SECRET[systemd.logs-secret-access-key]", "not-a-real-secret-key");
      }),
      messages: [
        'input "userData" assigns a literal value to "SetCredential" (the name matches the sensitive pattern "CREDENTIALS?"); read it from a secret store at runtime instead of embedding it',
        'input "userData" assigns a literal value to "secret_access_key" (the name matches the sensitive pattern "SECRETS?"); read it from a secret store at runtime instead of embedding it',
      ],
    },
    {
      title: "a sensitive assignment in a droplet's boot config",
      resource: mutate(d.droplet(), (x) => {
        x.userData = `${DO_USER_DATA}runcmd:\n  - echo ok\nLLM_API_KEY=not-a-real-key-value\n`;
      }),
      messages: [
        'input "userData" assigns a literal value to "LLM_API_KEY" (the name matches the sensitive pattern "API_?KEYS?"); read it from a secret store at runtime instead of embedding it',
      ],
    },
  ]);
});
