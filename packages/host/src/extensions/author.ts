/**
 * Who owns an extension id in a library. The first signed bundle installed under an id binds the
 * id to its key (`extension_authors`); later installs must be signed by that key. A bundle signed
 * by another key, or an unsigned one over a bound id, is refused (SDX3030) unless the user says
 * `--replace-author`, which rebinds the id to the new key (or unbinds it, for an unsigned bundle)
 * and is audited. Unsigned bundles over an unbound id install, for local development; a signed one
 * over an unsigned install binds the id from then on. A bundle signed by another key installs
 * without `--replace-author` when it carries a chain of key rotation statements from the bound key
 * to its signer, each naming this id (`sdx keys rotate`): the id is rebound and that is audited.
 *
 * Input: the verified signer of the bundle (readBundle checked the signature). Output: what the
 * install did to the binding. Must not: verify signatures (the bundle format does) or decide grants.
 */
import type { BundleSignature, VerifiedRotation } from "@sdx/bundle-format";
import { writeAudit } from "../store/audit.js";
import { sdxError } from "../store/errors.js";
import { authorBinding, bindAuthor, unbindAuthor } from "../store/extensions-store.js";
import type { Library } from "../store/library.js";

/**
 * What an install did about the author:
 * - `unsigned`: an unsigned bundle over an unbound id (nothing proves who built it);
 * - `bound`: the first signed install; the id is now bound to its key;
 * - `same`: signed by the key the id is bound to;
 * - `replaced`: `--replace-author` rebound the id (`previousKey` → `signedBy`, null when unsigned);
 * - `rotated`: the bundle's key rotation statements hand the id from `previousKey` to `signedBy`.
 */
export interface AuthorOutcome {
  change: "unsigned" | "bound" | "same" | "replaced" | "rotated";
  /** Fingerprint of the key that signed this bundle; null when unsigned. */
  signedBy: string | null;
  /** The key the id was bound to before this install. */
  previousKey: string | null;
}

/** Checks the signer against the id's binding and updates it (inside the install's transaction). */
export function checkAuthor(library: Library, extensionId: string, signer: BundleSignature | null, options: { replace: boolean; now: string }): AuthorOutcome {
  const bound = authorBinding(library, extensionId);
  const signedBy = signer?.fingerprint ?? null;
  if (!bound) {
    if (!signer) return { change: "unsigned", signedBy, previousKey: null };
    bindAuthor(library, extensionId, signer, options.now);
    return { change: "bound", signedBy, previousKey: null };
  }
  if (signedBy === bound.fingerprint) return { change: "same", signedBy, previousKey: bound.fingerprint };
  const chain = signer ? rotationChain(signer.endorsements, bound.fingerprint, signer.fingerprint, extensionId) : null;
  if (chain && signer) {
    bindAuthor(library, extensionId, signer, options.now);
    writeAudit(library, "host", "author.rotate", extensionId, "ok", { from: bound.fingerprint, to: signedBy, via: chain });
    return { change: "rotated", signedBy, previousKey: bound.fingerprint };
  }
  if (!options.replace) {
    const what = signer ? `is signed by another key (${signer.fingerprint})` : "is not signed";
    throw sdxError("SDX3030",
      `${extensionId} is bound to the key ${bound.fingerprint}, which signed what is installed; this bundle ${what}. ` +
        "It may come from someone else. An author who changed keys signs a rotation with the old key (`sdx keys rotate`) and builds with it; " +
        "without one, check the new fingerprint with the author and install it with --replace-author",
      { extensionId, boundKey: bound.fingerprint, signedBy });
  }
  if (signer) bindAuthor(library, extensionId, signer, options.now);
  else unbindAuthor(library, extensionId);
  writeAudit(library, "host", "author.replace", extensionId, "ok", { from: bound.fingerprint, to: signedBy });
  return { change: "replaced", signedBy, previousKey: bound.fingerprint };
}

/** The fingerprint of the key an id is bound to, or null. */
export function boundKeyOf(library: Library, extensionId: string): string | null {
  return authorBinding(library, extensionId)?.fingerprint ?? null;
}

/**
 * The keys from `bound` to `signer` through statements that each name `extensionId`, in order
 * (`bound` first), or null when the statements do not connect them. Breadth first, each key once.
 */
export function rotationChain(statements: readonly VerifiedRotation[], bound: string, signer: string, extensionId: string): string[] | null {
  const usable = statements.filter((r) => r.ids.includes(extensionId));
  const previous = new Map<string, string>([[bound, ""]]);
  const queue = [bound];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (key === signer) {
      const chain = [key];
      for (let at = previous.get(key)!; at !== ""; at = previous.get(at)!) chain.unshift(at);
      return chain;
    }
    for (const r of usable) {
      if (r.from === key && !previous.has(r.to)) {
        previous.set(r.to, key);
        queue.push(r.to);
      }
    }
  }
  return null;
}
