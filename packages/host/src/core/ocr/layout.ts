/**
 * Reading order: detected boxes grouped into rows (boxes that share most of their height), rows
 * top to bottom, boxes in a row left to right. A table row (bill.png: date, description,
 * amounts) becomes one line of text with its cells separated by spaces.
 */
export interface PlacedText {
  text: string;
  /** [x1, y1, x2, y2] in pixels of the oriented image. */
  box: [number, number, number, number];
}

/** Two boxes are in the same row when their vertical overlap is at least half the smaller height. */
function sameRow(a: PlacedText["box"], b: PlacedText["box"]): boolean {
  const overlap = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return overlap >= 0.5 * Math.min(a[3] - a[1], b[3] - b[1]);
}

/** Groups `lines` into rows in reading order. */
export function rowsOf<T extends PlacedText>(lines: readonly T[]): T[][] {
  const sorted = [...lines].sort((a, b) => (a.box[1] + a.box[3]) - (b.box[1] + b.box[3]) || a.box[0] - b.box[0]);
  const rows: T[][] = [];
  for (const line of sorted) {
    const row = rows.find((r) => r.some((other) => sameRow(other.box, line.box)));
    if (row) row.push(line);
    else rows.push([line]);
  }
  for (const row of rows) row.sort((a, b) => a.box[0] - b.box[0]);
  const top = (row: T[]) => Math.min(...row.map((l) => l.box[1] + l.box[3]));
  return rows.sort((a, b) => top(a) - top(b));
}

/** The page's text: rows joined by newlines, boxes of a row by single spaces. */
export function joinText(rows: ReadonlyArray<readonly PlacedText[]>): string {
  return rows.map((row) => row.map((l) => l.text.trim()).filter(Boolean).join(" ")).join("\n");
}
