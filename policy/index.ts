import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("loom-guard", { policies, enforcementLevel: "mandatory" });
