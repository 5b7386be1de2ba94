/**
 * ECS task definitions carry `containerDefinitions` as a JSON string (the engine hands policies exactly what the
 * program passed). This parses it into the fields the rules read.
 */
import { isObj, list, parseJson } from "./props";

/** The subset of an ECS container definition the rules read (names as in the ECS API). */
export interface EcsContainer {
  name?: string;
  image?: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  environment?: { name?: string; value?: string }[];
  secrets?: { name?: string; valueFrom?: string }[];
  user?: string;
  privileged?: boolean;
  readonlyRootFilesystem?: boolean;
}

/** The container definitions, or undefined when the input is not a JSON array of objects. */
export function ecsContainers(containerDefinitions: unknown): EcsContainer[] | undefined {
  const parsed = parseJson(containerDefinitions);
  if (!Array.isArray(parsed)) return undefined;
  return list<unknown>(parsed).filter(isObj) as EcsContainer[];
}

/** `container "web"` (or its index when unnamed). */
export function ecsLabel(c: EcsContainer, i: number): string {
  return c.name ? `container "${c.name}"` : `container #${i}`;
}
