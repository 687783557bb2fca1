/** Small flat-earth helpers for scenario tracks: a few kilometres around a site, metres accurate enough. */
export interface LatLon {
  lat: number;
  lon: number;
}

const METRES_PER_DEGREE = 111_195;

/** The point `north` and `east` metres from `from`. */
export function offset(from: LatLon, north: number, east: number): LatLon {
  return {
    lat: round(from.lat + north / METRES_PER_DEGREE, 6),
    lon: round(from.lon + east / (METRES_PER_DEGREE * Math.cos((from.lat * Math.PI) / 180)), 6),
  };
}

/** Compass bearing from a to b, 0–360. */
export function bearing(a: LatLon, b: LatLon): number {
  const north = b.lat - a.lat;
  const east = (b.lon - a.lon) * Math.cos((a.lat * Math.PI) / 180);
  return round((Math.atan2(east, north) * 180) / Math.PI + 360, 1) % 360;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A seeded PRNG (mulberry32), so a scenario's jitter is the same each run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
