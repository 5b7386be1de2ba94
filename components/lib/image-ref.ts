/**
 * Container image references: the OCI distribution grammar (github.com/distribution/reference, the grammar
 * `docker pull` and every registry implement) plus this project's pinning rule. Pure: no Pulumi.
 *
 *   reference  := [registry "/"] path [":" tag] ["@" digest]
 *   registry   := host [":" port]        host = DNS name (labels of a-z A-Z 0-9 -), "localhost" or an IPv4 address;
 *                                        the first "/"-component is the registry when it has a "." or ":" or is
 *                                        "localhost" (Docker's rule)
 *   path       := component ("/" component)*      component = [a-z0-9]+ ((\. | _ | __ | -+) [a-z0-9]+)*
 *   tag        := [\w][\w.-]{0,127}               (not "latest": it moves under you)
 *   digest     := "sha256:" 64 lower-case hex
 *
 * The pinning rule: a tag or a digest is required, so a rollback returns to an image that still exists as it was.
 */

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const MAX_NAME = 255;

/** Split `registry/path` the way Docker does: the first component is a registry if it looks like a host. */
function splitRegistry(name: string): { registry?: string; path: string } {
  const slash = name.indexOf("/");
  if (slash < 0) return { path: name };
  const first = name.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") {
    return { registry: first, path: name.slice(slash + 1) };
  }
  return { path: name };
}

function registryProblem(registry: string): string | undefined {
  const [host = "", port, ...extra] = registry.split(":");
  if (extra.length > 0) return `registry "${registry}" has more than one ":"`;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return `registry port "${port}" must be a number`;
  if (!host.split(".").every((label) => HOST_LABEL.test(label))) {
    return `registry "${registry}" is not a host name (letters, digits, - and . only)`;
  }
  return undefined;
}

function pathProblem(path: string): string | undefined {
  if (path === "") return "has no repository path after the registry";
  for (const component of path.split("/")) {
    if (component === "") return "has an empty path component (// or a trailing /)";
    if (component !== component.toLowerCase()) return `repository path "${path}" must be lower-case`;
    if (!PATH_COMPONENT.test(component)) {
      return `path component "${component}" must be a-z 0-9 separated by single ".", "_", "__" or "-"`;
    }
  }
  return undefined;
}

function tagProblem(tag: string | undefined, digest: string | undefined): string | undefined {
  if (tag === undefined && digest === undefined) {
    return "must be pinned: add a version tag (repo:1.4.2) or a digest (repo@sha256:…)";
  }
  if (tag === undefined) return undefined;
  if (tag === "latest") return "must be pinned: `latest` moves under you; use a version tag or a digest";
  if (!TAG.test(tag))
    return `tag "${tag}" is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`;
  return undefined;
}

/**
 * Why `ref` is not a pinned OCI image reference, or undefined when it is one, e.g.
 * `ghcr.io/acme/loom:1.4.2`, `registry.example.com:5000/loom:2025-11-01.3`, `ghcr.io/acme/loom@sha256:<64 hex>`.
 */
export function imageRefProblem(ref: string): string | undefined {
  if (ref === "") return "must not be empty";
  if (/\s/.test(ref)) return "must not contain spaces";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref))
    return "must not have a URL scheme: write registry/path:tag, e.g. ghcr.io/acme/loom:1.4.2";
  const [named = "", digest, ...moreDigests] = ref.split("@");
  if (moreDigests.length > 0) return 'has more than one "@"';
  if (digest !== undefined && !DIGEST.test(digest)) return "a digest must be @sha256:<64 hex digits>";
  const { registry, path: pathAndTag } = splitRegistry(named);
  const [path = "", tag, ...moreTags] = pathAndTag.split(":");
  if (moreTags.length > 0) return 'has more than one tag (one ":tag" at most)';
  if (named.length - (tag === undefined ? 0 : tag.length + 1) > MAX_NAME)
    return `name is longer than ${MAX_NAME} characters`;
  return (registry && registryProblem(registry)) || pathProblem(path) || tagProblem(tag, digest);
}
