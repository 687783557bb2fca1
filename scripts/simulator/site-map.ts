import type { LatLon } from './geo';

/**
 * The made-up mine the scenarios play on, near Kolwezi: where its zones are, so tracks and
 * alarms line up (the drone circles over the fence that is cut, the survey covers the pit).
 */
export const SITE_MAP = {
  pit2: { lat: -10.7212, lon: 25.4598 },
  tailingsEast: { lat: -10.7148, lon: 25.4663 },
  northFence: { lat: -10.7061, lon: 25.4631 },
  oreYard: { lat: -10.7094, lon: 25.4655 },
  crusher3: { lat: -10.7123, lon: 25.4702 },
  /** Where the survey team launches from, beside the site office. */
  surveyPad: { lat: -10.7185, lon: 25.4559 },
} satisfies Record<string, LatLon>;

/** Ground level above the WGS84 ellipsoid around the site, for Remote ID geodetic altitudes. */
export const SITE_ELEVATION_M = 1450;
