import type * as pulumi from "@pulumi/pulumi";

/** PEM certificates as one bundle (trimmed, empty ones dropped, one trailing newline); "" when there are none. */
export function pemBundle(pems: readonly string[]): string {
  const kept = pems.map((p) => p.trim()).filter((p) => p !== "");
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

/**
 * A reference to a value held in the cloud's secret store. Components hand these over instead of values, and the
 * app consumes them through the platform's secret mechanism (ECS `secrets`, k8s `secretKeyRef`, Cloud Run
 * `secretKeyRef`, Container Apps `secretRef`), so no credential is ever an environment literal.
 */
export interface SecretRef {
  /**
   * The secret's identity in the store: AWS Secrets Manager ARN, GCP Secret Manager id, Azure Key Vault secret id,
   * Kubernetes Secret name.
   */
  id: pulumi.Input<string>;
  /** A key inside a multi-value secret (AWS JSON key, k8s data key). @default - the whole secret value */
  key?: string;
}
