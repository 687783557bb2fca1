import type { GatewayStatus } from '../events/gateway-status.schema';

/** A gateway's or sensor's health: a gateway is `ok` (online) or `offline`; a sensor also `fault`. */
export type HealthState = 'ok' | 'fault' | 'offline';

export type HealthSubject = { type: 'gateway'; id: string } | { type: 'sensor'; id: string };

/** What OreGuard knows of one gateway and the sensors behind it. */
export interface GatewayHealth {
  /** null until the gateway's first status. */
  state: 'ok' | 'offline' | null;
  /** The newest status `at` applied: older (or equal: a redelivered retained status) is stale. */
  statusAt: Date | null;
  /** The `at` of the newest offline report applied. */
  offlineAt: Date | null;
  sensors: ReadonlyMap<string, { state: HealthState; at: Date }>;
}

export interface HealthTransition {
  subject: HealthSubject;
  /** null: first sight. */
  from: HealthState | null;
  to: HealthState;
  /** When it changed, as best known (for "was this zone blind at …" questions). */
  at: Date;
  reason: string;
}

export interface HealthObservation {
  /** Whether the report changed what is known (a stale or redelivered one does not). */
  applied: boolean;
  next: GatewayHealth;
  transitions: HealthTransition[];
}

/** A transition that raises a tamper signal and a sensor-health incident. */
export function isBlinding(t: HealthTransition): boolean {
  return t.to !== 'ok';
}

/** A transition that resolves the subject's sensor-health incident. */
export function isRecovery(t: HealthTransition): boolean {
  return t.to === 'ok' && t.from !== null && t.from !== 'ok';
}

/**
 * Applies one `…/status` report. Reports are ordered by their `at`: one not newer than the
 * newest applied is stale (a late heartbeat, or the retained status the broker hands OreGuard
 * again when it reconnects), and changes nothing. One exception: a gateway's last will is
 * written when it connects, so it carries that (older) time; an `offline` report newer than
 * the last offline applied is therefore taken even when a later heartbeat was seen.
 */
export function observeStatus(current: GatewayHealth, gatewayId: string, status: GatewayStatus): HealthObservation {
  const at = status.at;
  const newer = current.statusAt === null || at > current.statusAt;
  const lastWill =
    !newer &&
    status.state === 'offline' &&
    current.state !== 'offline' &&
    (current.offlineAt === null || at > current.offlineAt);
  if (!newer && !lastWill) return { applied: false, next: current, transitions: [] };

  const transitions: HealthTransition[] = [];
  // A last will stands for "offline since the last word", never before it.
  const changedAt = lastWill ? (current.statusAt as Date) : at;
  const gatewayState = status.state === 'online' ? 'ok' : 'offline';
  if (gatewayState !== current.state) {
    transitions.push({
      subject: { type: 'gateway', id: gatewayId },
      from: current.state,
      to: gatewayState,
      at: changedAt,
      reason: gatewayState === 'ok' ? 'reported online' : lastWill ? 'last will: connection lost' : 'reported offline',
    });
  }

  const sensors = new Map(current.sensors);
  for (const reported of status.sensors ?? []) {
    const known = sensors.get(reported.sensorId);
    if (known && at <= known.at) continue;
    sensors.set(reported.sensorId, { state: reported.state, at });
    if (known?.state === reported.state) continue;
    transitions.push({
      subject: { type: 'sensor', id: reported.sensorId },
      from: known?.state ?? null,
      to: reported.state,
      at,
      reason: `reported ${reported.state} by gateway ${gatewayId}`,
    });
  }

  return {
    applied: true,
    next: {
      state: gatewayState,
      statusAt: newer ? at : current.statusAt,
      offlineAt: gatewayState === 'offline' ? at : current.offlineAt,
      sensors,
    },
    transitions,
  };
}

/** How many heartbeat intervals of silence make an online gateway offline. */
export const MISSED_HEARTBEATS = 3;

/**
 * Heartbeat silence: an online gateway not heard from for MISSED_HEARTBEATS intervals is
 * offline, from the first heartbeat it missed. Its status time is left alone, so its next
 * heartbeat (newer than the last) brings it back whatever its clock says.
 */
export function observeSilence(
  current: GatewayHealth,
  gatewayId: string,
  lastHeardAt: Date,
  now: Date,
  intervalMs: number,
): HealthObservation {
  const silentMs = now.getTime() - lastHeardAt.getTime();
  if (current.state !== 'ok' || silentMs < MISSED_HEARTBEATS * intervalMs) {
    return { applied: false, next: current, transitions: [] };
  }
  return {
    applied: true,
    next: { ...current, state: 'offline' },
    transitions: [
      {
        subject: { type: 'gateway', id: gatewayId },
        from: 'ok',
        to: 'offline',
        at: new Date(lastHeardAt.getTime() + intervalMs),
        reason: `no heartbeat for ${Math.round(silentMs / 1000)}s (${MISSED_HEARTBEATS} intervals of ${Math.round(intervalMs / 1000)}s)`,
      },
    ],
  };
}
