import { randomUUID } from 'node:crypto';
import { sha256Hex } from 'src/audit/hash-chain';
import type { Queryable } from 'src/database/db';
import { CLAIMED, claimEventKeys } from 'src/database/events-once';
import type { Severity } from 'src/domain/events/canonical-event.schema';
import type { GatewayStatus } from 'src/domain/events/gateway-status.schema';
import { OREGUARD_NAMESPACE, uuidV5 } from 'src/domain/events/uuid-v5';
import {
  isBlinding,
  isRecovery,
  observeStatus,
  type GatewayHealth,
  type HealthObservation,
  type HealthState,
  type HealthTransition,
} from 'src/domain/health/gateway-health';
import {
  healthGroupKey,
  joinHealthIncident,
  openHealthIncident,
  tamperDescription,
} from 'src/domain/health/health-incident';
import type { Incident } from 'src/domain/incidents/incident';
import { transitions as lifecycle } from 'src/domain/incidents/transitions';
import type { BoundEvent } from 'src/incidents/event-binding';
import {
  chainTimeline,
  incidentView,
  incidentWrites,
  toIncident,
  type IncidentRow,
} from 'src/incidents/incident.repository';
import type { NewLiveMessage } from 'src/live/live-log';

export interface HealthOptions {
  /** Severity of a sensor-health incident. */
  severity: Severity;
  /** MQTT topic prefix: a tamper event names the status topic it came from. */
  topicPrefix: string;
}

/** What a health change did, for the log line after commit. */
export interface HealthEffect {
  siteId: string;
  gatewayId: string;
  transition: HealthTransition;
  incidentId?: string;
  effect: 'opened' | 'joined' | 'resolved' | 'recorded';
}

/** A gateway's health as stored, with the row locked until the transaction ends. */
export async function lockGatewayHealth(tx: Queryable, siteId: string, gatewayId: string): Promise<GatewayHealth> {
  const { rows } = await tx.query<{ state: string | null; state_at: Date | null; offline_at: Date | null }>(
    'SELECT state, state_at, offline_at FROM gateways WHERE site_id = $1 AND id = $2 FOR NO KEY UPDATE',
    [siteId, gatewayId],
  );
  const sensors = await tx.query<{ id: string; state: HealthState; state_at: Date }>(
    'SELECT id, state, state_at FROM sensors WHERE site_id = $1 AND gateway_id = $2 AND state IS NOT NULL AND state_at IS NOT NULL',
    [siteId, gatewayId],
  );
  const row = rows[0];
  return {
    state: row?.state === 'online' ? 'ok' : row?.state === 'offline' ? 'offline' : null,
    statusAt: row?.state_at ?? null,
    offlineAt: row?.offline_at ?? null,
    sensors: new Map(sensors.rows.map((s) => [s.id, { state: s.state, at: s.state_at }])),
  };
}

/**
 * Applies one status report of a gateway (its row locked by the caller's batch): the new
 * states, then what each change sets off. A stale or redelivered report changes nothing.
 * The changes' live messages go into `live`, for the caller to append once its other writes
 * are done (appendLiveMessages).
 */
export async function applyStatusReport(
  tx: Queryable,
  report: { siteId: string; gatewayId: string; status: GatewayStatus; receivedAt: Date; raw: string },
  options: HealthOptions,
  live: NewLiveMessage[],
): Promise<HealthEffect[]> {
  const { siteId, gatewayId, status } = report;
  const current = await lockGatewayHealth(tx, siteId, gatewayId);
  const observed = observeStatus(current, gatewayId, status);
  if (!observed.applied) return [];
  const gatewayChange = observed.transitions.find((t) => t.subject.type === 'gateway');
  await tx.query(
    `UPDATE gateways
        SET state = $3, state_at = $4, offline_at = $5,
            state_reason = COALESCE($6, state_reason),
            last_heard_at = CASE WHEN $3 = 'online' THEN GREATEST(last_heard_at, $7::timestamptz) ELSE last_heard_at END
      WHERE site_id = $1 AND id = $2`,
    [
      siteId,
      gatewayId,
      observed.next.state === 'ok' ? 'online' : 'offline',
      observed.next.statusAt,
      observed.next.offlineAt,
      gatewayChange?.reason ?? null,
      report.receivedAt,
    ],
  );
  await saveSensors(tx, siteId, gatewayId, observed, status);
  return applyHealthTransitions(tx, siteId, gatewayId, observed.transitions, {
    ...options,
    now: report.receivedAt,
    raw: report.raw,
    live,
  });
}

async function saveSensors(
  tx: Queryable,
  siteId: string,
  gatewayId: string,
  observed: HealthObservation,
  status: GatewayStatus,
) {
  const reasons = new Map(
    observed.transitions.filter((t) => t.subject.type === 'sensor').map((t) => [t.subject.id, t.reason]),
  );
  const written = (status.sensors ?? [])
    .map((s) => ({ id: s.sensorId, now: observed.next.sensors.get(s.sensorId)! }))
    .filter((s) => s.now.at.getTime() === status.at.getTime());
  if (written.length === 0) return;
  await tx.query(
    `INSERT INTO sensors (site_id, id, gateway_id, state, state_at, state_reason)
     SELECT $1, s.id, $2, s.state, $3, s.reason FROM unnest($4::text[], $5::text[], $6::text[]) AS s(id, state, reason)
     ON CONFLICT (site_id, id) DO UPDATE
       SET gateway_id = EXCLUDED.gateway_id, state = EXCLUDED.state, state_at = EXCLUDED.state_at,
           state_reason = COALESCE(EXCLUDED.state_reason, sensors.state_reason)`,
    [
      siteId,
      gatewayId,
      status.at,
      written.map((s) => s.id),
      written.map((s) => s.now.state),
      written.map((s) => reasons.get(s.id) ?? null),
    ],
  );
}

/**
 * What health changes set off, in the caller's transaction: each is kept in the history
 * (for "was this zone blind at …"); a change to fault or offline stores a tamper event and
 * opens (or joins) the subject's sensor-health incident; a recovery resolves it. Live
 * messages are collected in `live` for the caller to append once, after its other writes.
 */
export async function applyHealthTransitions(
  tx: Queryable,
  siteId: string,
  gatewayId: string,
  transitions: readonly HealthTransition[],
  ctx: HealthOptions & { now: Date; raw: string; live: NewLiveMessage[] },
): Promise<HealthEffect[]> {
  if (transitions.length === 0) return [];
  await tx.query(
    `INSERT INTO sensor_health_changes (site_id, gateway_id, subject_type, subject_id, state, at, reason)
     SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])`,
    [
      siteId,
      gatewayId,
      transitions.map((t) => t.subject.type),
      transitions.map((t) => t.subject.id),
      transitions.map((t) => t.to),
      transitions.map((t) => t.at),
      transitions.map((t) => t.reason),
    ],
  );
  await recordNewestChanges(tx, siteId, transitions);
  const effects: HealthEffect[] = [];
  for (const t of transitions) {
    if (isBlinding(t)) effects.push(await raise(tx, siteId, gatewayId, t, ctx));
    else if (isRecovery(t)) effects.push(await recover(tx, siteId, gatewayId, t, ctx));
    else effects.push({ siteId, gatewayId, transition: t, effect: 'recorded' });
  }
  return effects;
}

/**
 * Each subject's newest change, also on its own row (sensors, gateways; migration
 * 1765210000000): what correlation reads to know a subject's state without its whole history
 * (correlatorStore.outages). Of several changes of one subject, the latest in time; of equal
 * times, the last recorded, as the history orders them.
 */
async function recordNewestChanges(tx: Queryable, siteId: string, transitions: readonly HealthTransition[]) {
  const newest = new Map<string, HealthTransition>();
  for (const t of transitions) {
    const key = `${t.subject.type}/${t.subject.id}`;
    const seen = newest.get(key);
    if (!seen || t.at >= seen.at) newest.set(key, t);
  }
  const latest = [...newest.values()];
  await tx.query(
    `WITH t AS (SELECT * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::text[]) AS t(type, id, at, state)),
     sensors_changed AS (
       UPDATE sensors s SET health_changed_at = t.at, health_changed_to = t.state
         FROM t WHERE t.type = 'sensor' AND s.site_id = $1 AND s.id = t.id
          AND (s.health_changed_at IS NULL OR t.at >= s.health_changed_at)
     )
     UPDATE gateways g SET health_changed_at = t.at, health_changed_to = t.state
       FROM t WHERE t.type = 'gateway' AND g.site_id = $1 AND g.id = t.id
        AND (g.health_changed_at IS NULL OR t.at >= g.health_changed_at)`,
    [
      siteId,
      latest.map((t) => t.subject.type),
      latest.map((t) => t.subject.id),
      latest.map((t) => t.at),
      latest.map((t) => t.to),
    ],
  );
}

async function raise(
  tx: Queryable,
  siteId: string,
  gatewayId: string,
  t: HealthTransition,
  ctx: HealthOptions & { now: Date; raw: string; live: NewLiveMessage[] },
): Promise<HealthEffect> {
  const zones = await zonesCovered(tx, siteId, gatewayId, t);
  // Derived from what changed and when: a redelivered report cannot store it twice.
  const eventId = uuidV5(
    `health/${siteId}/${gatewayId}/${t.subject.type}/${t.subject.id}/${t.to}/${t.at.toISOString()}`,
    OREGUARD_NAMESPACE,
  );
  const { rows } = await tx.query<{ id: string }>(
    /* a resend claims no key, so stores nothing (events-once.ts) */
    `WITH ${claimEventKeys(`SELECT $1::text AS site_id, $2::text AS gateway_id, $3::uuid AS event_id, $8::timestamptz AS received_at`)}
     INSERT INTO events (id, site_id, gateway_id, event_id, sensor_id, kind, severity, zone, occurred_at, received_at,
                         source, late, details, topic, raw_payload)
     OVERRIDING SYSTEM VALUE
     SELECT id, site_id, gateway_id, event_id, $4::text, 'theft', $5::text, $6::text, $7::timestamptz, received_at, 'health', false,
            $9::jsonb, $10::text, $11::text
       FROM claimable WHERE ${CLAIMED}
     RETURNING id`,
    [
      siteId,
      gatewayId,
      eventId,
      t.subject.id,
      ctx.severity,
      zones[0] ?? null,
      t.at,
      ctx.now,
      JSON.stringify({ category: 'tamper', description: tamperDescription(t, zones) }),
      `${ctx.topicPrefix}/sites/${siteId}/gateways/${gatewayId}/status`,
      ctx.raw,
    ],
  );
  if (!rows[0]) return { siteId, gatewayId, transition: t, effect: 'recorded' };
  const storedId = Number(rows[0].id);
  const bound: BoundEvent = { id: storedId, eventId, siteId, gatewayId, payloadSha256: sha256Hex(ctx.raw) };
  const active = await lockActive(tx, siteId, healthGroupKey(t.subject));
  const entry = (incident: Incident, action: string) => ({
    incidentId: incident.id,
    at: ctx.now,
    actor: 'system',
    action,
    details: {
      eventIds: [storedId],
      eventCount: 1,
      health: { subject: t.subject, from: t.from, to: t.to, reason: t.reason },
      // The status report it was written from, bound into the chain (event-binding.ts).
      events: [bound],
    },
  });
  // The tamper event is folded here, into its sensor-health incident (applyFold marks it folded).
  if (active) {
    const incident = joinHealthIncident(active, t, zones, ctx.now);
    await incidentWrites.applyFold(tx, {
      opened: [],
      updated: [incident],
      links: [{ incidentId: incident.id, eventId: storedId }],
      markFolded: [storedId],
      foldedAt: ctx.now,
      timeline: chainTimeline([entry(incident, 'events-joined')], await incidentWrites.chainHeads(tx, [incident.id])),
    });
    ctx.live.push({ type: 'updated', incident: incidentView(incident) });
    return { siteId, gatewayId, transition: t, incidentId: incident.id, effect: 'joined' };
  }
  const incident = openHealthIncident(siteId, t, zones, ctx.severity, { id: randomUUID(), now: ctx.now });
  await incidentWrites.applyFold(tx, {
    opened: [incident],
    updated: [],
    links: [{ incidentId: incident.id, eventId: storedId }],
    markFolded: [storedId],
    foldedAt: ctx.now,
    timeline: chainTimeline([entry(incident, 'opened')], new Map()),
  });
  ctx.live.push({ type: 'opened', incident: incidentView(incident) });
  return { siteId, gatewayId, transition: t, incidentId: incident.id, effect: 'opened' };
}

/** Recovery resolves the subject's incident: true_positive (the outage was real), noted "recovered". */
async function recover(
  tx: Queryable,
  siteId: string,
  gatewayId: string,
  t: HealthTransition,
  ctx: { now: Date; live: NewLiveMessage[] },
): Promise<HealthEffect> {
  const active = await lockActive(tx, siteId, healthGroupKey(t.subject));
  if (!active) return { siteId, gatewayId, transition: t, effect: 'recorded' };
  const result = lifecycle.resolve(active, 'true_positive', `recovered: ${t.reason} at ${t.at.toISOString()}`, ctx.now);
  if (!result.ok) return { siteId, gatewayId, transition: t, effect: 'recorded' };
  await incidentWrites.updateLifecycle(tx, result.incident);
  await incidentWrites.addTimeline(tx, [
    { incidentId: active.id, at: ctx.now, actor: 'system', action: result.entry.action, details: result.entry.details },
  ]);
  ctx.live.push({ type: result.change, incident: incidentView(result.incident) });
  return { siteId, gatewayId, transition: t, incidentId: active.id, effect: 'resolved' };
}

async function lockActive(tx: Queryable, siteId: string, groupKey: string): Promise<Incident | undefined> {
  const { rows } = await tx.query<IncidentRow>(
    `SELECT * FROM incidents WHERE site_id = $1 AND group_key = $2 AND status <> 'resolved'
      ORDER BY opened_at DESC LIMIT 1 FOR UPDATE`,
    [siteId, groupKey],
  );
  return rows[0] && toIncident(rows[0]);
}

/** The zones a sensor covers; for a gateway, those of every sensor behind it. */
async function zonesCovered(tx: Queryable, siteId: string, gatewayId: string, t: HealthTransition): Promise<string[]> {
  const { rows } = await tx.query<{ zone: string }>(
    t.subject.type === 'sensor'
      ? 'SELECT DISTINCT zone FROM sensor_zones WHERE site_id = $1 AND sensor_id = $2 ORDER BY zone'
      : `SELECT DISTINCT z.zone FROM sensor_zones z JOIN sensors s ON s.site_id = z.site_id AND s.id = z.sensor_id
          WHERE z.site_id = $1 AND s.gateway_id = $2 ORDER BY z.zone`,
    [siteId, t.subject.type === 'sensor' ? t.subject.id : gatewayId],
  );
  return rows.map((r) => r.zone);
}
