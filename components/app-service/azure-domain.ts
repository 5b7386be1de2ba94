/**
 * The dev domain of the Azure AppService (no gateway): web serves `loom:domain` itself with a free managed
 * certificate (`app:ManagedCertificate`, CNAME validation, renewed by Azure) bound with `bindingType: "Auto"` (API
 * 2024-10-02-preview and later, which the SDK's 2025-02-02-preview has): the platform binds the certificate once it
 * is issued, so one `pulumi up` creates the app, the hostname and the certificate without a second pass.
 *
 * Azure validates the hostname before it accepts it on the app: `asuid.<domain>` TXT = the environment's custom
 * domain verification id, and `<domain>` CNAME → web's FQDN. With `loom:azure.dnsZone` the stack writes both
 * records (TXT before web, CNAME before the certificate); without it, create them before the first `up`
 * (docs/runbooks/deploy.md; the id is `az containerapp env show … --query properties.customDomainConfiguration.customDomainVerificationId`).
 */
import type { ContainerApp } from "@pulumi/azure-native/app/containerApp";
import { ManagedCertificate } from "@pulumi/azure-native/app/managedCertificate";
import type { ManagedEnvironment } from "@pulumi/azure-native/app/managedEnvironment";
import { RecordSet } from "@pulumi/azure-native/dns/recordSet";
import type * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import type { AppScope } from "./azure-identity";

/** `domain` relative to `zone` (`loom.example.com` in `example.com` → `loom`); the apex cannot hold a CNAME. */
export function relativeName(domain: string, zone: string): string {
  if (!domain.endsWith(`.${zone}`)) {
    invalid("loom:azure.dnsZone", `${zone} does not hold loom:domain ${domain} (a subdomain of the zone is needed)`);
  }
  return domain.slice(0, -zone.length - 1);
}

/** The TXT record Azure checks before it accepts the hostname on web; none without a DNS zone. */
export function verificationRecord(s: AppScope, env: ManagedEnvironment): RecordSet | undefined {
  const zone = s.platform.target.dnsZone;
  if (!zone) return undefined;
  const relative = relativeName(s.args.domain, zone.name);
  return new RecordSet(
    `${s.name}-domain-verification`,
    {
      resourceGroupName: zone.resourceGroup,
      zoneName: zone.name,
      relativeRecordSetName: `asuid.${relative}`,
      recordType: "TXT",
      ttl: 3600,
      txtRecords: [{ value: [env.customDomainConfiguration.apply((c) => c?.customDomainVerificationId ?? "")] }],
    },
    s.opts(),
  );
}

/** The CNAME to web (with a DNS zone) and the managed certificate for the domain, after web holds the hostname. */
export function managedCertificate(
  s: AppScope,
  env: ManagedEnvironment,
  web: ContainerApp,
  webFqdn: pulumi.Output<string>,
): ManagedCertificate {
  const zone = s.platform.target.dnsZone;
  const cname = zone
    ? new RecordSet(
        `${s.name}-domain-cname`,
        {
          resourceGroupName: zone.resourceGroup,
          zoneName: zone.name,
          relativeRecordSetName: relativeName(s.args.domain, zone.name),
          recordType: "CNAME",
          ttl: 300,
          cnameRecord: { cname: webFqdn },
        },
        s.opts(),
      )
    : undefined;
  return new ManagedCertificate(
    `${s.name}-domain-certificate`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      environmentName: env.name,
      managedCertificateName: s.args.domain.replace(/\./g, "-"),
      properties: { subjectName: s.args.domain, domainControlValidation: "CNAME" },
      tags: s.tags,
    },
    s.opts(false, { dependsOn: [web, ...(cname ? [cname] : [])] }),
  );
}
