/**
 * The page's libraries, served from the installed npm packages (there is no network at run time):
 * Preact and htm (components without a build step), Leaflet (the map), and Natural Earth's land
 * outline from world-atlas, turned into GeoJSON once, as the map's offline background.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The root folder of an installed package. */
function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // its exports map hides package.json: walk up from its entry
  }
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json here: go up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package folder of ${name}`);
    dir = parent;
  }
}

/** URL path → file, for every vendored file the page loads. */
export const VENDOR_FILES: Readonly<Record<string, () => string>> = {
  "preact.mjs": () => join(packageDir("preact"), "dist/preact.mjs"),
  "preact-hooks.mjs": () => join(packageDir("preact"), "hooks/dist/hooks.mjs"),
  "htm.mjs": () => join(packageDir("htm"), "dist/htm.mjs"),
  "htm-preact.mjs": () => join(packageDir("htm"), "preact/index.mjs"),
  "leaflet.mjs": () => join(packageDir("leaflet"), "dist/leaflet-src.esm.js"),
  "leaflet.css": () => join(packageDir("leaflet"), "dist/leaflet.css"),
};

/** The import map the page declares, so its modules import these by their package names. */
export const IMPORT_MAP = {
  imports: {
    "preact": "/vendor/preact.mjs",
    "preact/hooks": "/vendor/preact-hooks.mjs",
    "htm": "/vendor/htm.mjs",
    "htm/preact": "/vendor/htm-preact.mjs",
    "leaflet": "/vendor/leaflet.mjs",
  },
};

let land: string | undefined;

/** The world's land masses (Natural Earth 1:110m, public domain) as GeoJSON text. */
export function landGeoJson(): string {
  if (land === undefined) {
    const topology = JSON.parse(readFileSync(join(packageDir("world-atlas"), "land-110m.json"), "utf8")) as { objects: { land: unknown } };
    const { feature } = require("topojson-client") as { feature: (topology: unknown, object: unknown) => unknown };
    land = JSON.stringify(feature(topology, topology.objects.land));
  }
  return land;
}
