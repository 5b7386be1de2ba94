/**
 * A throw-away PostgreSQL 16 for a spec: `throwawayPostgres()` inside a `describe` registers the hooks that initdb
 * (SCRAM password encryption) and start it before the spec's own `before`, and stop and remove it after; the spec
 * is skipped with the reason when the binaries are missing (`bash scripts/backup/install-pg.sh`, which .ci/run runs).
 * `trust` runs SQL as `postgres` while initdb's trust authentication still holds (before the spec writes pg_hba).
 */
import * as path from "node:path";
import { Cluster, tempRoot } from "../../scripts/backup/cluster";
import { findPgTools, type PgTools } from "../../scripts/backup/pg";
import { connInfo, mustPsql } from "../../scripts/secrets/pg-roles";

export interface ThrowawayPostgres {
  t: PgTools;
  cluster: Cluster;
  trust(sql: string, db?: string): string;
}

export function throwawayPostgres(): ThrowawayPostgres {
  const pg = {} as ThrowawayPostgres;
  let remove = () => {};
  before(async function () {
    const found = findPgTools(["psql", "initdb", "pg_ctl", "postgres"]);
    if ("missing" in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    pg.t = found;
    const root = tempRoot(false);
    remove = root.remove;
    pg.cluster = new Cluster(found, path.join(root.dir, "pg", "data"));
    await pg.cluster.init({ password_encryption: "scram-sha-256" });
    await pg.cluster.start();
    pg.trust = (sql, db = "postgres") => mustPsql(found, connInfo(pg.cluster, "postgres", db), "", sql);
  });
  after(async () => {
    await pg.cluster?.stop();
    remove();
  });
  return pg;
}
