/** @pulumi/random mock values (not a cloud, but every cloud's program may use it). */
import type { CloudMocks } from "./types";

export const random: CloudMocks = {
  computed({ type, name, inputs }, state) {
    if (type === "random:index/randomPassword:RandomPassword") {
      // Recognisable so tests can prove it never leaks into plan output.
      state.result = `mock-generated-password-${name}`.padEnd(Number(inputs.length ?? 32), "x");
    }
    return undefined;
  },
};
