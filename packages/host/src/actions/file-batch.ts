/**
 * An action's file operations as one batch: reversed when its apply fails, set aside and then
 * removed for good when it is undone, and recovered when a host stopped in the middle (SIGKILL,
 * power loss) and the library is opened again. The library transaction commits the index after
 * every file step ran, so "did the library commit?" (the action's audit row, written in that
 * transaction) decides which way an interrupted batch goes:
 *
 *   applying, not committed  → every step reversed; the action failed (nothing was applied)
 *   applying, committed      → kept as applied (undo can reverse it)
 *   undoing, not committed   → every step made again; the action stays executed
 *   undoing, committed       → files set aside by the undo removed; the action undone
 *
 * Reversals never replace or delete a file that is not the one the step made (file-steps.ts): what
 * cannot be put back is kept where it is and named in the action's error.
 */
import type { WireError } from "@sdx/sdk/protocol";
import { redoStep, removeCreated, reverseStep, undoStep, stepInPlace } from "../core/files/file-steps.js";
import type { ActionStore } from "../store/action-store.js";
import { actionExecuteCommitted, actionUndoCommitted } from "../store/audit.js";
import type { FileStep } from "../store/file-journal.js";
import type { Library } from "../store/library.js";
import { sdxError } from "../errors.js";

const problemsOf = (results: Array<string | null>): string[] => results.filter((p): p is string => p !== null);

/** Reverses the steps of an apply that did not commit, last first; returns what could not be put back. */
export function reverseSteps(steps: readonly FileStep[]): string[] {
  return problemsOf([...steps].reverse().map(reverseStep));
}

/** Refuses (SDX3016) an undo when a file is not where the action left it. */
export function requireStepsInPlace(actionId: string, steps: readonly FileStep[]): void {
  for (const step of steps) {
    const problem = stepInPlace(step);
    if (problem) throw sdxError("SDX3016", `the files changed since action ${actionId} (${problem}); it cannot be undone safely`);
  }
}

/** Undoes the steps, last first; throws (SDX3037) at the first that cannot be undone, after making the others again. */
export function undoSteps(actionId: string, steps: readonly FileStep[]): void {
  const done: FileStep[] = [];
  for (const step of [...steps].reverse()) {
    const problem = undoStep(step, actionId);
    if (problem) {
      redoSteps(actionId, done.reverse());
      throw sdxError("SDX3037", `undo of action ${actionId} could not put a file back: ${problem}; nothing was undone`);
    }
    done.push(step);
  }
}

/** Makes undone steps again (an undo that did not commit); returns what could not be redone. */
export function redoSteps(actionId: string, steps: readonly FileStep[]): string[] {
  return problemsOf(steps.map((step) => redoStep(step, actionId)));
}

/** After an undo committed: removes the files it set aside, then the folders the action created (while empty). */
export function finishUndo(actionId: string, steps: readonly FileStep[]): void {
  for (const step of [...steps].reverse()) removeCreated(step, actionId);
}

function interrupted(count: number, problems: string[]): WireError {
  const kept = problems.length > 0 ? `; kept where they are: ${problems.join("; ")}` : "";
  return { code: "SDX3020", name: "Interrupted", message: `the host stopped while applying the action; its ${count} file operation(s) were reversed and nothing was applied${kept}` };
}

/** Settles the file batches of hosts that stopped (called when a host opens the library). */
export function recoverFileBatches(library: Library, store: ActionStore): void {
  for (const batch of store.files.abandoned()) {
    const id = batch.actionId;
    if (batch.phase === "applying") {
      if (actionExecuteCommitted(library, id)) {
        store.files.setPhase(id, "applied");
        continue;
      }
      const problems = reverseSteps(batch.steps);
      store.files.remove(id);
      if (store.get(id)) store.setState(id, "failed", interrupted(batch.steps.length, problems));
    } else if (batch.phase === "undoing") {
      if (actionUndoCommitted(library, id)) {
        finishUndo(id, batch.steps);
        store.files.remove(id);
        if (store.get(id)?.state === "executed") store.setState(id, "undone");
      } else {
        redoSteps(id, batch.steps);
        store.files.setPhase(id, "applied");
      }
    }
  }
}
