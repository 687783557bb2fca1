import { randomUUID } from 'node:crypto';
import { encodeRemoteIdHex } from 'src/domain/remote-id/remote-id-encoder';
import type { EventDraft, MaterialDraft, PostureRaise, Scenario, ScenarioStep } from './scenario';
import { playOrigin, ScenarioClock, storyOrigin } from './scenario-clock';

export interface PlanOptions {
  prefix: string;
  siteId: string;
  timeZone: string;
  speed: number;
  /** The wall-clock moment the run starts. */
  now: Date;
  /** When the scenario's first event happens (--at); default: so that it ends about now, or starts now at speed 1. */
  at?: Date;
  /** Scenario time between status heartbeats of a connected gateway. */
  heartbeatMs?: number;
}

/** What one gateway's MQTT client does at one moment of scenario time. */
export type PlannedAction =
  | { type: 'connect'; at: number; gatewayId: string; will: PlannedMessage; online: PlannedMessage }
  | { type: 'publish'; at: number; gatewayId: string; message: PlannedMessage }
  | { type: 'drop'; at: number; gatewayId: string }
  | { type: 'close'; at: number; gatewayId: string; offline: PlannedMessage }
  /** A lead's posture change over REST (no gateway's). */
  | { type: 'posture'; at: number; posture: PostureRaise };

export interface PlannedMessage {
  topic: string;
  /** Topic after `sites/{siteId}/gateways/`, for the log: `gw-1/events`. */
  shortTopic: string;
  payload: string;
  retain: boolean;
  /** `event`, `suricata` and `remoteid` messages become events, `material` messages material records; `status` messages neither. */
  role: 'event' | 'suricata' | 'remoteid' | 'material' | 'status';
  /** A readable line: what it says. */
  summary: string;
  /** OreGuard stores it (an event, a Remote ID payload, a Suricata alert) and confirms it when asked. */
  stored: boolean;
  /** The scenario time it speaks of (a held event's own time, not when it is sent). */
  eventAt: number;
  /** Set when a gateway held it while its link was down: how long it waited. */
  heldMs?: number;
}

export interface ScenarioPlan {
  scenario: Scenario;
  clock: ScenarioClock;
  actions: PlannedAction[];
  /**
   * When to play scenario time `at`, in ms after the run starts: `at / speed`, but from a
   * posture step on in real time, since its events must follow the posture set then.
   */
  playAt(at: number): number;
}

/** Whether a scenario sets a site's posture (and so needs OreGuard's API as a lead). */
export function setsPosture(scenario: Scenario): boolean {
  return postureAnchor(scenario.steps(new ScenarioClock(new Date(0), 'UTC'))) !== undefined;
}

/** Scenario time of the first posture step, if any: where a scenario that sets posture is anchored. */
function postureAnchor(steps: readonly ScenarioStep[]): number | undefined {
  const times = steps.filter((s) => 'posture' in s).map((s) => s.at);
  return times.length > 0 ? Math.min(...times) : undefined;
}

const DEFAULT_HEARTBEAT_MS = 60_000;

/**
 * Turns a scenario into the messages its gateways send, in order: each gateway connects (last
 * will `offline`, then a retained `online`), sends heartbeats while connected, publishes its
 * steps, holds what it cannot send while its link is down and sends it, with the original event
 * times, when the link is back; at the end each says `offline` and leaves. Pure, apart from
 * fresh event ids.
 */
export function planScenario(scenario: Scenario, options: PlanOptions): ScenarioPlan {
  // A posture is set when it is asked for, never in the past: a scenario that sets one is
  // anchored at its first posture step. Before it, a recent replay `speed` times faster, ending
  // at the call; after it, real time, so each event is sent when it happens, after the change.
  const anchor = postureAnchor(scenario.steps(new ScenarioClock(options.now, options.timeZone)));
  if (anchor !== undefined && options.at)
    throw new Error(`${scenario.name} sets a site's posture, which is only ever set now: it cannot be played --at`);
  const origin =
    anchor !== undefined
      ? new Date(options.now.getTime() + Math.ceil(anchor / options.speed) - anchor)
      : (options.at ?? playOrigin(scenario.durationMs, options.speed, options.now));
  const playAt = (at: number) =>
    anchor === undefined || at <= anchor ? at / options.speed : Math.ceil(anchor / options.speed) + (at - anchor);
  const clock = new ScenarioClock(
    origin,
    options.timeZone,
    storyOrigin(scenario.when, scenario.durationMs, origin, options.timeZone),
  );
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const base = `${options.prefix.replace(/\/+$/, '')}/sites/${options.siteId}/gateways`;
  const topicOf = (gatewayId: string, leaf: string) => ({
    topic: `${base}/${gatewayId}/${leaf}`,
    shortTopic: `${gatewayId}/${leaf}`,
  });
  const sensorsOf = new Map(scenario.gateways.map((g) => [g.gatewayId, g.sensors]));
  const status = (gatewayId: string, state: 'online' | 'offline', at: number, summary: string): PlannedMessage => ({
    ...topicOf(gatewayId, 'status'),
    payload: JSON.stringify({
      state,
      at: clock.local(at),
      ...(state === 'online' && {
        sensors: (sensorsOf.get(gatewayId) ?? []).map((sensorId) => ({ sensorId, state: 'ok' })),
      }),
    }),
    retain: true,
    role: 'status',
    stored: false,
    summary,
    eventAt: at,
  });

  const steps = [...scenario.steps(clock)].sort((a, b) => a.at - b.at);
  for (const step of steps) {
    if ('posture' in step) continue;
    if (!sensorsOf.has(step.gatewayId))
      throw new Error(`${scenario.name}: step at ${step.at} ms names unknown gateway ${step.gatewayId}`);
  }
  const actions: PlannedAction[] = [];
  const seq = new Map<string, number>();
  const online = new Map<string, boolean>();
  const held = new Map<string, { message: PlannedMessage; at: number }[]>();
  const connect = (gatewayId: string, at: number, summary: string) => {
    actions.push({
      type: 'connect',
      at,
      gatewayId,
      will: status(gatewayId, 'offline', at, 'last will'),
      online: status(gatewayId, 'online', at, summary),
    });
    online.set(gatewayId, true);
  };
  for (const g of scenario.gateways) connect(g.gatewayId, 0, 'online');

  // Heartbeats are interleaved with the steps: one per gateway per heartbeat period while connected.
  let nextHeartbeat = heartbeatMs;
  const heartbeatsUntil = (t: number) => {
    for (; nextHeartbeat <= t; nextHeartbeat += heartbeatMs) {
      for (const g of scenario.gateways) {
        if (online.get(g.gatewayId))
          actions.push({
            type: 'publish',
            at: nextHeartbeat,
            gatewayId: g.gatewayId,
            message: status(g.gatewayId, 'online', nextHeartbeat, 'heartbeat'),
          });
      }
    }
  };

  for (const step of steps) {
    heartbeatsUntil(step.at);
    if ('posture' in step) {
      actions.push({ type: 'posture', at: step.at, posture: step.posture });
      continue;
    }
    const { gatewayId } = step;
    if ('connection' in step) {
      if (step.connection === 'lost' && online.get(gatewayId)) {
        actions.push({ type: 'drop', at: step.at, gatewayId });
        online.set(gatewayId, false);
      } else if (step.connection === 'restored' && !online.get(gatewayId)) {
        connect(gatewayId, step.at, 'online again');
        for (const h of held.get(gatewayId)?.splice(0) ?? []) {
          actions.push({ type: 'publish', at: step.at, gatewayId, message: { ...h.message, heldMs: step.at - h.at } });
        }
      }
      continue;
    }
    const message = toMessage(step, gatewayId, seq, clock, topicOf);
    if (online.get(gatewayId)) actions.push({ type: 'publish', at: step.at, gatewayId, message });
    else held.set(gatewayId, [...(held.get(gatewayId) ?? []), { message, at: step.at }]);
  }
  heartbeatsUntil(scenario.durationMs);
  for (const g of scenario.gateways) {
    if (online.get(g.gatewayId))
      actions.push({
        type: 'close',
        at: scenario.durationMs,
        gatewayId: g.gatewayId,
        offline: status(g.gatewayId, 'offline', scenario.durationMs, 'offline (leaving)'),
      });
  }
  actions.sort((a, b) => a.at - b.at); // stable: same-time actions keep their order
  return { scenario, clock, actions, playAt };
}

function toMessage(
  step: Exclude<ScenarioStep, { connection: unknown } | { posture: unknown }>,
  gatewayId: string,
  seq: Map<string, number>,
  clock: ScenarioClock,
  topicOf: (gatewayId: string, leaf: string) => { topic: string; shortTopic: string },
): PlannedMessage {
  if ('event' in step) {
    const n = (seq.get(gatewayId) ?? 0) + 1;
    seq.set(gatewayId, n);
    const event = { eventId: randomUUID(), ...step.event, occurredAt: clock.local(step.at), seq: n };
    return {
      ...topicOf(gatewayId, 'events'),
      payload: JSON.stringify(event),
      retain: false,
      role: 'event',
      stored: true,
      summary: describeEvent(step.event),
      eventAt: step.at,
    };
  }
  if ('material' in step) {
    // A record id unique per gateway across runs: a second run's records are new, not duplicates.
    const { type, ...fields } = step.material;
    const record = { type, recordId: `r-${randomUUID()}`, at: clock.local(step.at), ...fields };
    return {
      ...topicOf(gatewayId, 'material'),
      payload: JSON.stringify(record),
      retain: false,
      role: 'material',
      stored: true,
      summary: describeMaterial(step.material),
      eventAt: step.at,
    };
  }
  if ('suricata' in step) {
    const { sensorId, record } = step.suricata;
    const alert = record['alert'] as { signature?: string } | undefined;
    const summary =
      `suricata ${String(record['event_type'])} ${record['src_ip']}→${record['dest_ip']}:${record['dest_port'] ?? '-'} ${alert?.signature ?? ''}`.trim();
    return {
      ...topicOf(gatewayId, `suricata/${sensorId}`),
      payload: JSON.stringify(record),
      retain: false,
      role: 'suricata',
      stored: record['event_type'] === 'alert',
      summary,
      eventAt: step.at,
    };
  }
  const { sensorId, transmitter, rssi, transport, messages } = step.remoteId;
  const kinds = messages.map((m) =>
    m.type === 'message_pack' ? `pack[${m.messages.map((i) => i.type).join(',')}]` : m.type,
  );
  return {
    ...topicOf(gatewayId, `remoteid/${sensorId}`),
    payload: JSON.stringify({
      receivedAt: clock.local(step.at),
      transmitter,
      rssi,
      transport,
      messages: messages.map((m) => encodeRemoteIdHex(m)),
    }),
    retain: false,
    role: 'remoteid',
    stored: true,
    summary: `remote id ${transmitter} ${transport} ${rssi} dBm: ${kinds.join(' ')}`,
    eventAt: step.at,
  };
}

function describeMaterial(m: MaterialDraft): string {
  const zone = m.zone ? ` zone ${m.zone}` : '';
  switch (m.type) {
    case 'weighing.ticket':
      return `ticket ${m.ticketId} ${m.direction} ${m.plate ?? m.rfidTag} net ${m.netKg} kg on ${m.scaleId}${zone}`;
    case 'gate.passage':
      return `gate ${m.gateId} ${m.direction} ${m.plate ?? m.rfidTag}${m.loaded ? ' loaded' : ' empty'}${zone}`;
    case 'dispatch.manifest':
      return `manifest ${m.manifestId} ${m.expectedNetKg} kg ${m.materialCode} to ${m.destination}`;
    case 'weighing.instrument':
      return `scale ${m.scaleId} ${m.event} CAL ${m.calCounter} CFG ${m.cfgCounter}`;
    case 'stockpile.survey':
      return `survey ${m.stockpileId} ${m.volumeM3} m³ (${m.method})`;
  }
}

function describeEvent(e: EventDraft): string {
  const where = e.zone ? ` zone ${e.zone}` : '';
  const sev = e.severity ? ` (${e.severity})` : '';
  switch (e.kind) {
    case 'drone': {
      const d = e.drone;
      const id = d.uasId ? ` ${d.uasId}` : d.trackId ? ` track ${d.trackId}` : '';
      return `drone ${d.detection}${id} by ${e.sensorId} at ${d.position.lat.toFixed(5)},${d.position.lon.toFixed(5)}${d.position.altM !== undefined ? ` ${d.position.altM} m` : ''}${where}${sev}`;
    }
    case 'cyber':
      return `cyber ${e.cyber.category} ${e.cyber.srcIp}→${e.cyber.dstIp}${e.cyber.dstPort !== undefined ? `:${e.cyber.dstPort}` : ''} ${e.cyber.signature}${sev}`;
    case 'theft':
      return `theft ${e.theft.category} by ${e.sensorId}${where}${e.theft.description ? `: ${e.theft.description}` : ''}${sev}`;
  }
}
