/**
 * Backup schedules for CloudNativePG, which takes six-field cron expressions with seconds first
 * ("0 0 3 * * *" = 03:00:00 every day). Pure, tested without mocks.
 */

/**
 * Convert the Backups component's schedule to CloudNativePG's form. Accepts the AWS form `cron(m h dom mon dow year)`
 * (as the component's default is written), a five-field cron, or an already six-field one.
 */
export function cnpgSchedule(schedule: string): string {
  const aws = /^cron\((.+)\)$/.exec(schedule.trim());
  const fields = (aws ? (aws[1] as string) : schedule).trim().split(/\s+/);
  if (aws) {
    if (fields.length !== 6) throw new Error(`schedule "${schedule}": an AWS cron() needs 6 fields`);
    const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
    if (year !== "*")
      throw new Error(`schedule "${schedule}": a year field other than * cannot be expressed on Kubernetes`);
    const star = (f: string) => (f === "?" ? "*" : f);
    return ["0", minute, hour, star(dom), month, star(dow)].join(" ");
  }
  if (fields.length === 5) return ["0", ...fields].join(" ");
  if (fields.length === 6) return fields.join(" ");
  throw new Error(`schedule "${schedule}" is not a cron expression (5 or 6 fields, or AWS cron(...))`);
}
