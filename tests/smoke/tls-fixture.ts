/**
 * A throwaway certificate authority for the smoke tests (openssl, generated per run, never committed) and a local
 * HTTPS server whose TLS versions, certificate, status and headers each test chooses.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { SecureVersion } from "node:tls";

export interface Leaf {
  key: string;
  cert: string;
}

export class TestCa {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "loom-smoke-ca-"));
  readonly cert: string;
  private serial = 1;

  constructor() {
    this.openssl([
      "req",
      ...["-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30"],
      ...["-subj", "/CN=Loom Smoke Test CA", "-keyout", this.file("ca.key"), "-out", this.file("ca.pem")],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ]);
    this.cert = fs.readFileSync(this.file("ca.pem"), "utf8");
  }

  /** A server certificate for `dnsName`, valid for `days`, signed by this CA. */
  leaf(dnsName: string, days: number): Leaf {
    const n = this.serial++;
    const [key, csr, crt, ext] = ["key", "csr", "pem", "ext"].map((x) => this.file(`leaf${n}.${x}`)) as [
      string,
      string,
      string,
      string,
    ];
    fs.writeFileSync(ext, `subjectAltName=DNS:${dnsName}\nextendedKeyUsage=serverAuth\n`);
    this.openssl([
      "req",
      ...["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-subj", `/CN=${dnsName}`, "-keyout", key, "-out", csr],
    ]);
    this.openssl([
      "x509",
      ...["-req", "-in", csr, "-CA", this.file("ca.pem"), "-CAkey", this.file("ca.key"), "-set_serial", String(n)],
      ...["-days", String(days), "-extfile", ext, "-out", crt],
    ]);
    return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(crt, "utf8") };
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private openssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  }
}

export interface ServerOptions {
  leaf: Leaf;
  status?: number;
  headers?: Record<string, string>;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
}

/** Start an HTTPS server on 127.0.0.1 (a free port); resolves to its port and a close function. */
export async function serve(o: ServerOptions): Promise<{ port: number; close: () => Promise<void>; paths: string[] }> {
  const paths: string[] = [];
  const legacy = o.maxVersion === "TLSv1.1" || o.maxVersion === "TLSv1";
  const server = https.createServer(
    {
      key: o.leaf.key,
      cert: o.leaf.cert,
      minVersion: o.minVersion ?? "TLSv1.2",
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      // OpenSSL 3 refuses TLS < 1.2 at its default security level; the test server must be able to offer it.
      ...(legacy ? { ciphers: "DEFAULT@SECLEVEL=0" } : {}),
    },
    (req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(o.status ?? 200, { "content-type": "text/plain", ...o.headers });
      res.end("ok\n");
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
