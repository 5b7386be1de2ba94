/**
 * Shapes of the custom resources the rules read (no SDK ships types for them). Field names follow the operators'
 * CRDs: CloudNativePG `postgresql.cnpg.io/v1` Cluster and the Barman Cloud plugin `barmancloud.cnpg.io/v1`
 * ObjectStore, KEDA `keda.sh/v1alpha1` ScaledObject.
 */
import type { core, meta } from "@pulumi/kubernetes/types/input";
import type { Unwrap } from "@pulumi/pulumi";

type ResourceRequirements = Unwrap<core.v1.ResourceRequirements>;

export interface CnpgCluster {
  apiVersion?: string;
  kind?: string;
  metadata?: Unwrap<meta.v1.ObjectMeta>;
  spec?: {
    instances?: number;
    resources?: ResourceRequirements;
    postgresql?: {
      parameters?: Record<string, string>;
      pg_hba?: string[];
    };
    backup?: {
      retentionPolicy?: string;
      barmanObjectStore?: Record<string, unknown>;
    };
    plugins?: { name?: string; isWALArchiver?: boolean; parameters?: Record<string, string> }[];
    enableSuperuserAccess?: boolean;
  };
}

export interface BarmanObjectStore {
  spec?: { retentionPolicy?: string; configuration?: Record<string, unknown> };
}

export interface KedaScaledObject {
  metadata?: Unwrap<meta.v1.ObjectMeta>;
  spec?: {
    scaleTargetRef?: { name?: string; kind?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
  };
}

export const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
export const BARMAN_OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
export const KEDA_SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
