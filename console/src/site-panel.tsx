import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import type { Board } from './board';
import type { Site } from './types';

interface GatewayHealth {
  gatewayId: string;
  state: string | null;
  lastHeardAt: string | null;
  seqGaps: { missing: number };
}
interface SensorHealth {
  sensorId: string;
  gatewayId: string;
  state: string | null;
  zones: { zone: string }[];
}
interface Silence {
  id: string;
  zone: string | null;
  sensorId: string | null;
  kind: string | null;
  endsAt: string | null;
  recurrence: unknown;
  reason: string;
}
interface AuthorizedDrone {
  uasId: string;
  label: string;
}
interface SiteState {
  gateways: GatewayHealth[];
  sensors: SensorHealth[];
  blind: string[];
  silences: Silence[];
  drones: AuthorizedDrone[];
  at: string;
}

const REFRESH_MS = 30_000;

/**
 * What explains a quiet board, per site: gateways and sensors with their health, the zones blind
 * now, and the silences and authorized drones in force. Read from REST every 30 s, on demand,
 * and for a site as soon as the board learns its health changed (a sensor-health incident).
 */
export function SitePanel({ api, board, sites }: { api: Api; board: Board; sites: Site[] }) {
  const [states, setStates] = useState<Record<string, SiteState | string>>({});
  const load = async (only?: string) => {
    const now = new Date().toISOString();
    const next: Record<string, SiteState | string> = {};
    await Promise.all(
      sites
        .filter((site) => only === undefined || site.id === only)
        .map(async (site) => {
          const id = encodeURIComponent(site.id);
          try {
            const [gateways, sensors, blind, silences, drones] = await Promise.all([
              api.request<{ items: GatewayHealth[] }>('GET', `/sites/${id}/gateways`),
              api.request<{ items: SensorHealth[] }>('GET', `/sites/${id}/sensors`),
              api.request<{ zones: string[] }>('GET', `/sites/${id}/blind-zones`),
              api.request<{ items: Silence[] }>('GET', `/silences?siteId=${id}&activeAt=${encodeURIComponent(now)}`),
              api.request<{ items: AuthorizedDrone[] }>('GET', `/authorized-drones?siteId=${id}`),
            ]);
            next[site.id] = {
              gateways: gateways.items,
              sensors: sensors.items,
              blind: blind.zones,
              silences: silences.items,
              drones: drones.items,
              at: now,
            };
          } catch (error) {
            next[site.id] = `Could not read site ${site.id}: ${(error as Error).message}`;
          }
        }),
    );
    setStates((states) => ({ ...states, ...next }));
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    const offHealth = board.onHealthChange((siteId) => void load(siteId));
    return () => {
      clearInterval(timer);
      offHealth();
    };
  }, [sites.map((s) => s.id).join(',')]);

  return (
    <section class="site-panel" aria-labelledby="sites-heading">
      <h2 id="sites-heading">
        Sites{' '}
        <button type="button" onClick={() => void load()}>
          Refresh sites
        </button>
      </h2>
      {sites.map((site) => {
        const state = states[site.id];
        return (
          <section key={site.id} class="site" aria-label={`Site ${site.id}`}>
            <h3>
              {site.name} <span class="site-id">({site.id})</span>
            </h3>
            {state === undefined ? (
              <p>Loading…</p>
            ) : typeof state === 'string' ? (
              <p role="alert">{state}</p>
            ) : (
              <SiteFacts state={state} />
            )}
          </section>
        );
      })}
    </section>
  );
}

function SiteFacts({ state }: { state: SiteState }) {
  return (
    <>
      <p class={state.blind.length ? 'blind-now' : ''}>
        <strong>Blind now:</strong> {state.blind.length ? state.blind.join(', ') : 'no zone'}
      </p>
      <ul aria-label="Gateways" class="health">
        {state.gateways.map((g) => (
          <li key={g.gatewayId}>
            Gateway {g.gatewayId}: <span class={`state state-${g.state ?? 'unknown'}`}>{g.state ?? 'never heard'}</span>
            {g.lastHeardAt && <> · heard {new Date(g.lastHeardAt).toLocaleTimeString()}</>}
            {g.seqGaps.missing > 0 && <> · {g.seqGaps.missing} events lost on the way</>}
          </li>
        ))}
      </ul>
      <ul aria-label="Sensors" class="health">
        {state.sensors.map((s) => (
          <li key={`${s.gatewayId}/${s.sensorId}`}>
            Sensor {s.sensorId} ({s.gatewayId}):{' '}
            <span class={`state state-${s.state ?? 'unknown'}`}>{s.state ?? 'unknown'}</span>
            {s.zones.length > 0 && <> · covers {s.zones.map((z) => z.zone).join(', ')}</>}
          </li>
        ))}
      </ul>
      <h4>Silences in force</h4>
      {state.silences.length === 0 ? (
        <p>None</p>
      ) : (
        <ul aria-label="Silences in force">
          {state.silences.map((s) => (
            <li key={s.id}>
              {[s.zone && `zone ${s.zone}`, s.sensorId && `sensor ${s.sensorId}`, s.kind && `${s.kind} events`]
                .filter(Boolean)
                .join(', ') || 'the whole site'}
              : {s.reason}
              {s.endsAt && <> · until {new Date(s.endsAt).toLocaleString()}</>}
              {s.recurrence ? <> · weekly</> : null}
            </li>
          ))}
        </ul>
      )}
      <h4>Authorized drones</h4>
      {state.drones.length === 0 ? (
        <p>None</p>
      ) : (
        <ul aria-label="Authorized drones">
          {state.drones.map((d) => (
            <li key={d.uasId}>
              {d.uasId} ({d.label})
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
