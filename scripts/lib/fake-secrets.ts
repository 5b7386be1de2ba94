/**
 * What the offline plan puts in place of a `secure:` value (it never decrypts: no passphrase, no KMS). A fake must
 * pass the same validation as a real value of that key, so a key stored with `pulumi config set --secret` plans
 * exactly like the same key in plain text. One table, by config path as `--path` writes it; first match wins.
 */

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: https://kubernetes.fake.example.com:6443
contexts:
  - name: fake
    context:
      cluster: fake
      user: fake
current-context: fake
users:
  - name: fake
    user:
      token: fake-secret-token
`;

/** [config path pattern, fake value]: `loom:alertEmail`, `loom:kubernetes.kubeconfig`, `loom:kubernetes.acmeEmail`… */
export const FAKE_SECRETS: readonly (readonly [RegExp, (path: string) => string])[] = [
  // Alert channel credentials (URLs for Slack/webhooks, a routing key for PagerDuty): an https URL passes every kind.
  // A PagerDuty integration key is letters and digits (the entry is named like its channel, by default "pagerduty").
  [/^loom:alertSecrets\.[^.]*pagerduty[^.]*$/i, () => "fakepagerdutyintegrationkey00000"],
  [/^loom:alertSecrets\./, (path) => `https://secret.example.com/fake-${path.slice("loom:alertSecrets.".length)}`],
  [/(^|[.:])[A-Za-z]*[Ee]mail$/, () => "secret@example.com"],
  [/(^|[.:])kubeconfig$/, () => KUBECONFIG],
  [/(^|[.:])domain$/, () => "secret.example.com"],
  [/(^|[.:])[A-Za-z]*(Url|Server|Endpoint|endpoint|url|server)$/, () => "https://secret.example.com"],
  // Anything else is an opaque string (passwords, tokens, keys): recognisable, never a real credential.
  [/./, (path) => `fake-secret-for-${path.replace(/[^A-Za-z0-9]/g, "-")}`],
];

/** The fake value for the secret at `path` (`loom:alertEmail`, `loom:kubernetes.kubeconfig`, …). */
export function fakeSecret(path: string): string {
  for (const [pattern, value] of FAKE_SECRETS) if (pattern.test(path)) return value(path);
  /* c8 ignore next */
  throw new Error(`no fake secret for ${path}`);
}

/** The kubeconfig fake, exported for tests. */
export const FAKE_KUBECONFIG = KUBECONFIG;
