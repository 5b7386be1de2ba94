/**
 * One security group per tier on AWS, written between tiers (edge → app → database/cache, backup → database), never
 * to whole ranges except the edge's client ranges, HTTPS egress and the app's egress to the VPC range. Created in
 * dependency order, so no cycles: the backup group's egress rules are standalone rules (the group has no inline
 * egress, so the provider removes AWS's default allow-all egress and manages none inline), written after the
 * database group that admits the backup group.
 */
import { SecurityGroup, type SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import type { Vpc } from "@pulumi/aws/ec2/vpc";
import { SecurityGroupEgressRule } from "@pulumi/aws/vpc/securityGroupEgressRule";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsScope } from "../lib/aws";

export const HTTPS = 443;
export const HTTP = 80;
export const POSTGRES = 5432;
export const REDIS = 6379;
export const ANYWHERE = "0.0.0.0/0";

type Rules = Pick<SecurityGroupArgs, "ingress" | "egress">;

export interface TierGroups {
  edge: SecurityGroup;
  app: SecurityGroup;
  database: SecurityGroup;
  cache: SecurityGroup;
  /** The logical-backup task: PostgreSQL in the database group and HTTPS (S3, Secrets Manager, KMS, CloudWatch). */
  backup: SecurityGroup;
  endpoints: SecurityGroup;
}

interface RuleArgs {
  cidr: string;
  ingressCidrs: string[];
  appPort: number;
}

const tcp = (description: string, port: number, to: Record<string, unknown>) => ({
  description,
  protocol: "tcp",
  fromPort: port,
  toPort: port,
  ...to,
});

export function securityGroups(s: AwsScope, vpc: Vpc, a: RuleArgs): TierGroups {
  const sg = (tier: string, description: string, rules: Rules) =>
    new SecurityGroup(
      `${s.name}-${tier}`,
      {
        name: `${s.prefix}-${tier}`,
        description,
        vpcId: vpc.id,
        ...rules,
        tags: s.tags({ Name: `${s.prefix}-${tier}`, tier }),
      },
      s.opts(),
    );
  const vpcRange = { cidrBlocks: [a.cidr] };
  const edge = sg("edge", "Load balancer: HTTPS/HTTP from the allowed client ranges", {
    ingress: [
      tcp("HTTPS from allowed clients", HTTPS, { cidrBlocks: a.ingressCidrs }),
      tcp("HTTP from allowed clients (redirected to HTTPS)", HTTP, { cidrBlocks: a.ingressCidrs }),
    ],
    egress: [tcp("To app tasks and their health checks", a.appPort, vpcRange)],
  });
  const app = sg("app", "App tasks (web, worker, migrate)", {
    ingress: [tcp("App port from the load balancer", a.appPort, { securityGroups: [edge.id] })],
    egress: [
      tcp("HTTPS to LLM APIs and AWS APIs", HTTPS, { cidrBlocks: [ANYWHERE] }),
      tcp("PostgreSQL in the VPC", POSTGRES, vpcRange),
      tcp("Redis in the VPC", REDIS, vpcRange),
    ],
  });
  // No inline egress (see the header): its two egress rules follow the database group.
  const backup = sg("backup", "Logical-backup task: PostgreSQL and HTTPS only", { ingress: [] });
  // RDS Proxy sits in this group too: it reaches the instances through the self rules.
  const database = sg("database", "PostgreSQL and its connection pooler", {
    ingress: [
      tcp("PostgreSQL from app tasks", POSTGRES, { securityGroups: [app.id] }),
      tcp("PostgreSQL from the pooler in this group", POSTGRES, { self: true }),
      tcp("PostgreSQL from the logical-backup task", POSTGRES, { securityGroups: [backup.id] }),
    ],
    egress: [tcp("Pooler to the database in this group", POSTGRES, { self: true })],
  });
  const cache = sg("cache", "Redis", {
    ingress: [tcp("Redis from app tasks", REDIS, { securityGroups: [app.id] })],
    egress: [],
  });
  const endpoints = sg("endpoints", "VPC interface endpoints: HTTPS from inside the VPC", {
    ingress: [tcp("HTTPS from the VPC", HTTPS, vpcRange)],
    egress: [],
  });
  backupEgress(s, backup, database.id);
  return { edge, app, database, cache, backup, endpoints };
}

/** The backup group's egress: PostgreSQL to the database group only, HTTPS out as the app's (endpoints or NAT). */
function backupEgress(s: AwsScope, backup: SecurityGroup, database: pulumi.Output<string>): void {
  const rule = (id: string, description: string, port: number, to: Record<string, unknown>) =>
    new SecurityGroupEgressRule(
      `${s.name}-backup-${id}`,
      {
        securityGroupId: backup.id,
        description,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        ...to,
        tags: s.tags({ Name: `${s.prefix}-backup-${id}`, tier: "backup" }),
      },
      s.opts(),
    );
  rule("postgres", "PostgreSQL in the database group", POSTGRES, { referencedSecurityGroupId: database });
  rule("https", "HTTPS to S3, Secrets Manager, KMS and CloudWatch (VPC endpoints or NAT)", HTTPS, {
    cidrIpv4: ANYWHERE,
  });
}
