/**
 * IAM policy documents as plain data (pure): the shapes every AWS policy file builds on, and the trust policies
 * every role of the program uses, confined to this account (and for ECS tasks to this region's tasks) against the
 * confused-deputy problem.
 */

export interface PolicyContext {
  accountId: string;
  partition: string;
  region: string;
}

export type Statement = Record<string, unknown>;
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export const policyDocument = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** Trust policy of a service role, confined to this account. */
export function serviceTrustPolicy(ctx: PolicyContext, service: string): PolicyDocument {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
  });
}

/** Trust policy for ECS task and execution roles, scoped to tasks of this account and region. */
export function ecsTasksTrustPolicy(ctx: PolicyContext): PolicyDocument {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: "ecs-tasks.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": ctx.accountId },
      ArnLike: { "aws:SourceArn": `arn:${ctx.partition}:ecs:${ctx.region}:${ctx.accountId}:*` },
    },
  });
}
