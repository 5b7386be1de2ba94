/**
 * Virtual machines are reachable by SSH key only, run an OS that still gets security updates, and carry the
 * provider's metrics agent (DigitalOcean droplets and autoscale pool templates):
 * - `sshKeys` non-empty: a droplet created without SSH keys gets a root password DigitalOcean e-mails (password SSH);
 * - no boot config that turns password SSH or root login back on (`ssh_pwauth: true`, `PasswordAuthentication yes`,
 *   `PermitRootLogin yes`);
 * - the image is not an end-of-life OS (Ubuntu 20.04 and the other releases past their support window);
 * - the metrics agent: `monitoring: true` on a droplet, `withDropletAgent: true` on a pool template (its autoscaler
 *   scales on the agent's CPU/memory metrics, and DO Monitoring alerts need it);
 * - a pool template's boot config (which carries the pool's bootstrap key: pools cannot be pushed to) drops container
 *   traffic to the metadata service, which serves userData to anything on the droplet (`iptables -I DOCKER-USER -d
 *   169.254.169.254 -j DROP`).
 */
import type { DropletArgs } from "@pulumi/digitalocean/droplet";
import type { DropletAutoscaleArgs } from "@pulumi/digitalocean/dropletAutoscale";
import { q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

/** Image slugs of operating systems past their (standard) support window, as of 2026-12. */
export const EOL_IMAGES: readonly RegExp[] = [
  /^(ubuntu|docker)-(1\d|2[01]|23)-\d\d/, // Ubuntu 10.04 … 21.10 and 23.x (LTS 20.04 ended 2025-05)
  /^ubuntu-(22-10|24-10|25-04|25-10)-/,
  /^debian-([1-9]|1[01])-/, // Debian ≤ 11 (11 LTS ended 2026-08)
  /^centos-([5-8])-/,
  /^centos-stream-8-/,
  /^fedora-([1-3]\d|4[0-2])-/,
];

type Report = { report(m: string): void };

function checkImage(what: string, image: unknown, ctx: Report): void {
  if (typeof image === "string" && EOL_IMAGES.some((re) => re.test(image))) {
    ctx.report(
      `${what} image ${q(image)} is an end-of-life operating system (no security updates); use a supported release such as "ubuntu-24-04-x64"`,
    );
  }
}

function checkSshKeys(what: string, keys: unknown, ctx: Report): void {
  if (!Array.isArray(keys) || keys.length === 0) {
    ctx.report(
      `${what} has no sshKeys, so DigitalOcean sets a root password and e-mails it (password SSH login); add the operators' SSH key ids or fingerprints`,
    );
  }
}

/** Boot-config lines that re-enable password or root SSH login. */
const PASSWORD_SSH: readonly [RegExp, string][] = [
  [/^\s*ssh_pwauth\s*:\s*["']?(true|yes|1)["']?\s*$/im, "ssh_pwauth: true"],
  [/^\s*PasswordAuthentication\s+yes\b/im, "PasswordAuthentication yes"],
  [/^\s*PermitRootLogin\s+yes\b/im, "PermitRootLogin yes"],
  [/^\s*disable_root\s*:\s*["']?(false|no|0)["']?\s*$/im, "disable_root: false"],
];

const METADATA_DROP = /DOCKER-USER[^\n]*169\.254\.169\.254[^\n]*-j\s+DROP/;

function checkUserData(what: string, userData: unknown, ctx: Report): void {
  if (typeof userData !== "string") return;
  for (const [re, shown] of PASSWORD_SSH) {
    if (re.test(userData)) {
      ctx.report(
        `${what} userData sets ${shown}; keep SSH key-only (ssh_pwauth: false, disable_root: true, PasswordAuthentication no, PermitRootLogin no)`,
      );
    }
  }
}

export const hostHardening = rule({
  name: "host-hardening",
  concern: "workload",
  description:
    "Virtual machines (DigitalOcean droplets and autoscale pool templates) log in by SSH key only (sshKeys set, no password or root SSH in the boot config), run an OS image that still gets security updates, and carry the metrics agent; a pool's boot config is hidden from containers (metadata service dropped).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Droplet: `sshKeys` (key ids or fingerprints), `monitoring: true`, a supported `image` ("ubuntu-24-04-x64"), a boot config with `ssh_pwauth: false` and `disable_root: true`. DropletAutoscale `dropletTemplate`: the same `sshKeys` and image, `withDropletAgent: true`, and a boot config that runs `iptables -I DOCKER-USER -d 169.254.169.254 -j DROP` (a unit re-applying it after docker starts).',
  checks: [
    on<DropletArgs>("digitalocean:index/droplet:Droplet", (d, ctx) => {
      checkSshKeys("droplet", d.sshKeys, ctx);
      checkUserData("droplet", d.userData, ctx);
      checkImage("droplet", d.image, ctx);
      if (d.monitoring !== true) {
        ctx.report(
          `droplet monitoring is ${q(d.monitoring ?? false)}, so the metrics agent is not installed (no CPU/memory/disk alerts); set monitoring: true`,
        );
      }
    }),
    on<DropletAutoscaleArgs>("digitalocean:index/dropletAutoscale:DropletAutoscale", (p, ctx) => {
      const t = p.dropletTemplate;
      checkSshKeys("autoscale pool dropletTemplate", t?.sshKeys, ctx);
      checkUserData("autoscale pool dropletTemplate", t?.userData, ctx);
      if (typeof t?.userData === "string" && t.userData !== "" && !METADATA_DROP.test(t.userData)) {
        ctx.report(
          "autoscale pool dropletTemplate.userData does not drop container traffic to 169.254.169.254, so any container can read the boot config (and the pool's bootstrap key) from the metadata service; add `iptables -I DOCKER-USER -d 169.254.169.254 -j DROP` (re-applied after docker starts)",
        );
      }
      checkImage("autoscale pool dropletTemplate", t?.image, ctx);
      if (t?.withDropletAgent !== true) {
        ctx.report(
          `autoscale pool dropletTemplate.withDropletAgent is ${q(t?.withDropletAgent ?? false)}, so pool members carry no metrics agent (the pool cannot scale on their CPU/memory and no alert sees them); set withDropletAgent: true`,
        );
      }
    }),
  ],
});
