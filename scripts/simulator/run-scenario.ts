import type { Scenario } from './scenario';
import type { PlannedAction, PlannedMessage } from './scenario-plan';
import { planScenario } from './scenario-plan';
import type { Confirmation, ConfirmationStatus } from './simulated-gateway';
import { SimulatedGateway } from './simulated-gateway';

export interface RunOptions {
  /** The broker, e.g. `mqtt://localhost:1883`. */
  url: string;
  prefix: string;
  siteId: string;
  /** The site's time zone: event times are written in its offset; `night` scenarios happen at night there. */
  timeZone: string;
  /** How many times faster than real time the scenario plays. */
  speed: number;
  /** When its first event happens (--at); default: in the present, ending about now (starting now at speed 1). */
  at?: Date;
  confirm?: boolean;
  /** Secrets of the gateways that must sign, by gateway id: their event-bearing messages are signed. */
  secrets?: Readonly<Record<string, string>>;
  /** Each gateway logs in to the broker as its own account (needs every gateway's secret): for a locked-down broker. */
  brokerLogin?: boolean;
  publishTimeoutMs?: number;
  /** How long to wait at the end for outstanding confirmations. */
  confirmTimeoutMs?: number;
  /** One line per thing that happens; default: nothing. */
  log?: (line: string) => void;
  /**
   * OreGuard's REST API as a lead, for scenarios that set a site's posture (src/cli/api-client.ts:
   * OREGUARD_URL or --api-url, OREGUARD_TOKEN or OREGUARD_USERNAME / OREGUARD_PASSWORD).
   */
  api?: { call(method: string, path: string, body?: unknown): Promise<unknown> };
}

export interface RunSummary {
  scenario: string;
  /** Messages OreGuard stores: canonical events, Suricata alerts, Remote ID payloads. */
  stored: number;
  /** All messages published, status included. */
  published: number;
  /** Messages a gateway held while its link was down, sent when it came back. */
  held: number;
  /** Links that died without a goodbye. */
  drops: number;
  /** By status, with --confirm; `missing` are those never confirmed. */
  confirmations: Record<ConfirmationStatus | 'missing', number>;
  rejections: { summary: string; reason: string }[];
  firstEventAt: string;
  lastEventAt: string;
}

/**
 * Plays a scenario over MQTT: one client per gateway, actions at `start + at / speed`. Throws if
 * the broker refuses a connection or a publish is not acknowledged in time; gateways still
 * connected are closed either way.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunSummary> {
  const log = options.log ?? (() => undefined);
  const start = Date.now();
  const { actions, clock, playAt } = planScenario(scenario, {
    prefix: options.prefix,
    siteId: options.siteId,
    timeZone: options.timeZone,
    speed: options.speed,
    now: new Date(start),
    at: options.at,
  });
  const summary: RunSummary = {
    scenario: scenario.name,
    stored: 0,
    published: 0,
    held: 0,
    drops: 0,
    confirmations: { stored: 0, duplicate: 0, rejected: 0, missing: 0 },
    rejections: [],
    firstEventAt: clock.local(0),
    lastEventAt: clock.local(scenario.durationMs),
  };
  // Lines are stamped with the story's local time (02:14:05 for a night scenario run by day).
  const stamp = (at: number) => clock.story(at);
  const line = (at: number, where: string, text: string) => log(`${stamp(at)}  ${where.padEnd(26)} ${text}`);
  const onConfirmation = (message: PlannedMessage, c: Confirmation) => {
    summary.confirmations[c.status] += 1;
    if (c.status === 'rejected') summary.rejections.push({ summary: message.summary, reason: c.reason ?? '' });
    line(
      message.eventAt,
      message.shortTopic,
      `  ↳ ${c.status}${c.eventId ? ` ${c.eventId}` : ''}${c.reason ? `: ${c.reason}` : ''}`,
    );
  };
  const gateways = new Map(
    scenario.gateways.map((g) => [
      g.gatewayId,
      new SimulatedGateway({
        url: options.url,
        prefix: options.prefix,
        siteId: options.siteId,
        gatewayId: g.gatewayId,
        publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
        confirm: options.confirm ?? false,
        onConfirmation,
        secret: options.secrets?.[g.gatewayId],
        brokerLogin: options.brokerLogin,
      }),
    ]),
  );
  const published = (message: PlannedMessage) => {
    summary.published += 1;
    if (message.stored) summary.stored += 1;
  };

  if (!options.api && actions.some((a) => a.type === 'posture'))
    throw new Error(
      `${scenario.name} sets the site's posture over REST as a lead: give OreGuard's URL (--api-url or OREGUARD_URL) and OREGUARD_USERNAME / OREGUARD_PASSWORD (or OREGUARD_TOKEN)`,
    );
  const closing: Extract<PlannedAction, { type: 'close' }>[] = [];
  log(`${scenario.name}: ${scenario.summary}`);
  const story =
    clock.storyOrigin.getTime() === clock.origin.getTime()
      ? ''
      : `; the story is told at ${clock.story(0)} local, and the lines below say so`;
  log(
    `site ${options.siteId} (${options.timeZone}), event times ${clock.local(0)} → ${clock.local(scenario.durationMs)}${story}, ${options.speed}× speed, ${options.url} ${options.prefix}`,
  );
  try {
    for (const action of actions) {
      await sleep(start + playAt(action.at) - Date.now());
      if (action.type === 'posture') {
        const { level, reason, source, expiresInMs } = action.posture;
        const expiresAt = new Date(Date.now() + expiresInMs).toISOString();
        await options.api!.call('PUT', `/sites/${options.siteId}/posture`, { level, reason, source, expiresAt });
        line(action.at, 'REST (lead)', `posture ${level} until ${expiresAt}: ${reason}`);
        continue;
      }
      const gateway = gateways.get(action.gatewayId)!;
      switch (action.type) {
        case 'connect': {
          const resent = await gateway.connect(action.will, action.online);
          published(action.online);
          line(action.at, action.online.shortTopic, `${action.online.summary} (last will: offline)`);
          for (const m of resent) line(m.eventAt, m.shortTopic, `resent, unconfirmed: ${m.summary}`);
          break;
        }
        case 'publish': {
          const { message } = action;
          await gateway.publish(message);
          published(message);
          if (message.heldMs !== undefined) summary.held += 1;
          const held = message.heldMs !== undefined ? ` [held ${Math.round(message.heldMs / 1000)} s, sent late]` : '';
          line(message.eventAt, message.shortTopic, `${message.summary}${held}`);
          break;
        }
        case 'drop':
          gateway.drop();
          summary.drops += 1;
          line(action.at, `${action.gatewayId}/-`, 'link lost (socket destroyed): the broker publishes the last will');
          break;
        case 'close':
          closing.push(action); // after the confirmations: a gateway stays until its events are confirmed
          break;
      }
    }
    if (options.confirm) {
      const deadline = Date.now() + (options.confirmTimeoutMs ?? 15_000);
      while (Date.now() < deadline && [...gateways.values()].some((g) => g.unconfirmed.length > 0)) await sleep(50);
      summary.confirmations.missing = [...gateways.values()].reduce((n, g) => n + g.unconfirmed.length, 0);
    }
    for (const action of closing) {
      await gateways.get(action.gatewayId)!.close(action.offline);
      published(action.offline);
      line(action.at, action.offline.shortTopic, action.offline.summary);
    }
  } finally {
    await Promise.all([...gateways.values()].map((g) => g.close().catch(() => undefined)));
  }
  return summary;
}

export function describeSummary(s: RunSummary, confirm: boolean): string {
  const parts = [`${s.scenario}: ${s.published} messages published, ${s.stored} for OreGuard to store`];
  if (s.held) parts.push(`${s.held} held while a link was down and sent late`);
  if (s.drops) parts.push(`${s.drops} link${s.drops === 1 ? '' : 's'} dropped`);
  if (confirm) {
    const c = s.confirmations;
    parts.push(
      `confirmed: ${c.stored} stored, ${c.duplicate} duplicate, ${c.rejected} rejected, ${c.missing} never confirmed`,
    );
  }
  return `${parts.join('; ')}. Events from ${s.firstEventAt} to ${s.lastEventAt}.`;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
