// Deterministic demo photos with real EXIF (sharp writes it): capture times, GPS in three cities,
// camera make/model, a few photos without GPS, and byte-identical duplicates in a backup folder.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

const CITIES = [
  { name: "paris", lat: 48.8566, lon: 2.3522, day: "2024:06:01" },
  { name: "tokyo", lat: 35.6762, lon: 139.6503, day: "2024:07:14" },
  { name: "new-york", lat: 40.7128, lon: -74.006, day: "2024:09:03" },
];

/** Small deterministic PRNG (mulberry32), so every run makes the same bytes. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dms(value) {
  const abs = Math.abs(value);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
}

function pixels(random, width, height) {
  const data = Buffer.alloc(width * height * 3);
  const [r0, g0, b0] = [random() * 255, random() * 255, random() * 255];
  const [fx, fy] = [1 + random() * 6, 1 + random() * 6];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const wave = Math.sin((x / width) * fx * Math.PI) * Math.cos((y / height) * fy * Math.PI);
      data[i] = (r0 + 80 * wave + (x * 96) / width) & 255;
      data[i + 1] = (g0 + 80 * wave + (y * 96) / height) & 255;
      data[i + 2] = (b0 - 60 * wave) & 255;
    }
  }
  return data;
}

/** Writes the demo photos into `dir`; returns { files, duplicates }. */
export async function generatePhotos(dir, { perCity = 6, withoutGps = 3, duplicates = 3 } = {}) {
  const random = rng(20261124);
  const files = [];
  const write = async (name, exif) => {
    const path = join(dir, name);
    const [width, height] = random() > 0.3 ? [640, 480] : [480, 640];
    await sharp(pixels(random, width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).withExif(exif).toFile(path);
    files.push(path);
  };
  for (const city of CITIES) {
    mkdirSync(join(dir, city.name), { recursive: true });
    for (let i = 0; i < perCity; i++) {
      const lat = city.lat + (random() - 0.5) * 0.02;
      const lon = city.lon + (random() - 0.5) * 0.02;
      const time = `${city.day} ${String(9 + i).padStart(2, "0")}:${String(Math.floor(random() * 60)).padStart(2, "0")}:00`;
      await write(join(city.name, `IMG_${String(i + 1).padStart(4, "0")}.jpg`), {
        IFD0: { Make: "sdx", Model: "Demo Camera" },
        IFD2: { DateTimeOriginal: time },
        IFD3: { GPSLatitudeRef: lat >= 0 ? "N" : "S", GPSLatitude: dms(lat), GPSLongitudeRef: lon >= 0 ? "E" : "W", GPSLongitude: dms(lon) },
      });
    }
  }
  mkdirSync(join(dir, "scans"), { recursive: true });
  for (let i = 0; i < withoutGps; i++) {
    await write(join("scans", `scan_${i + 1}.jpg`), { IFD0: { Make: "sdx", Model: "Demo Scanner" }, IFD2: { DateTimeOriginal: `2023:12:2${i} 20:00:00` } });
  }
  mkdirSync(join(dir, "backup"), { recursive: true });
  const copies = files.slice(0, duplicates).map((file, i) => {
    const copy = join(dir, "backup", `copy_${i + 1}.jpg`);
    copyFileSync(file, copy);
    return copy;
  });
  return { files: [...files, ...copies], duplicates: copies.length };
}
