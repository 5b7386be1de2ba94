/**
 * Beyond the four — network: database-not-public, no-open-ingress (advisory by default, mandatory in prod).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { databaseNotPublic } from "../../policy/rules/network/database-not-public";
import { noOpenIngress } from "../../policy/rules/network/no-open-ingress";
import { aws, azure, check, digitalocean, gcp, itFails, itPasses, k8s, mutate } from "../harness/fixtures";

const prodConfig = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "policy", "config", "prod.json"), "utf8"),
);

describe("database-not-public", () => {
  itPasses(databaseNotPublic, [
    aws.rdsInstance(),
    aws.rdsClusterInstance(),
    aws.redshift(),
    gcp.sqlInstance(),
    azure.pgServer(),
    azure.pgFirewallRule(),
    azure.redis(),
    digitalocean.databaseFirewall(),
  ]);

  itFails(databaseNotPublic, [
    {
      title: "RDS instance publicly accessible",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.publiclyAccessible = true;
      }),
      messages: ["RDS instance has publiclyAccessible: true; set publiclyAccessible: false"],
    },
    {
      title: "Aurora cluster instance publicly accessible",
      resource: mutate(aws.rdsClusterInstance(), (db) => {
        db.publiclyAccessible = true;
      }),
      messages: ["Aurora cluster instance has publiclyAccessible: true; set publiclyAccessible: false"],
    },
    {
      title: "Redshift publicly accessible",
      resource: mutate(aws.redshift(), (c) => {
        c.publiclyAccessible = true;
      }),
      messages: ["Redshift cluster has publiclyAccessible: true; set publiclyAccessible: false"],
    },
    {
      title: "Cloud SQL with the default public IP",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.ipConfiguration) db.settings.ipConfiguration.ipv4Enabled = undefined;
      }),
      messages: [
        'Cloud SQL instance has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is "true (default)"); set ipv4Enabled: false and use privateNetwork',
      ],
    },
    {
      title: "Cloud SQL public IP authorised for the whole internet",
      resource: mutate(gcp.sqlInstance(), (db) => {
        if (db.settings?.ipConfiguration) {
          db.settings.ipConfiguration.ipv4Enabled = true;
          db.settings.ipConfiguration.authorizedNetworks = [{ name: "anywhere", value: "0.0.0.0/0" }];
        }
      }),
      messages: [
        "Cloud SQL instance has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is true); set ipv4Enabled: false and use privateNetwork",
        'Cloud SQL authorized network "anywhere" allows 0.0.0.0/0; remove it',
      ],
    },
    {
      title: "Azure PostgreSQL with public network access enabled",
      resource: mutate(azure.pgServer(), (s) => {
        s.network = { publicNetworkAccess: "Enabled" };
      }),
      messages: [
        'Azure PostgreSQL server has public network access (network.publicNetworkAccess is "Enabled"); use network.delegatedSubnetResourceId or set publicNetworkAccess "Disabled"',
      ],
    },
    {
      title: "Azure PostgreSQL without network settings (public by default)",
      resource: mutate(azure.pgServer(), (s) => {
        s.network = undefined;
      }),
      messages: [
        'Azure PostgreSQL server has public network access (network.publicNetworkAccess is "Enabled (default without VNet integration)"); use network.delegatedSubnetResourceId or set publicNetworkAccess "Disabled"',
      ],
    },
    {
      title: "PostgreSQL firewall rule for the whole internet",
      resource: mutate(azure.pgFirewallRule(), (r) => {
        r.startIpAddress = "0.0.0.0";
        r.endIpAddress = "255.255.255.255";
      }),
      messages: ["PostgreSQL firewall rule 0.0.0.0–255.255.255.255 opens the server to the whole internet; remove it"],
    },
    {
      title: "PostgreSQL firewall rule allowing all Azure services",
      resource: mutate(azure.pgFirewallRule(), (r) => {
        r.startIpAddress = "0.0.0.0";
        r.endIpAddress = "0.0.0.0";
      }),
      messages: [
        "PostgreSQL firewall rule 0.0.0.0–0.0.0.0 allows every Azure service of any tenant; use VNet integration or a private endpoint instead",
      ],
    },
    {
      title: "Azure Redis with default public network access",
      resource: mutate(azure.redis(), (r) => {
        r.publicNetworkAccess = undefined;
      }),
      messages: [
        'Azure Cache for Redis publicNetworkAccess is "Enabled (default)"; set "Disabled" and connect through a private endpoint',
      ],
    },
    {
      title: "DigitalOcean database trusting 0.0.0.0/0",
      resource: mutate(digitalocean.databaseFirewall(), (f) => {
        f.rules = [{ type: "ip_addr", value: "0.0.0.0/0" }];
      }),
      messages: ["database firewall trusts 0.0.0.0/0; trust only the app's droplets, tags, Kubernetes cluster or VPC"],
    },
  ]);

  it("is advisory by default and mandatory under policy/config/prod.json", async () => {
    const db = mutate(aws.rdsInstance(), (d) => {
      d.publiclyAccessible = true;
    });
    assert.deepEqual(
      (await check(databaseNotPublic, db)).map((v) => v.enforcementLevel),
      ["advisory"],
    );
    assert.deepEqual(
      (await check(databaseNotPublic, db, prodConfig)).map((v) => v.enforcementLevel),
      ["mandatory"],
    );
  });
});

describe("no-open-ingress", () => {
  itPasses(noOpenIngress, [
    aws.edgeSecurityGroup(),
    aws.securityGroupRule(),
    aws.ingressRule(),
    gcp.firewall(),
    azure.nsg(),
    azure.securityRule(),
    digitalocean.firewall(),
    k8s.loadBalancerService(),
    k8s.clusterIpService(),
    mutate(k8s.loadBalancerService(), (s) => {
      if (s.spec) {
        s.spec.ports = [{ name: "postgres", port: 5432 }];
        s.spec.loadBalancerSourceRanges = ["203.0.113.0/24"];
      }
    }),
    mutate(gcp.firewall(), (f) => {
      f.direction = "EGRESS";
      f.allows = [{ protocol: "all" }];
    }),
  ]);

  const sg = (rule: {
    protocol: string;
    fromPort: number;
    toPort: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
  }) =>
    mutate(aws.edgeSecurityGroup(), (g) => {
      g.ingress = [rule];
    });
  itFails(noOpenIngress, [
    {
      title: "SSH open to the internet",
      resource: sg({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }),
      messages: ["security group ingress allows 0.0.0.0/0 on port 22 (protocol tcp); restrict the source"],
    },
    {
      title: "all traffic open to the internet",
      resource: sg({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
      messages: ["security group ingress allows 0.0.0.0/0 on all ports (protocol -1); restrict the source"],
    },
    {
      title: "a port range spanning 80–443",
      resource: sg({ protocol: "tcp", fromPort: 80, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }),
      messages: ["security group ingress allows 0.0.0.0/0 on ports 80-443 (protocol tcp); restrict the source"],
    },
    {
      title: "the app port open over IPv6",
      resource: sg({ protocol: "tcp", fromPort: 8080, toPort: 8080, ipv6CidrBlocks: ["::/0"] }),
      messages: ["security group ingress allows ::/0 on port 8080 (protocol tcp); restrict the source"],
    },
    {
      title: "ICMP open to the internet",
      resource: sg({ protocol: "icmp", fromPort: -1, toPort: -1, cidrBlocks: ["0.0.0.0/0"] }),
      messages: ["security group ingress allows 0.0.0.0/0 on ICMP (protocol icmp); restrict the source"],
    },
    {
      title: "security group rule opening RDP",
      resource: mutate(aws.securityGroupRule(), (r) => {
        r.sourceSecurityGroupId = undefined;
        r.cidrBlocks = ["0.0.0.0/0"];
        r.fromPort = 3389;
        r.toPort = 3389;
      }),
      messages: ["security group rule allows 0.0.0.0/0 on port 3389 (protocol tcp); restrict the source"],
    },
    {
      title: "VPC ingress rule opening every protocol",
      resource: mutate(aws.ingressRule(), (r) => {
        r.ipProtocol = "-1";
        r.fromPort = undefined;
        r.toPort = undefined;
      }),
      messages: ["security group ingress rule allows 0.0.0.0/0 on all ports (protocol -1); restrict the source"],
    },
    {
      title: "GCP firewall allowing every TCP port",
      resource: mutate(gcp.firewall(), (f) => {
        f.allows = [{ protocol: "tcp" }];
      }),
      messages: ["firewall allows 0.0.0.0/0 on tcp all ports; restrict sourceRanges"],
    },
    {
      title: "GCP firewall allowing SSH",
      resource: mutate(gcp.firewall(), (f) => {
        f.allows = [{ protocol: "tcp", ports: ["443", "22"] }];
      }),
      messages: ["firewall allows 0.0.0.0/0 on tcp port 22; restrict sourceRanges"],
    },
    {
      title: "GCP firewall allowing ICMP",
      resource: mutate(gcp.firewall(), (f) => {
        f.allows = [{ protocol: "icmp" }];
      }),
      messages: ["firewall allows 0.0.0.0/0 on ICMP; restrict sourceRanges"],
    },
    {
      title: "NSG rule opening SSH from any source",
      resource: mutate(azure.nsg(), (n) => {
        const r = n.securityRules?.[1];
        if (r) r.sourceAddressPrefix = "*";
      }),
      messages: ['security rule "ssh-from-bastion" allows inbound from * on port 22; restrict the source'],
    },
    {
      title: "NSG security rule resource opening every port to the Internet",
      resource: mutate(azure.securityRule(), (r) => {
        r.sourceAddressPrefix = "Internet";
        r.destinationPortRange = "*";
      }),
      messages: ['security rule "https" allows inbound from Internet on all ports; restrict the source'],
    },
    {
      title: "DigitalOcean firewall opening SSH",
      resource: mutate(digitalocean.firewall(), (f) => {
        f.inboundRules?.push({ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] });
      }),
      messages: ["firewall inbound rule allows 0.0.0.0/0 on tcp port 22; restrict sourceAddresses"],
    },
    {
      title: "DigitalOcean firewall opening ICMP",
      resource: mutate(digitalocean.firewall(), (f) => {
        f.inboundRules?.push({ protocol: "icmp", sourceAddresses: ["::/0"] });
      }),
      messages: ["firewall inbound rule allows ::/0 on ICMP; restrict sourceAddresses"],
    },
    {
      title: "Kubernetes LoadBalancer Service exposing PostgreSQL",
      resource: mutate(k8s.loadBalancerService(), (s) => {
        if (s.spec) s.spec.ports = [{ name: "postgres", port: 5432 }];
      }),
      messages: [
        'LoadBalancer Service exposes port 5432 ("postgres") to the whole internet; set spec.loadBalancerSourceRanges or use a ClusterIP Service behind the Ingress',
      ],
    },
    {
      title: "port 80 when only 443 may be public",
      resource: aws.edgeSecurityGroup(),
      config: { "no-open-ingress": { allowedPublicPorts: [443] } },
      messages: ["security group ingress allows 0.0.0.0/0 on port 80 (protocol tcp); restrict the source"],
    },
  ]);
});
