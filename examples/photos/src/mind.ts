/** The agent's memory (spec §4). */
import { agentMemory, sync, type AssociativeMemory, type TemporalMemory, type WorkingMemory, type Uuid } from "@sdx/sdk";

export interface FaceNode {
  personId: Uuid;
  contentId: Uuid;
}

export interface PhotoEvent {
  contentId: Uuid;
  kind: "seen" | "analyzed";
}

export interface AnalysisPlan {
  pendingLocations: string[];
}

@agentMemory()
export class PhotosMind {
  @sync("shared")
  knowledge!: AssociativeMemory<FaceNode>;

  @sync("shared")
  history!: TemporalMemory<PhotoEvent>;

  @sync("device_owned")
  plan!: WorkingMemory<AnalysisPlan>;
}
