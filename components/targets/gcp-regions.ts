/**
 * GCP region facts the GCP target needs (pure data). GCP publishes no region pairs; these are the conventional
 * same-jurisdiction partners (same continent, and for the EU the same legal area), chosen so a regional outage does
 * not take the disaster-recovery copy with it. A region not listed needs `loom:gcp.drRegion`.
 */

/** A GCP region name: europe-west1, us-central1, northamerica-northeast2, me-central1. */
export const GCP_REGION = /^[a-z]+-[a-z]+\d{1,2}$/;

/** A GCP project id: 6–30 of a-z 0-9 -, starting with a letter, not ending with '-'. */
export const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export const GCP_DR_REGIONS: Readonly<Record<string, string>> = {
  "europe-west1": "europe-west4",
  "europe-west4": "europe-west1",
  "europe-west2": "europe-west1",
  "europe-west3": "europe-west4",
  "europe-west9": "europe-west1",
  "europe-north1": "europe-west4",
  "europe-central2": "europe-west3",
  "us-central1": "us-east1",
  "us-east1": "us-central1",
  "us-east4": "us-central1",
  "us-west1": "us-west2",
  "us-west2": "us-west1",
  "northamerica-northeast1": "northamerica-northeast2",
  "northamerica-northeast2": "northamerica-northeast1",
  "southamerica-east1": "southamerica-west1",
  "asia-northeast1": "asia-northeast2",
  "asia-northeast2": "asia-northeast1",
  "asia-southeast1": "asia-east1",
  "asia-east1": "asia-southeast1",
  "asia-south1": "asia-south2",
  "australia-southeast1": "australia-southeast2",
  "australia-southeast2": "australia-southeast1",
};
