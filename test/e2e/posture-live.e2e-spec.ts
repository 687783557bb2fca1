import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { runScenario } from '../../scripts/simulator/run-scenario';
import { findScenario } from '../../scripts/simulator/scenarios';
import { ApiClient } from '../../src/cli/api-client';
import { aCyberEvent } from '../factories/events';
import { untilCorrelated } from '../support/correlated';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { TEST_SERVICES } from '../support/services';
import { waitFor } from '../support/wait-for';

const KOLWEZI = 'kolwezi-1';
const TARKWA = 'tarkwa-2';
const SIMULATED = 'sim-posture';

// Brute force needs ten failed logins from one address within 2 m; the built-in high profile
// halves the count and doubles the window.
const BRUTE_FORCE = `title: Brute force from one source
id: brute-force
level: high
correlation: { type: event_count, rules: [auth_failure], group-by: [cyber.srcIp], timespan: 2m, condition: { gte: 10 } }
---
title: Authentication failure
id: auth-failure
name: auth_failure
detection: { failure: { kind: cyber, cyber.category: auth_failure }, condition: failure }
`;
const dir = mkdtempSync(join(tmpdir(), 'oreguard-posture-live-'));
mkdirSync(join(dir, 'rules'));
writeFileSync(join(dir, 'rules', 'brute-force.yml'), BRUTE_FORCE);
// The built-in high profile's rule factors; and a high incident chased after 1 s instead of the configured hour.
writeFileSync(
  join(dir, 'profiles.yml'),
  'high: { escalateAfter: high=1s, rules: { countFactor: 0.5, timespanFactor: 2 } }\n',
);

describe('live correlation under the posture at each event time', () => {
  const og = oreGuardForFile('posture-live', {
    env: {
      RULES_DIR: join(dir, 'rules'),
      POSTURE_PROFILES_FILE: join(dir, 'profiles.yml'),
      ESCALATE_AFTER: 'low=1h,medium=1h,high=1h,critical=1h',
      ESCALATION_CHECK_INTERVAL_MS: '200',
    },
  });
  const call = og.rest;
  let lead: string;

  beforeAll(async () => {
    await og.ctx.db.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi'), ($2, 'Tarkwa', 'Africa/Accra')`,
      [KOLWEZI, TARKWA],
    );
    await og.ctx.db.query(`INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Simulated', 'Africa/Lubumbashi')`, [
      SIMULATED,
    ]);
    const admin = await login(og.oreguard.baseUrl);
    expect(
      (
        await call(admin, 'POST', '/users', {
          username: 'lead-a',
          password: 'lead-a-password',
          role: 'lead',
          siteIds: [],
        })
      ).status,
    ).toBe(201);
    lead = await login(og.oreguard.baseUrl, 'lead-a', 'lead-a-password');
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    // The simulated gateway's retained status would outlive the test on the shared broker: clear it.
    const client = await mqtt.connectAsync(TEST_SERVICES.mqttUrl, { protocolVersion: 5, reconnectPeriod: 0 });
    await client.publishAsync(`${og.ctx.topicPrefix}/sites/${SIMULATED}/gateways/gw-it/status`, '', {
      qos: 1,
      retain: true,
    });
    await client.endAsync();
  });

  const bruteForceIncidents = async (siteId: string) =>
    ((await call(lead, 'GET', `/incidents?siteId=${siteId}&ruleId=brute-force&limit=50`)).body.items as any[]).filter(
      (i) => i.ruleIds.includes('brute-force'),
    );

  it('opens a rule incident for a storm under high that the same storm under normal does not, as the backtest says', async () => {
    const raised = await call(lead, 'PUT', `/sites/${KOLWEZI}/posture`, {
      level: 'high',
      reason: 'Regional alert: armed group reported near the Kolwezi haul road',
      source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
      expiresAt: new Date(Date.now() + 60 * 60_000).toISOString(),
    });
    expect(raised.status).toBe(200);

    // Six failed logins from one address at each site, after the raise: under the normal count
    // of ten, over high's five.
    const base = Date.now();
    const storm = () =>
      Array.from({ length: 6 }, (_, i) =>
        aCyberEvent({
          occurredAt: new Date(base + i * 100).toISOString(),
          cyber: { ...aCyberEvent().cyber, category: 'auth_failure', srcIp: '10.9.9.9' },
        }),
      );
    const kolwezi = await og.gateway(KOLWEZI, 'gw-1');
    const tarkwa = await og.gateway(TARKWA, 'gw-1');
    const [atKolwezi, atTarkwa] = [storm(), storm()];
    for (const e of atKolwezi) await kolwezi.publish(e);
    for (const e of atTarkwa) await tarkwa.publish(e);
    const ids = [...atKolwezi, ...atTarkwa].map((e) => e.eventId);
    await waitFor(
      async () =>
        (
          await og.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1)', [ids])
        )[0].n === ids.length,
      { what: 'the twelve failed logins stored' },
    );
    await untilCorrelated(og.ctx.db);

    const [opened, ...more] = await bruteForceIncidents(KOLWEZI);
    expect(more).toEqual([]);
    expect(opened).toMatchObject({ eventCount: 6, postureAtOpen: 'high' });
    expect(await bruteForceIncidents(TARKWA)).toEqual([]);

    // The backtest of the same events under the same history finds the same match, and no other.
    const backtest = (siteId: string) =>
      call(lead, 'POST', '/rules/backtest', {
        siteId,
        from: new Date(base - 60_000).toISOString(),
        to: new Date(base + 60_000).toISOString(),
        rules: [{ name: 'brute-force.yml', text: BRUTE_FORCE }],
      });
    const kolweziBacktest = await backtest(KOLWEZI);
    expect(kolweziBacktest.body.wouldOpen).toEqual([
      expect.objectContaining({
        ruleId: 'brute-force',
        posture: 'high',
        eventCount: 6,
        firstAt: opened.firstSeenAt,
        lastAt: opened.lastSeenAt,
      }),
    ]);
    expect((await backtest(TARKWA)).body.wouldOpen).toEqual([]);
  });

  it('plays the posture scenario: the storm matches brute force only after the raise, and escalates on high limits', async () => {
    const api = ApiClient.fromEnv(og.oreguard.baseUrl, {
      OREGUARD_USERNAME: 'lead-a',
      OREGUARD_PASSWORD: 'lead-a-password',
    });
    const lines: string[] = [];
    const summary = await runScenario(findScenario('posture-raised-after-regional-alert')!, {
      url: TEST_SERVICES.mqttUrl,
      prefix: og.ctx.topicPrefix,
      siteId: SIMULATED,
      timeZone: 'Africa/Lubumbashi',
      speed: 2000,
      confirm: true,
      api,
      log: (line) => lines.push(line),
    });
    expect(summary.confirmations).toMatchObject({ stored: 12, rejected: 0, missing: 0 });
    expect(lines.some((l) => l.includes('REST (lead)') && l.includes('posture high'))).toBe(true);

    // The raise is the lead's, with the scenario's reason and source, and an expiry.
    const posture = (await call(lead, 'GET', `/sites/${SIMULATED}/posture`)).body;
    expect(posture).toMatchObject({
      level: 'high',
      reason: 'Regional alert: armed group reported near the haul road',
      source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
    });
    await untilCorrelated(og.ctx.db);

    // Only the storm after the raise matched, under high: six failures, none of the first storm's.
    const raisedAt = new Date(posture.change.validFrom).getTime();
    const backtest = await call(lead, 'POST', '/rules/backtest', {
      siteId: SIMULATED,
      from: new Date(Date.now() - 60 * 60_000).toISOString(),
      to: new Date().toISOString(),
      rules: [{ name: 'brute-force.yml', text: BRUTE_FORCE }],
    });
    expect(backtest.body.eventsReplayed).toBeGreaterThanOrEqual(12);
    expect(backtest.body.wouldOpen).toEqual([expect.objectContaining({ posture: 'high', eventCount: 6 })]);
    expect(new Date(backtest.body.wouldOpen[0].firstAt).getTime()).toBeGreaterThanOrEqual(raisedAt);

    // Live, the same: the storm's incident took the rule, and is chased on high's 1 s limit.
    const [matched, ...more] = await bruteForceIncidents(SIMULATED);
    expect(more).toEqual([]);
    await waitFor(
      async () =>
        ((await call(lead, 'GET', `/incidents/${matched.id}`)).body.timeline as any[]).find(
          (e) => e.action === 'escalated' && e.details.posture === 'high',
        ),
      { what: 'the storm incident escalated under posture high' },
    );
  });
});
