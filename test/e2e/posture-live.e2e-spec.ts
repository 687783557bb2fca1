import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCyberEvent } from '../factories/events';
import { untilCorrelated } from '../support/correlated';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const KOLWEZI = 'kolwezi-1';
const TARKWA = 'tarkwa-2';

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
writeFileSync(join(dir, 'brute-force.yml'), BRUTE_FORCE);

describe('live correlation under the posture at each event time', () => {
  const og = oreGuardForFile('posture-live', { env: { RULES_DIR: dir } });
  const call = og.rest;
  let lead: string;

  beforeAll(async () => {
    await og.ctx.db.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi'), ($2, 'Tarkwa', 'Africa/Accra')`,
      [KOLWEZI, TARKWA],
    );
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

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    expect(opened).toMatchObject({ severity: 'high', eventCount: 6, postureAtOpen: 'high' });
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
});
