/**
 * The agent's memory (spec §4): `knowledge` (people and who appears with whom, knowledge.ts),
 * `history` (photos seen), `plan` (folders waiting for analysis on this device; onNewPhoto adds,
 * onJobCompleted removes).
 */
import { agentMemory, sync, type AssociativeMemory, type TemporalMemory, type WorkingMemory, type Uuid } from "@sdx/sdk";

/** A person in the agent's associative memory (knowledge.ts). */
export interface PersonNode {
  personId: Uuid;
}

export interface PhotoEvent {
  contentId: Uuid;
  kind: "seen" | "analyzed";
}

/** What this device still has to analyze: folders with new photos, and the job dispatched for each. */
export interface AnalysisPlan {
  pending: Array<{ path: string; jobId: Uuid }>;
}

@agentMemory()
export class PhotosMind {
  @sync("shared")
  knowledge!: AssociativeMemory<PersonNode>;

  @sync("shared")
  history!: TemporalMemory<PhotoEvent>;

  @sync("device_owned")
  plan!: WorkingMemory<AnalysisPlan>;
}
