/**
 * Model files stored once, by content: `<models dir>/files/<sha256>`.
 *
 * Every way in (bundled bytes, a local file, a download) writes a temp file in the same directory,
 * checks its sha256, then renames it into place. Rename is atomic, so a reader never sees half a
 * model, a failed or refused install leaves nothing behind, and two processes installing the same
 * bytes at once both end with the same single file. A lock file per hash additionally keeps two
 * processes from downloading the same model twice.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sdxError, SdxError } from "../../store/errors.js";
import { downloadToFile, hashFile, type DownloadOptions, type Downloaded } from "./download.js";
import { withFileLock } from "./file-lock.js";

export function integrityError(message: string, expected: string, actual: string): SdxError {
  return sdxError("SDX3017", message, { expected, actual });
}

export class ModelFiles {
  readonly filesDir: string;
  /** Files already verified in this process, by path → `size:mtime` when checked. */
  private readonly verified = new Map<string, string>();

  constructor(modelsDir: string) {
    this.filesDir = path.join(modelsDir, "files");
    fs.mkdirSync(this.filesDir, { recursive: true });
  }

  pathFor(sha256: string): string {
    return path.join(this.filesDir, sha256);
  }

  has(sha256: string): boolean {
    return fs.existsSync(this.pathFor(sha256));
  }

  sizeOf(sha256: string): number | null {
    try {
      return fs.statSync(this.pathFor(sha256)).size;
    } catch {
      return null;
    }
  }

  /** Bytes whose hash the caller already computed (bundled assets). */
  storeBytes(bytes: Uint8Array, sha256: string): Promise<Downloaded> {
    return this.install(sha256, async (temp) => {
      await fs.promises.writeFile(temp, bytes);
      return hashFile(temp);
    });
  }

  /** Copies a local file; `expected` (when given) must match the copy. */
  storeCopy(source: string, expected: string | null): Promise<Downloaded> {
    return this.install(expected, async (temp) => {
      await fs.promises.copyFile(source, temp);
      return hashFile(temp);
    });
  }

  storeDownload(url: string, expected: string, options: DownloadOptions = {}): Promise<Downloaded> {
    return this.install(expected, (temp) => downloadToFile(url, temp, options));
  }

  /** Deletes a stored file (callers check that no catalog row still points at it). */
  remove(sha256: string): void {
    const file = this.pathFor(sha256);
    this.verified.delete(file);
    fs.rmSync(file, { force: true });
  }

  /**
   * Re-hashes the stored file once per process (and again if its size or mtime changed), so a
   * model edited or corrupted on disk is refused instead of run.
   */
  async verify(sha256: string, label: string): Promise<string> {
    const file = this.pathFor(sha256);
    const stat = fs.statSync(file);
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    if (this.verified.get(file) === stamp) return file;
    const actual = await hashFile(file);
    if (actual.sha256 !== sha256) {
      throw integrityError(
        `the stored file of model ${label} was changed on disk (sha256 ${actual.sha256} instead of ${sha256}); add it again with \`sdx models add ${label} --file <path>\``,
        sha256, actual.sha256,
      );
    }
    this.verified.set(file, stamp);
    return file;
  }

  private async install(expected: string | null, write: (temp: string) => Promise<Downloaded>): Promise<Downloaded> {
    if (expected) {
      const size = this.sizeOf(expected);
      if (size !== null) return { sha256: expected, size };
      return withFileLock(`${this.pathFor(expected)}.lock`, async () => {
        // Another process may have installed it while this one waited for the lock.
        const done = this.sizeOf(expected);
        if (done !== null) return { sha256: expected, size: done };
        return this.writeVerified(expected, write);
      });
    }
    return this.writeVerified(null, write);
  }

  private async writeVerified(expected: string | null, write: (temp: string) => Promise<Downloaded>): Promise<Downloaded> {
    const temp = path.join(this.filesDir, `.tmp-${process.pid}-${crypto.randomBytes(6).toString("hex")}`);
    try {
      const written = await write(temp);
      if (expected && written.sha256 !== expected) {
        throw integrityError(`sha256 mismatch: expected ${expected}, got ${written.sha256}; the file was refused`, expected, written.sha256);
      }
      fs.renameSync(temp, this.pathFor(written.sha256));
      return written;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
}
