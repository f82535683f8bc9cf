/**
 * Where organizePhotos puts a moment's photos: `<location>/Albums/<moment title>/`, one folder per
 * moment, the photos keeping their names (a second photo with a taken name gets " (2)", …).
 */

/** A moment's title as a folder name: no path separators or characters other systems refuse. */
export function albumFolderName(title: string): string {
  const name = [...title].map((c) => (c < " " || '/\\:*?"<>|'.includes(c) ? " " : c)).join("").replace(/\s+/g, " ").trim();
  return name === "" || name === "." || name === ".." ? "Album" : name;
}

/** `name`, or `name (2)`, `name (3)`… (before the extension) when it is already in `taken`; adds the result to `taken`. */
export function freeName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}
