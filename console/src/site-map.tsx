import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { ApiError } from './api';
import type { Board } from './board';
import type { IncidentDetail } from './types';

type Position = [number, number] | [number, number, number];
interface Feature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: Position[][] } | { type: 'Point'; coordinates: Position };
  properties: { kind: 'perimeter' | 'zone' | 'sensor'; zone?: string; sensorId?: string; [k: string]: unknown };
}
interface SiteMap {
  type: 'FeatureCollection';
  features: Feature[];
}
export interface Track {
  remoteIdSeen: boolean;
  nonCooperative: boolean;
  spoofSuspected: boolean;
  uasIds: string[];
  positions: { lat: number; lon: number; at: string }[];
}

const WIDTH = 560;
const HEIGHT = 360;
const PAD = 16;
/** The safety net under the live signal. */
const BLIND_POLL_MS = 30_000;

/**
 * The incident's site drawn from its map (GET /sites/{id}/map) as SVG vector shapes, no tiles:
 * perimeter, zones (the blind ones shaded, the ones this incident's theft events name marked),
 * sensors, and the drone's track as it grows, told apart as cooperative, non-cooperative or
 * suspect. A site with no map shows a line saying so, and the rest of the detail as ever.
 * The blind zones are read again as soon as the board learns the site's health changed (a
 * sensor-health incident opened, grew or was resolved, live), and every 30 s in case a change
 * came with no message (a sensor newly covering a zone).
 */
export function SiteMapView({ api, board, detail }: { api: Api; board: Board; detail: IncidentDetail }) {
  const [map, setMap] = useState<SiteMap | null | undefined>(undefined);
  const [blind, setBlind] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api
      .request<SiteMap>('GET', `/sites/${detail.siteId}/map`)
      .then((m) => live && setMap(m))
      .catch((error) => live && setMap(error instanceof ApiError && error.status === 404 ? null : undefined));
    const readBlind = () =>
      api
        .request<{ zones: string[] }>('GET', `/sites/${detail.siteId}/blind-zones`)
        .then((b) => live && setBlind(b.zones))
        .catch(() => undefined);
    void readBlind();
    const offHealth = board.onHealthChange((siteId) => siteId === detail.siteId && void readBlind());
    const timer = setInterval(() => void readBlind(), BLIND_POLL_MS);
    return () => {
      live = false;
      offHealth();
      clearInterval(timer);
    };
  }, [detail.siteId]);

  if (map === undefined) return null;
  if (map === null) return <p class="no-map">No map has been set for site {detail.siteId}.</p>;

  const track = (detail.track as Track | undefined) ?? null;
  const marked = new Set(detail.events.filter((e) => e.kind === 'theft' && e.zone).map((e) => e.zone!));
  const points: [number, number][] = [];
  for (const f of map.features) {
    if (f.geometry.type === 'Point') points.push([f.geometry.coordinates[0], f.geometry.coordinates[1]]);
    else for (const ring of f.geometry.coordinates) for (const p of ring) points.push([p[0], p[1]]);
  }
  for (const p of track?.positions ?? []) points.push([p.lon, p.lat]);
  if (points.length === 0) return <p class="no-map">The map of site {detail.siteId} is empty.</p>;
  const project = projection(points);
  const ring = (r: Position[]) => r.map((p) => project(p[0], p[1]).join(',')).join(' ');
  const trackKind = !track
    ? ''
    : track.spoofSuspected
      ? 'suspect'
      : track.nonCooperative || !track.remoteIdSeen
        ? 'non-cooperative'
        : 'cooperative';
  const zones = map.features.filter((f) => f.properties.kind === 'zone');
  const sensors = map.features.filter((f) => f.properties.kind === 'sensor');
  const label = [
    `Map of site ${detail.siteId}`,
    `${zones.length} zones`,
    `${sensors.length} sensors`,
    blind.length ? `blind now: ${blind.join(', ')}` : 'no blind zone',
    marked.size ? `zones of this incident: ${[...marked].join(', ')}` : '',
    track ? `${trackKind} drone track of ${track.positions.length} positions` : '',
  ]
    .filter(Boolean)
    .join('; ');

  return (
    <figure class="site-map">
      <svg role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%">
        <defs>
          <pattern id="blind-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="8" height="8" fill="#d9d9d9" />
            <line x1="0" y1="0" x2="0" y2="8" stroke="#6b6b6b" stroke-width="3" />
          </pattern>
        </defs>
        {map.features
          .filter((f) => f.properties.kind === 'perimeter' && f.geometry.type === 'Polygon')
          .map((f, i) => (
            <polygon key={`p${i}`} class="perimeter" points={ring((f.geometry.coordinates as Position[][])[0])} />
          ))}
        {zones.map((f) => {
          const zone = f.properties.zone!;
          const outer = (f.geometry.coordinates as Position[][])[0];
          const [x, y] = centre(outer.map((p) => project(p[0], p[1])));
          return (
            <g
              key={zone}
              data-zone={zone}
              class={`zone${blind.includes(zone) ? ' blind' : ''}${marked.has(zone) ? ' marked' : ''}`}
            >
              <polygon points={ring(outer)} fill={blind.includes(zone) ? 'url(#blind-hatch)' : undefined} />
              <text x={x} y={y} text-anchor="middle">
                {zone}
                {blind.includes(zone) ? ' (blind)' : ''}
              </text>
            </g>
          );
        })}
        {sensors.map((f) => {
          const [x, y] = project((f.geometry.coordinates as Position)[0], (f.geometry.coordinates as Position)[1]);
          return <circle key={f.properties.sensorId} class="sensor" cx={x} cy={y} r={4} />;
        })}
        {track && track.positions.length > 0 && (
          <g class={`track track-${trackKind}`} data-track={trackKind}>
            <polyline points={track.positions.map((p) => project(p.lon, p.lat).join(',')).join(' ')} />
            {(() => {
              const last = track.positions[track.positions.length - 1];
              const [x, y] = project(last.lon, last.lat);
              return <circle cx={x} cy={y} r={6} />;
            })()}
          </g>
        )}
      </svg>
      <figcaption>
        <span class="key key-perimeter">perimeter</span> <span class="key key-zone">zone</span>{' '}
        <span class="key key-blind">blind zone</span> <span class="key key-marked">zone of this incident</span>{' '}
        <span class="key key-sensor">sensor</span>
        {track && (
          <span class={`key key-track-${trackKind}`}>
            {trackKind} drone{track.uasIds.length ? ` ${track.uasIds.join(', ')}` : ''}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

/** Longitude and latitude to SVG x, y: equirectangular around the middle latitude, fitted with padding. */
function projection(points: [number, number][]): (lon: number, lat: number) => [number, number] {
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const w = Math.max((maxLon - minLon) * k, 1e-9);
  const h = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((WIDTH - 2 * PAD) / w, (HEIGHT - 2 * PAD) / h);
  const offX = (WIDTH - w * scale) / 2;
  const offY = (HEIGHT - h * scale) / 2;
  return (lon, lat) => [round(offX + (lon - minLon) * k * scale), round(HEIGHT - offY - (lat - minLat) * scale)];
}

function centre(points: [number, number][]): [number, number] {
  const x = points.reduce((s, p) => s + p[0], 0) / points.length;
  const y = points.reduce((s, p) => s + p[1], 0) / points.length;
  return [round(x), round(y)];
}

const round = (n: number) => Math.round(n * 10) / 10;
