import { DEFAULT_MAX_FUTURE_MS, parseGatewayMessage } from 'src/domain/events/gateway-message';
import { readMaterialRecord } from 'src/domain/material/material-message';
import { reconcile } from 'src/domain/material/reconcile';
import { DEFAULT_RECONCILIATION_SETTINGS } from 'src/domain/material/reconciliation-settings';
import type { PlannedAction, PlannedMessage, ScenarioPlan } from './scenario-plan';
import { planScenario } from './scenario-plan';
import { localMinuteOfDay } from './scenario-clock';
import { findScenario, SCENARIOS } from './scenarios';

const PREFIX = 'oreguard/v1';
const SITE = 'kolwezi-1';
const ZONE = 'Africa/Lubumbashi';
/** Midday in Kolwezi (UTC+2): a night scenario is told at night, but played now. */
const NOON = new Date('2026-11-29T10:00:00.000Z');

function plan(name: string, speed = 10, now = NOON) {
  return planScenario(findScenario(name)!, { prefix: PREFIX, siteId: SITE, timeZone: ZONE, speed, now });
}

/** When the runner sends each action: the wall clock at `now + playAt(at)` (`at / speed` until a posture step). */
const sentAt = (now: Date, plan: ScenarioPlan, action: PlannedAction) =>
  new Date(now.getTime() + plan.playAt(action.at));

function messagesOf(actions: PlannedAction[]): { action: PlannedAction; message: PlannedMessage }[] {
  return actions.flatMap((action): { action: PlannedAction; message: PlannedMessage }[] => {
    switch (action.type) {
      case 'connect':
        return [
          { action, message: action.will },
          { action, message: action.online },
        ];
      case 'publish':
        return [{ action, message: action.message }];
      case 'close':
        return [{ action, message: action.offline }];
      case 'drop':
      case 'posture':
        return [];
    }
  });
}

describe('simulator scenarios', () => {
  it.each(SCENARIOS.map((s) => [s.name]))(
    '%s: every message OreGuard would receive is valid at the moment it is sent',
    (name) => {
      for (const speed of [1, 10, 1000]) {
        const planned = plan(name, speed);
        const { actions } = planned;
        const messages = messagesOf(actions);
        expect(messages.filter((m) => m.message.role !== 'status').length).toBeGreaterThan(0);
        for (const { action, message } of messages) {
          const parsed = parseGatewayMessage(PREFIX, message.topic, Buffer.from(message.payload), {
            now: sentAt(NOON, planned, action),
            maxFutureMs: DEFAULT_MAX_FUTURE_MS,
          });
          if (!parsed.ok) throw new Error(`${name} at ${action.at} ms on ${message.shortTopic}: ${parsed.reason}`);
          const expected = {
            event: 'event',
            suricata: message.payload.includes('"event_type":"alert"') ? 'event' : 'ignored',
            remoteid: 'remoteid',
            material: 'material',
            status: 'status',
          }[message.role];
          expect(parsed.type).toBe(expected);
        }
      }
    },
  );

  it('anchors a scenario that sets posture at the call: the storm before it in the past, the one after it sent as it happens', () => {
    for (const speed of [1, 10, 2000]) {
      const planned = plan('posture-raised-after-regional-alert', speed);
      const raise = planned.actions.find((a) => a.type === 'posture')!;
      expect(raise).toMatchObject({ posture: { level: 'high', source: { scheme: 'fpcon', value: 'bravo' } } });
      const calledAt = sentAt(NOON, planned, raise).getTime();
      const stormEvents = messagesOf(planned.actions).filter((m) => m.message.role === 'event');
      expect(stormEvents).toHaveLength(12);
      for (const { action, message } of stormEvents) {
        const occurredAt = new Date(JSON.parse(message.payload).occurredAt).getTime();
        // Never ahead of the moment it is sent.
        expect(occurredAt).toBeLessThanOrEqual(sentAt(NOON, planned, action).getTime());
        // Six before the call, six after it: judged under normal, then under the raised posture.
        if (action.at < raise.at) expect(occurredAt).toBeLessThan(calledAt);
        else expect(occurredAt).toBeGreaterThan(calledAt + 10_000);
      }
      expect(stormEvents.filter((m) => m.action.at > raise.at)).toHaveLength(6);
    }
  });

  it('refuses to play a scenario that sets posture --at another time: a posture is only ever set now', () => {
    expect(() =>
      planScenario(findScenario('posture-raised-after-regional-alert')!, {
        prefix: PREFIX,
        siteId: SITE,
        timeZone: ZONE,
        speed: 10,
        now: NOON,
        at: new Date(NOON.getTime() - 3_600_000),
      }),
    ).toThrow('only ever set now');
  });

  it('plays the night breach in the present, even at noon, and tells it at night in the site time zone', () => {
    const { clock, scenario } = plan('night-breach-under-drone');
    // Event times: the last about now (at 10× the story runs ahead of the wall clock), none late.
    expect(clock.instant(scenario.durationMs).getTime()).toBeLessThanOrEqual(NOON.getTime() + scenario.durationMs / 10);
    expect(clock.instant(scenario.durationMs).getTime()).toBeGreaterThan(NOON.getTime());
    expect(clock.origin.getTime()).toBeGreaterThan(NOON.getTime() - scenario.durationMs);
    // The story: at night, from 02:10 local.
    expect(clock.story(0)).toBe('02:10:00');
    for (const at of [0, scenario.durationMs]) {
      const minute = localMinuteOfDay(new Date(clock.storyOrigin.getTime() + at), ZONE);
      expect(minute < 4 * 60 || minute >= 20 * 60).toBe(true);
    }
  });

  it('starts the scenario at --at when given', () => {
    const at = new Date('2026-11-29T09:00:00.000Z');
    const { clock } = planScenario(findScenario('ot-scan-then-tamper')!, {
      prefix: PREFIX,
      siteId: SITE,
      timeZone: ZONE,
      speed: 10,
      now: NOON,
      at,
    });
    expect(clock.local(0)).toBe('2026-11-29T11:00:00.000+02:00');
    expect(clock.story(0)).toBe('11:00:00');
  });

  it('keeps a drone track id and moves it no faster than a drone flies between radar fixes', () => {
    const radar = messagesOf(plan('night-breach-under-drone').actions)
      .map((m) => JSON.parse(m.message.payload))
      .filter((e) => e.sensorId === 'radar-1');
    expect(new Set(radar.map((e) => e.drone.trackId))).toEqual(new Set(['rdr-trk-0087']));
    for (let i = 1; i < radar.length; i++) {
      const [a, b] = [radar[i - 1], radar[i]];
      const metres = Math.hypot(
        (b.drone.position.lat - a.drone.position.lat) * 111_195,
        (b.drone.position.lon - a.drone.position.lon) * 109_300,
      );
      const seconds = (Date.parse(b.occurredAt) - Date.parse(a.occurredAt)) / 1000;
      expect(metres / seconds).toBeLessThan(25);
    }
  });

  it('sweeps more than 20 destination ports of the PLC from one source', () => {
    const alerts = messagesOf(plan('ot-scan-then-tamper').actions)
      .filter((m) => m.message.role === 'suricata')
      .map((m) => JSON.parse(m.message.payload))
      .filter((r) => r.event_type === 'alert' && r.alert.signature_id === 2009582);
    expect(new Set(alerts.map((r) => r.src_ip)).size).toBe(1);
    expect(new Set(alerts.map((r) => r.dest_port)).size).toBeGreaterThan(20);
    expect(alerts[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
  });

  it('gives partners internet attackers and a returning drone to pull, beside an internal sweep they must never see', () => {
    const events = messagesOf(plan('indicators-for-partners').actions)
      .filter((m) => m.message.role === 'event')
      .map((m) => JSON.parse(m.message.payload));
    const sources = new Set(events.filter((e) => e.kind === 'cyber').map((e) => e.cyber.srcIp));
    expect([...sources].sort()).toEqual(['10.20.9.14', '192.0.3.44', '203.0.114.23', '2a03:2880:f003:c07::face']);
    expect(new Set(events.filter((e) => e.kind === 'drone').map((e) => e.drone.uasId))).toEqual(
      new Set(['1581F5FJD228Y00C0045']),
    );
  });

  it('drops the yard gateway, then sends what it held with the times its sensors saw it', () => {
    const { actions, clock } = plan('gateway-dies-mid-theft');
    const drop = actions.find((a) => a.type === 'drop')!;
    const reconnect = actions.filter((a) => a.type === 'connect')[1]!;
    const held = actions.filter(
      (a): a is Extract<PlannedAction, { type: 'publish' }> => a.type === 'publish' && a.message.heldMs !== undefined,
    );
    expect(held).toHaveLength(3);
    for (const h of held) {
      expect(h.at).toBe(reconnect.at);
      expect(h.message.eventAt).toBeGreaterThan(drop.at);
      expect(JSON.parse(h.message.payload).occurredAt).toBe(clock.local(h.message.eventAt));
    }
    // Nothing at all, not even a heartbeat, while the link is down.
    expect(
      actions.filter((a) => 'gatewayId' in a && a.gatewayId === 'gw-yard' && a.at > drop.at && a.at < reconnect.at),
    ).toEqual([]);
  });

  it('streams raw Remote ID from two transmitters, one of them in message packs', () => {
    const payloads = messagesOf(plan('remote-id-stream').actions)
      .filter((m) => m.message.role === 'remoteid')
      .map((m) => JSON.parse(m.message.payload));
    expect(new Set(payloads.map((p) => p.transmitter)).size).toBe(2);
    // A pack starts with 0xF (message type 15), then its message size 25 (0x19).
    expect(payloads.some((p) => /^f.19/.test(p.messages[0]))).toBe(true);
    expect(payloads.every((p) => p.messages.every((hex: string) => hex.length >= 50))).toBe(true);
  });
});

describe('truck-skips-scale-under-drone', () => {
  it('gives reconciliation one finding: the truck that left loaded without a ticket, within 30 minutes of the drone', () => {
    const { actions, clock } = plan('truck-skips-scale-under-drone', 1);
    const messages = messagesOf(actions).map((m) => m.message);
    const records = messages
      .filter((m) => m.role === 'material')
      .map((m) => {
        const read = readMaterialRecord(JSON.parse(m.payload));
        if (!read.ok) throw new Error(read.reason);
        return { siteId: SITE, gatewayId: m.shortTopic.split('/')[0]!, record: read.record };
      });
    const findings = reconcile(SITE, records, {
      now: clock.instant(2 * 3_600_000),
      settings: DEFAULT_RECONCILIATION_SETTINGS,
    });
    expect(findings.map((f) => [f.rule, f.plate])).toEqual([['exit-without-ticket', 'CD-9902-KZ']]);
    const droneTimes = messages
      .filter((m) => m.role === 'event')
      .map((m) => new Date(JSON.parse(m.payload).occurredAt).getTime());
    expect(droneTimes.some((t) => Math.abs(t - findings[0]!.at.getTime()) <= 30 * 60_000)).toBe(true);
  });
});
