/**
 * Droplet sizes of the DigitalOcean AppService (pure): the smallest Basic droplet slug whose memory, less what the
 * host keeps for itself (the OS, dockerd, Vector, the DigitalOcean agent: HOST_RESERVED_MIB), holds the sum of the
 * compose memory limits, and whose vCPUs hold the sum of the services' CPUs. A group whose services fit no slug
 * here fails early, naming the profile key.
 */
import { invalid } from "../lib/component";

export interface DropletSlug {
  slug: string;
  vcpus: number;
  memoryMiB: number;
}

/** Basic (shared-CPU) droplets, smallest first (docs.digitalocean.com/products/droplets/details/pricing). */
export const DROPLET_SLUGS: readonly DropletSlug[] = [
  { slug: "s-1vcpu-1gb", vcpus: 1, memoryMiB: 1024 },
  { slug: "s-1vcpu-2gb", vcpus: 1, memoryMiB: 2048 },
  { slug: "s-2vcpu-2gb", vcpus: 2, memoryMiB: 2048 },
  { slug: "s-2vcpu-4gb", vcpus: 2, memoryMiB: 4096 },
  { slug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192 },
  { slug: "s-8vcpu-16gb", vcpus: 8, memoryMiB: 16384 },
];

/** Memory the host keeps outside the compose limits. */
export const HOST_RESERVED_MIB = 256;

/**
 * The smallest slug with RAM − HOST_RESERVED_MIB ≥ `memoryMiB` and vCPUs ≥ `cpus`. `path` names the profile key
 * in the error (`web.memoryMiB`).
 */
export function dropletSize(path: string, cpus: number, memoryMiB: number): DropletSlug {
  const fit = DROPLET_SLUGS.find((s) => s.memoryMiB - HOST_RESERVED_MIB >= memoryMiB && s.vcpus >= cpus);
  if (!fit) {
    const largest = DROPLET_SLUGS[DROPLET_SLUGS.length - 1] as DropletSlug;
    invalid(
      path,
      `${cpus} vCPU and ${memoryMiB} MiB of compose limits fit no droplet up to ${largest.slug} (${largest.vcpus} vCPU, ${largest.memoryMiB - HOST_RESERVED_MIB} MiB after the host's ${HOST_RESERVED_MIB})`,
    );
  }
  return fit;
}
