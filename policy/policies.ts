/**
 * Every loom-guard rule, in one array: imported by policy/index.ts (the pack), by the plan tool and by the tests.
 * Tests import this file, never index.ts (the PolicyPack constructor starts a gRPC server).
 */
import type { Policies } from "@pulumi/policy";

export const policies: Policies = [];
