/**
 * `loom:kubernetes.database` (docs/runbooks/credentials-kubernetes.md): which of the two alternating app logins web
 * and worker use, and the rotation epoch of every password login CloudNativePG manages. Pure: zod only, no SDK.
 *
 * - `activeAppLogin`: `a` (loom_app_a, the default) or `b` (loom_app_b). Both are always members of loom_app_rw, so
 *   switching needs no SQL: the pods roll onto the other login's Secret while the old one still works.
 * - `rotation`: a whole number ≥ 0 per login (`appA`, `appB`, `migrate`, `backup`, `admin`), default 0. Raising one
 *   draws a new password into a new Secret (`<cluster>-login-<login>-r<epoch>`), CloudNativePG applies it to the role,
 *   and the old Secret is deleted. The procedure: raise the idle app login's epoch, switch `activeAppLogin` to it,
 *   and only later raise the other one (raising the active login's epoch cuts its pods' new connections until they
 *   have rolled).
 *
 * On any other cloud the whole `loom:kubernetes` block is not read and the stack is warned by name (settings.ts).
 */
import { z } from "zod";
import { int } from "./values";

export const APP_LOGIN_SLOTS = ["a", "b"] as const;
export type AppLoginSlot = (typeof APP_LOGIN_SLOTS)[number];
/** The password logins with a rotation epoch, by their key in `rotation`. */
export const ROTATED_LOGINS = ["appA", "appB", "migrate", "backup", "admin"] as const;
export type RotatedLogin = (typeof ROTATED_LOGINS)[number];
/** Epochs are counters; a million rotations is far beyond any real schedule. */
export const MAX_ROTATION_EPOCH = 1_000_000;

/** The setting, every default applied. */
export interface KubernetesDatabaseLogins {
  activeAppLogin: AppLoginSlot;
  rotation: Readonly<Record<RotatedLogin, number>>;
}

const schema = z
  .object({
    activeAppLogin: z.enum(APP_LOGIN_SLOTS),
    rotation: z
      .object(
        Object.fromEntries(ROTATED_LOGINS.map((l) => [l, int(0, MAX_ROTATION_EPOCH)])) as Record<
          RotatedLogin,
          ReturnType<typeof int>
        >,
      )
      .partial()
      .strict(),
  })
  .partial()
  .strict();

/** The key's schema, and its resolved value as a spread for KubernetesTarget (always present: it has defaults). */
export const databaseLogins = {
  schema,
  entry(given: z.output<typeof schema> | undefined): { database: KubernetesDatabaseLogins } {
    const rotation = given?.rotation ?? {};
    return {
      database: {
        activeAppLogin: given?.activeAppLogin ?? "a",
        rotation: Object.fromEntries(
          ROTATED_LOGINS.map((l) => [l, (rotation[l] as number | undefined) ?? 0]),
        ) as Record<RotatedLogin, number>,
      },
    };
  },
};
