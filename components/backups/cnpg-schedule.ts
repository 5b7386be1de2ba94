/**
 * Backup schedules for CloudNativePG, which takes six-field cron expressions with seconds first
 * ("0 0 3 * * *" = 03:00:00 every day). Pure, tested without mocks.
 */

/** The daily schedule at `hourUtc`:00:00 UTC (Backups' `dailyHourUtc`; CloudNativePG schedules in UTC). */
export function dailyCnpgSchedule(hourUtc: number): string {
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) {
    throw new Error(`dailyHourUtc must be a whole hour 0 to 23, got ${hourUtc}`);
  }
  return `0 0 ${hourUtc} * * *`;
}

/** The disaster-recovery copy's base backup: one hour after the primary's, so the two never run together. */
export function drHourUtc(hourUtc: number): number {
  return (hourUtc + 1) % 24;
}
