/** Files on disk as tests compare them. */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Every file under `dir` (relative path → sha256): what "no file lost" compares. */
export function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name.split(path.sep).join("/")] = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  }
  return out;
}
