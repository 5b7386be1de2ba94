/**
 * AWS mock values: ARNs in the stack's region and the documentation account 111122223333, endpoints shaped like
 * the real ones (RDS, ElastiCache, ALB, RDS Proxy). Ids stay `<name>-id` (the plan JSON of every AWS stack is pinned
 * to them).
 */
import { type CloudMocks, type MockResource, short } from "./types";

/** An obviously fake account id (AWS documentation's example). */
export const FAKE_ACCOUNT = "111122223333";

/** The region a resource lives in: its own `region` input (provider v7), else the stack's `aws:region`. */
export function awsRegion(r: Pick<MockResource, "inputs" | "config">): string {
  const own = r.inputs.region;
  return typeof own === "string" && own !== "" ? own : (r.config["aws:region"] ?? "us-east-1");
}

/** AZ names and ids of the regions the docs and tests use; other regions get `<region>a…c`. */
const ZONES: Record<string, { names: string[]; ids: string[] }> = {
  "us-east-1": {
    names: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
    ids: ["use1-az1", "use1-az2", "use1-az4", "use1-az6", "use1-az3", "use1-az5"],
  },
  "eu-west-1": { names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], ids: ["euw1-az1", "euw1-az2", "euw1-az3"] },
  "eu-central-1": {
    names: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    ids: ["euc1-az2", "euc1-az3", "euc1-az1"],
  },
  "ca-central-1": {
    names: ["ca-central-1a", "ca-central-1b", "ca-central-1d"],
    ids: ["cac1-az1", "cac1-az2", "cac1-az4"],
  },
};

export const aws: CloudMocks = {
  computed({ type, name, inputs, config }, state) {
    const region = awsRegion({ inputs, config });
    const service = type.split(":")[1]?.split("/")[0] ?? "aws";
    state.arn ??= `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${short(type).toLowerCase()}/${name}`;
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
        // Shaped like RDS's (26 upper-case characters); the replica's differs from its source's.
        state.resourceId = inputs.replicateSourceDb ? "db-ZYXWVUTSRQPONMLKJIHGFEDCB1" : "db-ABCDEFGHIJKLMNOPQRSTUVWXY0";
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
        // The proxy's resource id (prx-…) is its ARN's last segment, as RDS names it.
        state.arn = `arn:aws:rds:${region}:${FAKE_ACCOUNT}:db-proxy:prx-0123456789abcdef0`;
        break;
      case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
        state.name = "default";
        break;
      case "aws:elasticache/replicationGroup:ReplicationGroup":
        state.primaryEndpointAddress = `master.${name}.abcdef.${region}.cache.amazonaws.com`;
        state.readerEndpointAddress = `replica.${name}.abcdef.${region}.cache.amazonaws.com`;
        break;
      // CloudWatch alarm ARNs (metric and composite alike) end in `alarm:<name>`; SNS topics in `<region>:<acct>:<name>`.
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
      case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
        state.arn = `arn:aws:cloudwatch:${region}:${FAKE_ACCOUNT}:alarm:${inputs.name ?? inputs.alarmName ?? name}`;
        break;
      case "aws:sns/topic:Topic":
        state.arn = `arn:aws:sns:${region}:${FAKE_ACCOUNT}:${inputs.name ?? name}`;
        break;
      case "aws:sns/topicSubscription:TopicSubscription":
        // The topic's ARN and a UUID.
        state.arn = `${inputs.topic}:${name}-0000-1111-2222-333344445555`;
        break;
      case "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
        state.chatConfigurationArn = `arn:aws:chatbot::${FAKE_ACCOUNT}:chat-configuration/slack-channel/${inputs.configurationName}`;
        state.arn = state.chatConfigurationArn;
        break;
      case "aws:kms/key:Key":
        state.keyId = `${name}-0000-1111-2222-333344445555`;
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
    return undefined;
  },
  invokes: {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
      accountId: FAKE_ACCOUNT,
      arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/mock`,
      userId: "MOCKUSER",
      id: FAKE_ACCOUNT,
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getRegion:getRegion": (inputs, config) => {
      const region = awsRegion({ inputs, config });
      return { name: region, region, id: region };
    },
    "aws:elb/getServiceAccount:getServiceAccount": () => ({
      arn: `arn:aws:iam::${FAKE_ACCOUNT}:root`,
      id: FAKE_ACCOUNT,
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs, config) => {
      const region = awsRegion({ inputs, config });
      const zones = ZONES[region] ?? {
        names: ["a", "b", "c"].map((s) => `${region}${s}`),
        ids: [1, 2, 3].map((n) => `${region.replace(/-/g, "").slice(0, 4)}-az${n}`),
      };
      return { ...zones, zoneIds: zones.ids, id: region, groupNames: [region] };
    },
  },
};
