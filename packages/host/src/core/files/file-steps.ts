/**
 * File operations that never lose a file, and their reversal. Input: paths (canonical, absolute)
 * and the journal's steps (store/file-journal.ts). Output: the file system changed, or an error
 * with the file system's code; reversals report what they could not put back instead of throwing.
 * No SQL, no permission checks (ops/files.ts decides what may be done).
 *
 * A move is `link(from, to)` then `unlink(from)`: the link fails with EEXIST when `to` exists,
 * so nothing is ever replaced (`rename` would replace it silently), and at every instant the file
 * has at least one name. Where the file system has no hard links, or `to` is on another device,
 * the file is copied (COPYFILE_EXCL, modification time kept) and the source unlinked after.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { FileStep } from "../../store/file-journal.js";

/** Errors of `link` that mean "not with a hard link here", not "not allowed". */
const NO_LINK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

export function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Moves `from` to `to`, failing with EEXIST if `to` exists. */
export function moveNoClobber(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (error) {
    if (!NO_LINK.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    const stat = fs.statSync(from);
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    fs.utimesSync(to, stat.atime, stat.mtime);
    try {
      fs.unlinkSync(from);
    } catch (unlinkError) {
      fs.unlinkSync(to);
      throw unlinkError;
    }
    return;
  }
  try {
    fs.unlinkSync(from);
  } catch (error) {
    fs.unlinkSync(to);
    throw error;
  }
}

/** Writes `bytes` as a new file `to` through `temp` (flushed first), failing with EEXIST if `to` exists. */
export function writeNoClobber(temp: string, to: string, bytes: Uint8Array): void {
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    moveNoClobber(temp, to);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** Where an undo puts a file the action wrote until the undo commits (removed then). */
export function undoneCopyOf(step: Extract<FileStep, { kind: "write" }>, actionId: string): string {
  return path.join(path.dirname(step.to), `.sdx-undone-${actionId}-${path.basename(step.to)}`);
}

/**
 * Puts a moved file back at `from` (or, for a redo, `from`/`to` swapped): recognises the file by
 * its inode, or by size and bytes when it was copied. Returns a problem, or null when done or
 * nothing was needed.
 */
function moveBack(from: string, to: string, step: { inode: number; size: number }): string | null {
  const there = lstatOrNull(to);
  const here = lstatOrNull(from);
  if (!there) return here ? null : `neither ${from} nor ${to} exists`;
  if (here) {
    // Both names: the move stopped between its two halves (same inode: a link; same bytes: a copy).
    const same = here.ino === there.ino || (here.size === there.size && sha256File(from) === sha256File(to));
    if (!same) return `${to} and ${from} both exist with different contents; both are kept`;
    fs.unlinkSync(to);
    return null;
  }
  if (there.ino !== step.inode && there.size !== step.size) return `${to} is not the file that was moved (another file took its place); it is kept`;
  moveNoClobber(to, from);
  return null;
}

/** Reverses one step of an action that did not commit (apply failed, or the host stopped): the file system as before. */
export function reverseStep(step: FileStep): string | null {
  try {
    switch (step.kind) {
      case "move":
        return moveBack(step.from, step.to, step);
      case "mkdir":
        for (const dir of [...step.created].reverse()) {
          try {
            fs.rmdirSync(dir);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "ENOTEMPTY" || code === "EEXIST") return `${dir} is not empty; it is kept`;
            if (code !== "ENOENT") throw error;
          }
        }
        return null;
      case "write": {
        fs.rmSync(step.temp, { force: true });
        if (!lstatOrNull(step.to)) return null;
        if (sha256File(step.to) !== step.sha256) return `${step.to} changed since it was written; it is kept`;
        fs.unlinkSync(step.to);
        return null;
      }
    }
  } catch (error) {
    return `${(error as NodeJS.ErrnoException).code ?? ""} ${(error as Error).message}`.trim();
  }
}

/**
 * Reverses one step for an undo: like `reverseStep`, except that a written file is set aside
 * (`undoneCopyOf`) and a created folder kept until the undo commits (`removeCreated` then).
 */
export function undoStep(step: FileStep, actionId: string): string | null {
  if (step.kind === "mkdir") return null;
  if (step.kind !== "write") return reverseStep(step);
  try {
    if (!lstatOrNull(step.to)) return null;
    if (sha256File(step.to) !== step.sha256) return `${step.to} changed since the action wrote it`;
    moveNoClobber(step.to, undoneCopyOf(step, actionId));
    return null;
  } catch (error) {
    return `${(error as NodeJS.ErrnoException).code ?? ""} ${(error as Error).message}`.trim();
  }
}

/** Makes a step again after an undo that did not commit: the file system as the action left it. */
export function redoStep(step: FileStep, actionId: string): string | null {
  try {
    switch (step.kind) {
      case "move":
        return moveBack(step.to, step.from, step);
      case "mkdir":
        for (const dir of step.created) if (!lstatOrNull(dir)) fs.mkdirSync(dir);
        return null;
      case "write": {
        const aside = undoneCopyOf(step, actionId);
        if (lstatOrNull(aside) && !lstatOrNull(step.to)) moveNoClobber(aside, step.to);
        return null;
      }
    }
  } catch (error) {
    return `${(error as NodeJS.ErrnoException).code ?? ""} ${(error as Error).message}`.trim();
  }
}

/** After an undo committed: removes a written file it set aside, or a folder the action created while it is empty. */
export function removeCreated(step: FileStep, actionId: string): void {
  if (step.kind === "write") fs.rmSync(undoneCopyOf(step, actionId), { force: true });
  if (step.kind === "mkdir") reverseStep(step);
}

/** The file system as the action left it for this step: what an undo requires before it starts (a problem, or null). */
export function stepInPlace(step: FileStep): string | null {
  switch (step.kind) {
    case "move": {
      const there = lstatOrNull(step.to);
      if (!there) return `${step.to} is gone`;
      if (lstatOrNull(step.from)) return `a file now exists at ${step.from}`;
      return null;
    }
    case "mkdir":
      return null;
    case "write":
      return lstatOrNull(step.to) && sha256File(step.to) === step.sha256 ? null : `${step.to} is gone or changed since the action wrote it`;
  }
}
