// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${NAME}" placeholders in plain strings are test data (references, not literals)
/**
 * No plaintext secrets: no-plaintext-secret-env, no-credential-literals, no-secrets-in-config-stores,
 * database-managed-credentials — with the false-positive guards pinned as passing cases.
 *
 * Credential-shaped test strings are assembled at runtime (never a literal in the source), and are fake.
 */
import assert from "node:assert/strict";
import { databaseManagedCredentials } from "../../policy/rules/secrets/database-managed-credentials";
import { noCredentialLiterals } from "../../policy/rules/secrets/no-credential-literals";
import { noPlaintextSecretEnv } from "../../policy/rules/secrets/no-plaintext-secret-env";
import { noSecretsInConfigStores } from "../../policy/rules/secrets/no-secrets-in-config-stores";
import {
  allFixtures,
  aws,
  azure,
  digitalocean,
  ecsContainerDefinitions,
  gcp,
  itFails,
  itPasses,
  k8s,
  messages,
  mutate,
  resource,
} from "../harness/fixtures";

/** Fake credentials in well-known shapes, built at runtime. */
const FAKE = {
  awsKeyId: ["AK", "IA", "IOSFODNN7", "EXAMPLE"].join(""),
  pem: ["-----BEGIN ", "RSA PRIVATE", " KEY-----\nMIIEfake\n-----END RSA PRIVATE KEY-----"].join(""),
  github: `gh${"p_"}${"a1B2c3D4e5".repeat(4).slice(0, 36)}`,
  slackWebhook: ["https://hooks.", "slack.com/services/", "T00000000/B00000000/", "XXXXXXXXXXXXXXXXXXXXXXXX"].join(""),
  stripe: `sk${"_live_"}${"0123456789abcdefghij".repeat(2)}`,
  googleKey: `AI${"za"}${"Sy0123456789abcdefghijklmnopqrstuvw".slice(0, 35)}`,
  anthropic: `sk-${"ant-api03-"}${"x".repeat(40)}`,
  azureKey: `AccountKey=${"a".repeat(86)}==`,
};
const ecsWithEnv = (env: { name: string; value: string }[]) => {
  const [c] = ecsContainerDefinitions();
  return aws.taskDefinition([{ ...c, environment: [...(c?.environment ?? []), ...env] }]);
};
const SENSITIVE = (name: string, pattern: string, where: string, fix: string) =>
  `${where} sets environment variable "${name}" to a literal value (the name matches the sensitive pattern "${pattern}"); ${fix}`;

describe("no-plaintext-secret-env", () => {
  itPasses(noPlaintextSecretEnv, [
    aws.taskDefinition(),
    aws.lambda(),
    aws.appRunner(),
    k8s.deployment(),
    k8s.statefulSet(),
    k8s.daemonSet(),
    k8s.job(),
    k8s.cronJob(),
    k8s.pod(),
    gcp.cloudRunService(),
    gcp.cloudRunJob(),
    gcp.cloudRunV1Service(),
    gcp.cloudFunction(),
    gcp.cloudFunctionV1(),
    azure.containerApp(),
    azure.containerAppJob(),
    azure.containerGroup(),
    azure.webApp(),
    azure.webAppSettings(),
    digitalocean.app(),
  ]);

  describe("false-positive guards (each passes)", () => {
    const notSecrets: [string, string][] = [
      ["DATABASE_HOST", "db.internal"],
      ["DATABASE_SSLMODE", "verify-full"],
      ["DATABASE_PASSWORD_FILE", "/run/secrets/db/password"],
      ["DATABASE_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"],
      ["API_KEY_SECRET_NAME", "loom/prod/api-key"],
      ["LLM_MAX_OUTPUT_TOKENS", "4096"],
      ["MAX_TOKENS", "8192"],
      ["TOKENS_PER_MINUTE", "400000"],
      ["REVIEW_TOKEN_BUDGET", "200000"],
      ["PASSWORD_MIN_LENGTH", "12"],
      ["OAUTH_TOKEN_URL", "https://auth.example.com/oauth/token"],
      ["JWT_SECRET", "${JWT_SECRET}"],
      ["SESSION_SECRET", "$(SESSION_SECRET)"],
      ["AUTH_TOKEN_ENABLED", "true"],
      ["SECRETS_PROVIDER", "aws-secrets-manager"],
      ["KEYCLOAK_CLIENT_ID", "loom"],
      ["PWD", "/app"],
      ["REDIS_TLS", "true"],
      ["CACHE_KEY_PREFIX", "loom:"],
      ["DB_PASSWORD", "arn:aws:ssm:eu-west-1:111122223333:parameter/loom/db-password"],
      ["GCP_API_KEY", "projects/loom-prod/secrets/api-key/versions/latest"],
    ];
    for (const [name, value] of notSecrets) {
      it(`${name}=${value}`, async () => {
        assert.deepEqual(await messages(noPlaintextSecretEnv, ecsWithEnv([{ name, value }])), []);
      });
    }
  });

  itFails(noPlaintextSecretEnv, [
    {
      title: "ECS container sets DATABASE_PASSWORD in environment",
      resource: ecsWithEnv([{ name: "DATABASE_PASSWORD", value: "correct-horse-battery" }]),
      messages: [
        SENSITIVE(
          "DATABASE_PASSWORD",
          "PASSWORDS?",
          'container "web"',
          'move it to "secrets" with valueFrom a Secrets Manager or SSM Parameter Store ARN',
        ),
      ],
    },
    {
      title: "ECS container sets a camelCase apiKey",
      resource: ecsWithEnv([{ name: "anthropicApiKey", value: "not-a-reference" }]),
      messages: [
        SENSITIVE(
          "anthropicApiKey",
          "API_?KEYS?",
          'container "web"',
          'move it to "secrets" with valueFrom a Secrets Manager or SSM Parameter Store ARN',
        ),
      ],
    },
    {
      title: "Kubernetes init container sets REDIS_AUTH_TOKEN as a value",
      resource: mutate(k8s.deployment(), (d) => {
        d.spec?.template.spec?.initContainers?.[0]?.env?.push({ name: "REDIS_AUTH_TOKEN", value: "literal-token" });
      }),
      messages: [
        SENSITIVE("REDIS_AUTH_TOKEN", "TOKENS?", 'init container "migrate-check"', "use valueFrom.secretKeyRef"),
      ],
    },
    {
      title: "Kubernetes CronJob container sets a DSN",
      resource: mutate(k8s.cronJob(), (cj) => {
        cj.spec?.jobTemplate.spec?.template.spec?.containers[0]?.env?.push({
          name: "SENTRY_DSN",
          value: "literal-dsn",
        });
      }),
      messages: [SENSITIVE("SENTRY_DSN", "DSN", 'container "web"', "use valueFrom.secretKeyRef")],
    },
    {
      title: "Cloud Run service env SESSION_SECRET as a value",
      resource: mutate(gcp.cloudRunService(), (s) => {
        s.template.containers?.[0]?.envs?.push({ name: "SESSION_SECRET", value: "literal" });
      }),
      messages: [
        SENSITIVE("SESSION_SECRET", "SECRETS?", 'container "web"', "use valueSource.secretKeyRef (Secret Manager)"),
      ],
    },
    {
      title: "Cloud Run job env DATABASE_PASSWORD as a value",
      resource: mutate(gcp.cloudRunJob(), (j) => {
        const c = j.template.template.containers?.[0];
        if (c) c.envs = [{ name: "DATABASE_PASSWORD", value: "literal" }];
      }),
      messages: [
        SENSITIVE(
          "DATABASE_PASSWORD",
          "PASSWORDS?",
          'container "migrate"',
          "use valueSource.secretKeyRef (Secret Manager)",
        ),
      ],
    },
    {
      title: "Cloud Run (v1) env API_TOKEN as a value",
      resource: mutate(gcp.cloudRunV1Service(), (s) => {
        const c = s.template?.spec?.containers?.[0];
        if (c) c.envs = [{ name: "API_TOKEN", value: "literal" }];
      }),
      messages: [SENSITIVE("API_TOKEN", "TOKENS?", 'container "web"', "use valueFrom.secretKeyRef (Secret Manager)")],
    },
    {
      title: "Cloud Function (v2) environment GITHUB_TOKEN",
      resource: mutate(gcp.cloudFunction(), (f) => {
        if (f.serviceConfig?.environmentVariables) f.serviceConfig.environmentVariables.GITHUB_TOKEN = "literal";
      }),
      messages: [SENSITIVE("GITHUB_TOKEN", "TOKENS?", "function", "use secretEnvironmentVariables (Secret Manager)")],
    },
    {
      title: "Cloud Function (v1) environment WEBHOOK_SECRET",
      resource: mutate(gcp.cloudFunctionV1(), (f) => {
        f.environmentVariables = { WEBHOOK_SECRET: "literal" };
      }),
      messages: [
        SENSITIVE("WEBHOOK_SECRET", "SECRETS?", "function", "use secretEnvironmentVariables (Secret Manager)"),
      ],
    },
    {
      title: "Container App env DATABASE_PASSWORD as a value",
      resource: mutate(azure.containerApp(), (a) => {
        const c = a.template?.containers?.[0];
        if (c) c.env = [{ name: "DATABASE_PASSWORD", value: "literal" }];
      }),
      messages: [
        SENSITIVE(
          "DATABASE_PASSWORD",
          "PASSWORDS?",
          'container "web"',
          "use secretRef to a Container App secret backed by Key Vault (keyVaultUrl)",
        ),
      ],
    },
    {
      title: "Container Apps job env PRIVATE_KEY as a value",
      resource: mutate(azure.containerAppJob(), (j) => {
        const c = j.template?.containers?.[0];
        if (c) c.env = [{ name: "SIGNING_PRIVATE_KEY", value: "literal" }];
      }),
      messages: [
        SENSITIVE(
          "SIGNING_PRIVATE_KEY",
          "PRIVATE_?KEYS?",
          'container "migrate"',
          "use secretRef to a Container App secret backed by Key Vault (keyVaultUrl)",
        ),
      ],
    },
    {
      title: "Container Instances env with value instead of secureValue",
      resource: mutate(azure.containerGroup(), (g) => {
        g.containers[0]?.environmentVariables?.push({ name: "REDIS_PASSWORD", value: "literal" });
      }),
      messages: [
        SENSITIVE("REDIS_PASSWORD", "PASSWORDS?", 'container "worker"', "use secureValue (or secureValueReference)"),
      ],
    },
    {
      title: "App Service app setting with a literal secret",
      resource: mutate(azure.webApp(), (a) => {
        a.siteConfig?.appSettings?.push({ name: "STRIPE_API_KEY", value: "literal" });
      }),
      messages: [
        SENSITIVE(
          "STRIPE_API_KEY",
          "API_?KEYS?",
          "App Service",
          "use a Key Vault reference (@Microsoft.KeyVault(SecretUri=…))",
        ),
      ],
    },
    {
      title: "App Service application settings resource with a literal secret",
      resource: mutate(azure.webAppSettings(), (s) => {
        if (s.properties) s.properties.CLIENT_SECRET = "literal";
      }),
      messages: [
        SENSITIVE(
          "CLIENT_SECRET",
          "SECRETS?",
          "App Service application settings",
          "use a Key Vault reference (@Microsoft.KeyVault(SecretUri=…))",
        ),
      ],
    },
    {
      title: "App Platform service env of type GENERAL",
      resource: mutate(digitalocean.app(), (app) => {
        app.spec?.services?.[0]?.envs?.push({ key: "REDIS_PASSWORD", value: "literal", type: "GENERAL" });
      }),
      messages: [SENSITIVE("REDIS_PASSWORD", "PASSWORDS?", 'App Platform service "web"', 'set type "SECRET"')],
    },
    {
      title: "App Platform app-level env without a type",
      resource: mutate(digitalocean.app(), (app) => {
        app.spec?.envs?.push({ key: "API_TOKEN", value: "literal" });
      }),
      messages: [SENSITIVE("API_TOKEN", "TOKENS?", 'App Platform app "loom"', 'set type "SECRET"')],
    },
    {
      title: "Lambda environment variable with a password",
      resource: mutate(aws.lambda(), (f) => {
        if (f.environment?.variables) f.environment.variables.DB_PASSWORD = "literal";
      }),
      messages: [
        SENSITIVE(
          "DB_PASSWORD",
          "PASSWORDS?",
          "Lambda function",
          "read it from Secrets Manager or SSM at runtime and pass only its ARN",
        ),
      ],
    },
    {
      title: "App Runner runtime variable with a token",
      resource: mutate(aws.appRunner(), (s) => {
        const vars = s.sourceConfiguration.imageRepository?.imageConfiguration?.runtimeEnvironmentVariables;
        if (vars) vars.SLACK_BOT_TOKEN = "literal";
      }),
      messages: [
        SENSITIVE(
          "SLACK_BOT_TOKEN",
          "TOKENS?",
          "App Runner service",
          "use runtimeEnvironmentSecrets (Secrets Manager or SSM ARN)",
        ),
      ],
    },
    {
      title: "a name matched by a pattern added in the pack config",
      resource: ecsWithEnv([{ name: "LICENSE", value: "literal-license" }]),
      config: {
        "no-plaintext-secret-env": {
          sensitiveNamePatterns: ["PASSWORDS?", "LICENSE"],
        },
      },
      messages: [
        SENSITIVE(
          "LICENSE",
          "LICENSE",
          'container "web"',
          'move it to "secrets" with valueFrom a Secrets Manager or SSM Parameter Store ARN',
        ),
      ],
    },
  ]);
});

describe("no-credential-literals", () => {
  it("passes every happy-path fixture of every cloud (KMS key policies, ARNs, secret stores, PEM in a k8s Secret)", async () => {
    assert.deepEqual(await messages(noCredentialLiterals, allFixtures()), []);
  });

  itPasses(noCredentialLiterals, [
    aws.secretVersion(),
    aws.ssmSecureParameter(),
    k8s.secret(),
    azure.containerGroup(),
    digitalocean.app(),
    azure.containerApp(),
    resource("aws:acm/certificate:Certificate", {
      privateKey: FAKE.pem,
      certificateBody: "-----BEGIN CERTIFICATE-----\nMIIfake",
    }),
    resource("aws:ecs/taskDefinition:TaskDefinition", {
      containerDefinitions: JSON.stringify([
        {
          name: "web",
          environment: [
            { name: "DATABASE_URL", value: "postgres://loom:${DATABASE_PASSWORD}@db:5432/loom" },
            { name: "REDIS_URL", value: "rediss://master.loom.cache.amazonaws.com:6379" },
            { name: "UPSTREAM", value: "https://user@example.com/path" },
            { name: "IPV6", value: "http://[::1]:8080/health" },
          ],
        },
      ]),
    }),
    resource("aws:ec2/instance:Instance", {
      rootBlockDevice: { encrypted: true },
      userData:
        '#!/bin/sh\nexport DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id db)"\nAPI_TOKEN_FILE=/run/secrets/token\nMAX_TOKENS=4096\n',
    }),
  ]);

  const literal = (path: string, what: string) =>
    `input "${path}" contains ${what}; keep credentials in a secret store (Secrets Manager, Secret Manager, Key Vault, a Kubernetes Secret) and pass a reference`;
  itFails(noCredentialLiterals, [
    {
      title: "static AWS keys in a provider",
      resource: resource("pulumi:providers:aws", {
        region: "eu-west-1",
        accessKey: FAKE.awsKeyId,
        secretKey: "x".repeat(40),
      }),
      messages: [literal("accessKey", "an AWS access key id (AKIA…)")],
    },
    {
      title: "a database URL with a password in ECS environment (JSON inside the string is walked)",
      resource: ecsWithEnv([{ name: "DATABASE_URL", value: "postgres://loom:correct-horse@db.internal:5432/loom" }]),
      messages: [
        literal(
          "containerDefinitions[0].environment[4].value",
          "a URL with an embedded password (postgres://loom:****@)",
        ),
      ],
    },
    {
      title: "a Redis URL with an auth token (empty user) in a ConfigMap",
      resource: mutate(k8s.configMap(), (cm) => {
        if (cm.data) cm.data.CACHE_ENDPOINT = "rediss://:literal-auth-token@loom-cache:6379/0";
      }),
      messages: [literal("data.CACHE_ENDPOINT", "a URL with an embedded password (rediss://:****@)")],
    },
    {
      title: "a sensitive NAME=value line in a ConfigMap env file",
      resource: mutate(k8s.configMap(), (cm) => {
        if (cm.data) cm.data["app.env"] = "LOG_LEVEL=info\nREDIS_PASSWORD=s3cr3t-value\n";
      }),
      messages: [
        'input "data.app.env" assigns a literal value to "REDIS_PASSWORD" (the name matches the sensitive pattern "PASSWORDS?"); read it from a secret store at runtime instead of embedding it',
      ],
    },
    {
      title: "a PEM private key in EC2 user data",
      resource: resource("aws:ec2/instance:Instance", {
        rootBlockDevice: { encrypted: true },
        userData: `#!/bin/sh\ncat > /etc/key <<EOF\n${FAKE.pem}\nEOF\n`,
      }),
      messages: [literal("userData", "a PEM private key (-----BEGIN RSA PRIVATE KEY-----)")],
    },
    {
      title: "a GitHub token in an SSM String parameter",
      resource: mutate(aws.ssmParameter(), (p) => {
        p.value = FAKE.github;
      }),
      messages: [literal("value", "a GitHub token (ghp_…)")],
    },
    {
      title: "a Slack webhook as an alert subscription endpoint",
      resource: resource("aws:sns/topicSubscription:TopicSubscription", {
        protocol: "https",
        endpoint: FAKE.slackWebhook,
        topic: "arn",
      }),
      messages: [literal("endpoint", "a Slack token or webhook (https…)")],
    },
    {
      title: "a Stripe live key in a Lambda environment",
      resource: mutate(aws.lambda(), (f) => {
        if (f.environment?.variables) f.environment.variables.PAYMENTS = FAKE.stripe;
      }),
      messages: [literal("environment.variables.PAYMENTS", "a Stripe secret or restricted key (sk_live_…)")],
    },
    {
      title: "a Google API key in a Cloud Run argument",
      resource: mutate(gcp.cloudRunService(), (s) => {
        const c = s.template.containers?.[0];
        if (c) c.args = ["--maps-key", FAKE.googleKey];
      }),
      messages: [literal("template.containers[0].args[1]", "a Google API key (AIza…)")],
    },
    {
      title: "an Anthropic key in a DigitalOcean app env of type GENERAL",
      resource: mutate(digitalocean.app(), (app) => {
        app.spec?.envs?.push({ key: "LLM", value: FAKE.anthropic, type: "GENERAL" });
      }),
      messages: [literal("spec.envs[1].value", "an LLM provider API key (Anthropic/OpenAI) (sk-ant-…)")],
    },
    {
      title: "an Azure storage connection string with the account key",
      resource: mutate(azure.webApp(), (a) => {
        a.siteConfig?.appSettings?.push({
          name: "BLOBS",
          value: `DefaultEndpointsProtocol=https;AccountName=loom;${FAKE.azureKey};EndpointSuffix=core.windows.net`,
        });
      }),
      messages: [literal("siteConfig.appSettings[2].value", "an Azure storage account key (AccountKey=****)")],
    },
    {
      title: "an ADO.NET connection string with Password=",
      resource: mutate(azure.webApp(), (a) => {
        a.siteConfig?.appSettings?.push({
          name: "DB",
          value: "Server=db;Database=loom;User Id=loom;Password=hunter22;",
        });
      }),
      messages: [
        literal("siteConfig.appSettings[2].value", "a connection string with a literal Password= (Password=****)"),
      ],
    },
    {
      title: "a PEM key in a Kubernetes Secret is fine, but not in a ConfigMap",
      resource: mutate(k8s.configMap(), (cm) => {
        if (cm.data) cm.data["tls.pem"] = FAKE.pem;
      }),
      messages: [literal("data.tls.pem", "a PEM private key (-----BEGIN RSA PRIVATE KEY-----)")],
    },
  ]);

  it("honours additionalExemptions and disabledDetectors from the pack config", async () => {
    const param = mutate(aws.ssmParameter(), (p) => {
      p.value = FAKE.github;
    });
    assert.equal((await messages(noCredentialLiterals, param)).length, 1);
    assert.deepEqual(
      await messages(noCredentialLiterals, param, {
        "no-credential-literals": { additionalExemptions: ["aws:ssm/parameter:Parameter#value"] },
      }),
      [],
    );
    assert.deepEqual(
      await messages(noCredentialLiterals, param, {
        "no-credential-literals": { disabledDetectors: ["github-token"] },
      }),
      [],
    );
  });

  it("never puts the secret itself in a message", async () => {
    const found = await messages(noCredentialLiterals, [
      resource("pulumi:providers:aws", { accessKey: FAKE.awsKeyId }),
      ecsWithEnv([{ name: "DATABASE_URL", value: "postgres://loom:correct-horse@db:5432/loom" }]),
      mutate(aws.ssmParameter(), (p) => {
        p.value = FAKE.github;
      }),
    ]);
    assert.equal(found.length, 3);
    for (const m of found) {
      assert.ok(!m.includes(FAKE.awsKeyId) && !m.includes("correct-horse") && !m.includes(FAKE.github), m);
    }
  });
});

describe("no-secrets-in-config-stores", () => {
  itPasses(noSecretsInConfigStores, [
    k8s.configMap(),
    aws.ssmParameter(),
    mutate(aws.ssmSecureParameter(), (p) => {
      p.name = "/loom/prod/database-password";
    }),
    azure.appConfigValue(),
    mutate(azure.appConfigValue(), (kv) => {
      kv.keyValueName = "Loom:Database:Password";
      kv.contentType = "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8";
      kv.value = JSON.stringify({ uri: "https://loom-kv.vault.azure.net/secrets/db-password" });
    }),
  ]);

  itFails(noSecretsInConfigStores, [
    {
      title: "ConfigMap data key DATABASE_PASSWORD",
      resource: mutate(k8s.configMap(), (cm) => {
        if (cm.data) cm.data.DATABASE_PASSWORD = "x";
      }),
      messages: [
        'ConfigMap data key "DATABASE_PASSWORD" looks sensitive (matches the pattern "PASSWORDS?"); ConfigMaps are not secret: put it in a Secret and reference it with secretKeyRef',
      ],
    },
    {
      title: "ConfigMap binaryData key private.key",
      resource: mutate(k8s.configMap(), (cm) => {
        cm.binaryData = { "private.key": "ZmFrZQ==" };
      }),
      messages: [
        'ConfigMap binaryData key "private.key" looks sensitive (matches the pattern "PRIVATE_?KEYS?"); ConfigMaps are not secret: put it in a Secret and reference it with secretKeyRef',
      ],
    },
    {
      title: "SSM String parameter holding a password",
      resource: mutate(aws.ssmParameter(), (p) => {
        p.name = "/loom/prod/database-password";
      }),
      messages: [
        'SSM parameter "/loom/prod/database-password" looks sensitive (matches the pattern "PASSWORDS?") but has type "String"; use type "SecureString" with a customer-managed keyId',
      ],
    },
    {
      title: "App Configuration value holding an API key",
      resource: mutate(azure.appConfigValue(), (kv) => {
        kv.keyValueName = "Loom:Anthropic:ApiKey$prod";
      }),
      messages: [
        'App Configuration key "Loom:Anthropic:ApiKey$prod" looks sensitive (matches the pattern "API_?KEYS?") but holds a plain value; store a Key Vault reference instead',
      ],
    },
  ]);
});

describe("database-managed-credentials", () => {
  itPasses(databaseManagedCredentials, [
    aws.rdsInstance(),
    aws.rdsCluster(),
    aws.docDb(),
    aws.redshift(),
    mutate(aws.rdsInstance(), (db) => {
      db.manageMasterUserPassword = undefined;
      db.replicateSourceDb = "loom-prod-db";
    }),
  ]);
  itFails(databaseManagedCredentials, [
    {
      title: "RDS instance with a password",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.manageMasterUserPassword = undefined;
        db.password = "generated-or-literal";
      }),
      messages: [
        "RDS instance sets password; set manageMasterUserPassword: true so RDS generates, stores and rotates it in Secrets Manager",
      ],
    },
    {
      title: "RDS instance with a write-only password",
      resource: mutate(aws.rdsInstance(), (db) => {
        db.manageMasterUserPassword = undefined;
        db.passwordWo = "generated-or-literal";
        db.passwordWoVersion = 1;
      }),
      messages: [
        "RDS instance sets passwordWo; set manageMasterUserPassword: true so RDS generates, stores and rotates it in Secrets Manager",
      ],
    },
    {
      title: "Aurora cluster with a master password",
      resource: mutate(aws.rdsCluster(), (c) => {
        c.manageMasterUserPassword = undefined;
        c.masterPassword = "generated-or-literal";
      }),
      messages: [
        "RDS cluster sets masterPassword; set manageMasterUserPassword: true so RDS generates, stores and rotates it in Secrets Manager",
      ],
    },
    {
      title: "DocumentDB with a master password",
      resource: mutate(aws.docDb(), (c) => {
        c.manageMasterUserPassword = undefined;
        c.masterPassword = "generated-or-literal";
      }),
      messages: ["DocumentDB cluster sets masterPassword; set manageMasterUserPassword: true"],
    },
    {
      title: "Redshift with a master password",
      resource: mutate(aws.redshift(), (c) => {
        c.manageMasterPassword = undefined;
        c.masterPassword = "generated-or-literal";
      }),
      messages: ["Redshift cluster sets masterPassword; set manageMasterPassword: true"],
    },
  ]);
});
