/**
 * What the pixels look like, from simple statistics of a 16×16 thumbnail: brightness, colourfulness
 * and orientation. Not a scene classifier (no scene model is shipped): the traits are named for what
 * they measure, and tagged `#pixels:<trait>`.
 */
import type { PixelTrait } from "./models.js";

/** `px`: 16×16 RGB values 0–255, NHWC. */
export function pixelTraits(px: Float32Array, width: number, height: number): PixelTrait[] {
  let luma = 0;
  let chroma = 0;
  for (let i = 0; i < px.length; i += 3) {
    const [r, g, b] = [px[i]!, px[i + 1]!, px[i + 2]!];
    luma += 0.299 * r + 0.587 * g + 0.114 * b;
    chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  const n = px.length / 3;
  luma /= n * 255;
  chroma /= n * 255;
  const round = (v: number) => Math.round(v * 100) / 100;
  return [
    luma > 0.5 ? { label: "bright", confidence: round(luma) } : { label: "dark", confidence: round(1 - luma) },
    chroma > 0.25 ? { label: "colorful", confidence: round(Math.min(1, chroma * 2)) } : { label: "muted", confidence: round(1 - chroma) },
    { label: width >= height ? "landscape" : "portrait", confidence: 1 },
  ];
}
