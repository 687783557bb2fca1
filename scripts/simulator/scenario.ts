import type { CanonicalEventInput } from 'src/domain/events/canonical-event.schema';
import type { MaterialRecordInput } from 'src/domain/material/material-record.schema';
import type { PostureLevel } from 'src/domain/posture/posture-level';
import type { RemoteIdMessageInput } from 'src/domain/remote-id/remote-id-encoder';
import type { ScenarioClock } from './scenario-clock';

/**
 * A scenario is a story told by a site's gateways: which gateways take part, and what each
 * publishes when, on the scenario's own clock (milliseconds after it starts). It is data: the
 * planner turns it into MQTT messages and the runner plays them, so a spec can check every
 * message without a broker.
 */
export interface Scenario {
  name: string;
  /** One line for `--list`. */
  summary: string;
  /** What an operator watching /live should see, for the README and the end of a run. */
  expect: string;
  /** Scenario time from the first to the last step. */
  durationMs: number;
  /**
   * When the story happens: `recent` ends about when it is run; `night` is placed at night in
   * the site's time zone (now, if it is night there, else last night).
   */
  when: 'recent' | 'night';
  gateways: readonly GatewaySpec[];
  steps(clock: ScenarioClock): ScenarioStep[];
}

export interface GatewaySpec {
  gatewayId: string;
  /** Reported in its status heartbeats. */
  sensors: readonly string[];
}

/** A canonical event as a scenario writes it; the planner adds eventId, occurredAt and seq. */
export type EventDraft = CanonicalEventInput extends infer E
  ? E extends CanonicalEventInput
    ? Omit<E, 'eventId' | 'occurredAt' | 'seq'>
    : never
  : never;

/** A material record as a scenario writes it; the planner adds recordId and `at` (the step's time). */
export type MaterialDraft = MaterialRecordInput extends infer R
  ? R extends MaterialRecordInput
    ? Omit<R, 'recordId' | 'at'>
    : never
  : never;

export type ScenarioStep =
  | { at: number; gatewayId: string; event: EventDraft }
  /** One Suricata EVE record, as the IDS wrote it (its own timestamp inside). */
  | { at: number; gatewayId: string; suricata: { sensorId: string; record: Record<string, unknown> } }
  /** What a Remote ID receiver heard from one transmitter in one go. */
  | {
      at: number;
      gatewayId: string;
      remoteId: {
        sensorId: string;
        transmitter: string;
        rssi: number;
        transport: 'ble' | 'wifi';
        messages: RemoteIdMessageInput[];
      };
    }
  /** One record of material movement (weighbridge, gate, dispatch, survey) on the material topic. */
  | { at: number; gatewayId: string; material: MaterialDraft }
  /** The gateway's link dies without a goodbye (the broker publishes its last will) or comes back. */
  | { at: number; gatewayId: string; connection: 'lost' | 'restored' }
  /**
   * A lead sets the site's posture over REST (the runner needs an API client: --api-url and
   * OREGUARD_USERNAME / OREGUARD_PASSWORD or OREGUARD_TOKEN). OreGuard records a posture from
   * the moment it is set, so the story is anchored there: what comes before is a recent replay,
   * what comes after plays in real time (see scenario-plan.ts). No gateway publishes it.
   */
  | { at: number; posture: PostureRaise };

/** A posture change as a lead asks for it: `PUT /sites/{siteId}/posture`, expiring `expiresInMs` after it is set. */
export interface PostureRaise {
  level: PostureLevel;
  reason: string;
  source: { scheme: string; value: string; ref?: string };
  expiresInMs: number;
}
