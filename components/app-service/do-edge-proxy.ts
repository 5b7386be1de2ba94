/**
 * The edge proxy of every DigitalOcean web droplet (pure): Traefik v3 in front of the `web` container, the only
 * service that publishes ports. The DigitalOcean load balancer adds no headers and has no rate limits or path rules
 * (spec fact 2), so the proxy does what the other clouds' edges do:
 * - HSTS (`max-age=31536000; includeSubDomains`) on every answer; behind the load balancer Traefik sees plain HTTP
 *   from the LB, so `forceSTSHeader` sends it anyway (the client is on HTTPS to the LB);
 * - the metrics path answers 404: the only router matches every path but it, and Traefik answers 404 when no router
 *   matches;
 * - with `waf` a per-client rate limit (token bucket: `rateLimitPer5Min` tokens, refilled over 5 minutes) keyed by
 *   the client address — behind the LB the real one, from PROXY protocol trusted only from the VPC range;
 * - without a load balancer (dev) TLS itself: Let's Encrypt by HTTP-01 on the plain entry point (ACME state in the
 *   `acme` volume so a restart does not re-issue), everything else redirected to HTTPS.
 * Traefik runs as an unprivileged user on high ports (EDGE_PORTS); the host ports DO_PORTS.edge/edgeTls map to them.
 * Configuration is two written files (static and dynamic, file provider): no Docker socket.
 */
import { stringify } from "yaml";
import { DO_PORTS } from "../lib/digitalocean";
import type { ComposeServiceSpec } from "../lib/do-compose";

/** Pinned Traefik v3 (bump deliberately). */
export const EDGE_IMAGE = "docker.io/library/traefik:v3.5.3";
/** Traefik needs no uid of its own: any non-root uid reads its config. */
export const EDGE_USER = "65532:65532";
/** Ports inside the edge container (unprivileged, so no NET_BIND_SERVICE). */
export const EDGE_PORTS = { http: 8000, https: 8443, ping: 8082 } as const;
/** Host files (written by the boot config) and where the container sees them. */
export const EDGE_FILES = {
  static: { host: "/etc/loom/edge/traefik.yml", container: "/etc/traefik/traefik.yml" },
  dynamic: { host: "/etc/loom/edge/dynamic.yml", container: "/etc/traefik/dynamic.yml" },
} as const;
/** The ACME state (dev only): a named volume, owned by EDGE_USER before compose starts (edgeAcmeUnit). */
export const ACME_VOLUME = "acme";
export const ACME_DIR = "/acme";
export const HSTS_MAX_AGE_S = 31_536_000;
/** Seconds Traefik keeps serving in-flight requests after SIGTERM (within its compose stop_grace_period). */
export const EDGE_GRACE_S = 30;

export interface EdgeProxyInputs {
  /** The domain the certificate is for (dev) and the app serves. */
  domain: string;
  /** Behind a DigitalOcean load balancer (PROXY protocol from the VPC), or terminating TLS itself. */
  behindLoadBalancer: boolean;
  /** The VPC range: the only source trusted to send a PROXY protocol header. */
  vpcCidr: string;
  /** The web service as the compose network names it. */
  upstream: string;
  metricsPath: string;
  /** Requests per client per 5 minutes; undefined = no rate limit (the profile's `waf` off). */
  rateLimitPer5Min?: number;
}

/** Traefik's static configuration (entry points, file provider, ACME resolver in dev, ping, logs). */
export function edgeStaticConfig(p: EdgeProxyInputs): Record<string, unknown> {
  const web: Record<string, unknown> = {
    address: `:${EDGE_PORTS.http}`,
    transport: { lifeCycle: { graceTimeOut: `${EDGE_GRACE_S - 5}s` } },
  };
  if (p.behindLoadBalancer) web.proxyProtocol = { trustedIPs: [p.vpcCidr] };
  else web.http = { redirections: { entryPoint: { to: `:${DO_PORTS.edgeTls}`, scheme: "https", permanent: true } } };
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web,
      ...(p.behindLoadBalancer
        ? {}
        : {
            websecure: {
              address: `:${EDGE_PORTS.https}`,
              transport: { lifeCycle: { graceTimeOut: `${EDGE_GRACE_S - 5}s` } },
            },
          }),
      ping: { address: `:${EDGE_PORTS.ping}` },
    },
    ping: { entryPoint: "ping" },
    providers: { file: { filename: EDGE_FILES.dynamic.container, watch: false } },
    ...(p.behindLoadBalancer
      ? {}
      : {
          certificatesResolvers: {
            letsencrypt: { acme: { storage: `${ACME_DIR}/acme.json`, httpChallenge: { entryPoint: "web" } } },
          },
        }),
    log: { level: "INFO", format: "json" },
    accessLog: { format: "json" },
  };
}

/** Traefik's dynamic configuration: one router for everything but the metrics path, HSTS, the rate limit. */
export function edgeDynamicConfig(p: EdgeProxyInputs, appPort: number): Record<string, unknown> {
  const middlewares: Record<string, unknown> = {
    hsts: {
      headers: {
        stsSeconds: HSTS_MAX_AGE_S,
        stsIncludeSubdomains: true,
        forceSTSHeader: p.behindLoadBalancer,
        contentTypeNosniff: true,
      },
    },
  };
  if (p.rateLimitPer5Min !== undefined) {
    middlewares.ratelimit = { rateLimit: { average: p.rateLimitPer5Min, period: "5m", burst: p.rateLimitPer5Min } };
  }
  const router: Record<string, unknown> = {
    rule: `PathPrefix(\`/\`) && !PathPrefix(\`${p.metricsPath}\`)`,
    entryPoints: [p.behindLoadBalancer ? "web" : "websecure"],
    service: "web",
    middlewares: Object.keys(middlewares),
  };
  if (!p.behindLoadBalancer) router.tls = { certResolver: "letsencrypt", domains: [{ main: p.domain }] };
  return {
    http: {
      routers: { app: router },
      middlewares,
      services: { web: { loadBalancer: { servers: [{ url: `http://${p.upstream}:${appPort}` }] } } },
    },
  };
}

/** The two files as the boot config writes them. */
export function edgeFiles(p: EdgeProxyInputs, appPort: number): { path: string; content: string }[] {
  return [
    { path: EDGE_FILES.static.host, content: stringify(edgeStaticConfig(p)) },
    { path: EDGE_FILES.dynamic.host, content: stringify(edgeDynamicConfig(p, appPort)) },
  ];
}

/** The edge's compose service: publishes DO_PORTS.edge (and edgeTls in dev), starts after web, stops before it. */
export function edgeService(p: EdgeProxyInputs, webCpu: number): ComposeServiceSpec {
  const ports: { published: number; target: number }[] = [{ published: DO_PORTS.edge, target: EDGE_PORTS.http }];
  if (!p.behindLoadBalancer) ports.push({ published: DO_PORTS.edgeTls, target: EDGE_PORTS.https });
  return {
    name: "edge",
    image: EDGE_IMAGE,
    user: EDGE_USER,
    cpus: Math.max(0.1, webCpu / 4),
    memoryMiB: 128,
    ports,
    configs: [
      { source: EDGE_FILES.static.host, target: EDGE_FILES.static.container },
      { source: EDGE_FILES.dynamic.host, target: EDGE_FILES.dynamic.container },
    ],
    ...(p.behindLoadBalancer ? {} : { volumes: [{ name: ACME_VOLUME, target: ACME_DIR }] }),
    healthcheck: {
      test: ["CMD", "traefik", "healthcheck", "--ping"],
      intervalS: 10,
      timeoutS: 5,
      retries: 3,
      startPeriodS: 10,
    },
    stopGraceS: EDGE_GRACE_S,
    dependsOn: [p.upstream],
  };
}

/**
 * Dev only: a oneshot unit that creates the compose project's `acme` volume owned by EDGE_USER before loom.service
 * starts (a fresh named volume is root's; Traefik must write acme.json there). The labels make compose adopt it.
 */
export function edgeAcmeUnit(project: string): Record<string, string> {
  const volume = `${project}_${ACME_VOLUME}`;
  const create = [
    "docker volume create",
    `--label com.docker.compose.project=${project}`,
    `--label com.docker.compose.volume=${ACME_VOLUME}`,
    volume,
  ].join(" ");
  return {
    "loom-edge-acme.service": [
      "[Unit]",
      "Description=Loom edge: the ACME state volume, owned by the edge proxy's user",
      "After=docker.service",
      "Requires=docker.service",
      "Before=loom.service",
      "",
      "[Service]",
      "Type=oneshot",
      "RemainAfterExit=yes",
      // `$$`: systemd passes one literal `$` to the shell.
      `ExecStart=/bin/sh -c 'dir="$$(${create} >/dev/null && docker volume inspect -f "{{.Mountpoint}}" ${volume})" && chown ${EDGE_USER} "$$dir" && chmod 0700 "$$dir"'`,
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "RequiredBy=loom.service",
      "",
    ].join("\n"),
  };
}
