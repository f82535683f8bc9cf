/**
 * Path canonicalization for permission checks. A path is resolved (`..`, relative parts) and its
 * symlinks are followed before it is compared with a granted scope, so neither `a/../../etc` nor a
 * symlink pointing out of the scope gets through.
 */
import fs from "node:fs";
import path from "node:path";

/**
 * Absolute, normalized, symlinks resolved. A path that does not exist (yet) is resolved through
 * its deepest existing ancestor, so a symlinked parent still counts.
 */
export function canonicalPath(input: string): string {
  const resolved = path.resolve(input);
  try {
    return fs.realpathSync.native(resolved);
  } catch {
    const parent = path.dirname(resolved);
    if (parent === resolved) return resolved;
    return path.join(canonicalPath(parent), path.basename(resolved));
  }
}

/** Whether `child` is `parent` or lies under it. Both must be canonical. */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

/** Joins a location root and an entry's `/`-separated relative path. */
export function joinEntryPath(locationPath: string, relativePath: string): string {
  return relativePath === "" ? locationPath : path.join(locationPath, ...relativePath.split("/"));
}
