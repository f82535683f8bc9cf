/**
 * User settings (spec §1): rendered as the extension's settings pane. The spec's "Model Preference"
 * is not here: where a model may run is the user's choice for every extension at once
 * (`sdx prefs`), which the host enforces on each call, rather than a setting each extension
 * promises to respect.
 */
import { setting } from "@sdx/sdk";

export class PhotosConfig {
  @setting({ label: "Enable Face Recognition", default: true })
  faceRecognition!: boolean;

  @setting({ label: "Face detection threshold", default: 0.7, description: "Minimum detector confidence (0–1)." })
  faceThreshold!: number;

  @setting({ label: "Write captions", default: true, description: "Uses the language model registered as \"caption\" (sdx models add-endpoint); off when there is none." })
  captions!: boolean;
}
