import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCyberEvent, aTheftEvent } from '../factories/events';
import { runCli } from '../support/cli';
import { LiveClient, login } from '../support/live-client';
import type { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const KOLWEZI = 'kolwezi-1';
const TARKWA = 'tarkwa-2';

// At high and exceptional a medium incident is chased after 1 s instead of the configured hour,
// cyber events in the control room count one severity higher, and at high rule counts halve.
const dir = mkdtempSync(join(tmpdir(), 'oreguard-posture-'));
mkdirSync(join(dir, 'rules'));
const controlRoom = '[{ kinds: [cyber], zones: [control-room], raise: 1 }]';
writeFileSync(
  join(dir, 'profiles.yml'),
  `high: { escalateAfter: medium=1s, severity: ${controlRoom}, rules: { countFactor: 0.5, timespanFactor: 2 } }\nexceptional: { escalateAfter: medium=1s, severity: ${controlRoom} }\n`,
);

describe('site threat posture', () => {
  const og = oreGuardForFile('posture', {
    env: {
      RULES_DIR: join(dir, 'rules'),
      RULES_ALLOW_EMPTY: 'true',
      ESCALATE_AFTER: 'low=1h,medium=1h,high=1h,critical=1h',
      ESCALATION_CHECK_INTERVAL_MS: '200',
      POSTURE_PROFILES_FILE: join(dir, 'profiles.yml'),
      POSTURE_ACK_WITHIN_MS: '1000',
      POSTURE_CHECK_INTERVAL_MS: '200',
    },
  });
  const call = og.rest;
  let admin: string;
  let leadA: string;
  let leadB: string;
  let opKolwezi: string;
  let opTarkwa: string;
  let kolwezi: TestGateway;
  let tarkwa: TestGateway;
  let leadLive: LiveClient;
  let kolweziLive: LiveClient;
  let tarkwaLive: LiveClient;

  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  const regionalAlert = {
    level: 'high',
    reason: 'Regional alert: armed group reported near the Kolwezi haul road',
    source: { scheme: 'fpcon', value: 'bravo', ref: 'REG-ALERT-0412' },
  };

  const foldedIncident = async (eventId: string) => {
    const [row] = await waitFor(
      () =>
        og.ctx.db
          .query<{ id: string }>(
            'SELECT ie.incident_id AS id FROM incident_events ie JOIN events e ON e.id = ie.event_id WHERE e.event_id = $1',
            [eventId],
          )
          .then((rows) => (rows.length ? rows : undefined)),
      { what: `the incident of event ${eventId}` },
    );
    return row.id;
  };
  const incident = async (id: string) => (await call(leadA, 'GET', `/incidents/${id}`)).body;
  const postureAudit = () =>
    og.ctx.db.query<{ action: string; target: string }>(
      `SELECT action, target FROM audit_log WHERE action LIKE 'posture.%' ORDER BY seq`,
    );

  beforeAll(async () => {
    await og.ctx.db.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi'), ($2, 'Tarkwa', 'Africa/Accra')`,
      [KOLWEZI, TARKWA],
    );
    admin = await login(og.oreguard.baseUrl);
    for (const [username, role, siteIds] of [
      ['lead-a', 'lead', []],
      ['lead-b', 'lead', []],
      ['op-kolwezi', 'operator', [KOLWEZI]],
      ['op-tarkwa', 'operator', [TARKWA]],
    ] as const) {
      expect(
        (await call(admin, 'POST', '/users', { username, password: `${username}-password`, role, siteIds })).status,
      ).toBe(201);
    }
    [leadA, leadB, opKolwezi, opTarkwa] = await Promise.all(
      ['lead-a', 'lead-b', 'op-kolwezi', 'op-tarkwa'].map((u) => login(og.oreguard.baseUrl, u, `${u}-password`)),
    );
    kolwezi = await og.gateway(KOLWEZI, 'gw-1');
    tarkwa = await og.gateway(TARKWA, 'gw-1');
    leadLive = await LiveClient.connect(og.oreguard.baseUrl, leadA, { resumeAfter: { [KOLWEZI]: 0, [TARKWA]: 0 } });
    kolweziLive = await LiveClient.connect(og.oreguard.baseUrl, opKolwezi, { resumeAfter: { [KOLWEZI]: 0 } });
    tarkwaLive = await LiveClient.connect(og.oreguard.baseUrl, opTarkwa, { resumeAfter: { [TARKWA]: 0 } });
  });

  afterAll(() => {
    for (const live of [leadLive, kolweziLive, tarkwaLive]) live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

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

  it('answers a bad posture with a 400 naming the field, an operator with 403 and another site with 404', async () => {
    for (const [body, field] of [
      [regionalAlert, 'expiresAt'],
      [{ ...regionalAlert, level: 'elevated', expiresAt: inMinutes(60) }, 'level'],
      [{ ...regionalAlert, source: { scheme: 'isps', value: 'elevated' }, expiresAt: inMinutes(60) }, 'source.value'],
      [{ ...regionalAlert, expiresAt: inMinutes(-1) }, 'expiresAt'],
      [{ ...regionalAlert, reason: '', expiresAt: inMinutes(60) }, 'reason'],
    ] as const) {
      const res = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, body);
      expect([res.status, res.body.message.split(':')[0]]).toEqual([400, field]);
    }
    expect(
      (await call(opKolwezi, 'PUT', `/sites/${KOLWEZI}/posture`, { ...regionalAlert, expiresAt: inMinutes(60) }))
        .status,
    ).toBe(403);
    expect((await call(opTarkwa, 'GET', `/sites/${KOLWEZI}/posture`)).status).toBe(404);
    expect((await call(opTarkwa, 'GET', `/sites/${KOLWEZI}/posture/history`)).status).toBe(404);
    expect((await call(leadA, 'GET', '/sites/nowhere-9/posture')).status).toBe(404);
    expect((await call(opKolwezi, 'GET', `/sites/${KOLWEZI}/posture`)).body).toMatchObject({
      siteId: KOLWEZI,
      level: 'normal',
      change: null,
    });
  });

  it('raises a posture after a regional alert: pushed live to the site, and the same storm escalates sooner there', async () => {
    // The same storm at both sites, under normal posture: a medium incident each, limit 1 h.
    const storm = (gateway: TestGateway) =>
      Promise.all([1, 2, 3].map(() => gateway.publish(aTheftEvent({ severity: 'medium' }))));
    const first = aTheftEvent({ severity: 'medium' });
    const other = aTheftEvent({ severity: 'medium' });
    await kolwezi.publish(first);
    await tarkwa.publish(other);
    await storm(kolwezi);
    await storm(tarkwa);
    const kolweziIncident = await foldedIncident(first.eventId);
    const tarkwaIncident = await foldedIncident(other.eventId);
    expect(await incident(kolweziIncident)).toMatchObject({ severity: 'medium', postureAtOpen: 'normal' });

    const raised = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, {
      ...regionalAlert,
      expiresAt: inMinutes(60),
    });
    expect(raised).toMatchObject({
      status: 200,
      body: {
        level: 'high',
        own: 'high',
        reason: regionalAlert.reason,
        source: regionalAlert.source,
        change: { level: 'high', setBy: 'lead-a', source: { scheme: 'fpcon', value: 'bravo' } },
      },
    });

    // Kolwezi's incident now has a 1 s limit; Tarkwa's keeps its hour.
    await waitFor(async () => (await incident(kolweziIncident)).severity === 'high', {
      what: 'the Kolwezi incident escalated under posture high',
    });
    const timeline = (await incident(kolweziIncident)).timeline as {
      action: string;
      details: { reason?: string; posture?: string };
    }[];
    expect(timeline.find((e) => e.action === 'escalated')?.details).toMatchObject({
      posture: 'high',
      reason: expect.stringContaining('(posture high)'),
    });
    expect(await incident(tarkwaIncident)).toMatchObject({ severity: 'medium', postureAtOpen: 'normal' });

    // Kolwezi's operator and the lead were told, on the posture event; the incident stream's seq is untouched.
    await waitFor(() => kolweziLive.postures.some((m) => m.type === 'changed' && m.posture.level === 'high'), {
      what: "the Kolwezi operator's posture message",
    });
    await waitFor(() => leadLive.postures.some((m) => m.siteId === KOLWEZI && m.type === 'changed'), {
      what: "the lead's posture message",
    });
    const seqs = kolweziLive.forSite(KOLWEZI).map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    // The same scan of the control room, now: at Kolwezi it opens one severity higher, under high; at Tarkwa as it came.
    const scan = aCyberEvent({ severity: 'medium', zone: 'control-room' });
    const sameScan = aCyberEvent({ severity: 'medium', zone: 'control-room' });
    await kolwezi.publish(scan);
    await tarkwa.publish(sameScan);
    expect(await incident(await foldedIncident(scan.eventId))).toMatchObject({
      severity: 'high',
      postureAtOpen: 'high',
    });
    expect(await incident(await foldedIncident(sameScan.eventId))).toMatchObject({
      severity: 'medium',
      postureAtOpen: 'normal',
    });
    // An event from before the raise, arriving late, is judged by the posture at its own time.
    const late = aCyberEvent({
      severity: 'medium',
      zone: 'control-room',
      cyber: { ...aCyberEvent().cyber, category: 'auth_failure' },
      occurredAt: new Date(Date.now() - 20 * 60_000).toISOString(),
    });
    await kolwezi.publish(late);
    expect(await incident(await foldedIncident(late.eventId))).toMatchObject({
      severity: 'medium',
      postureAtOpen: 'normal',
    });

    // Six failed logins at each site: under high, Kolwezi's backtest counts them against half
    // the threshold (5); Tarkwa, at normal, still needs 10. The same backtest answers the same again.
    const base = Date.now();
    const guesses = () =>
      Array.from({ length: 6 }, (_, i) =>
        aCyberEvent({
          occurredAt: new Date(base + i * 100).toISOString(),
          cyber: { ...aCyberEvent().cyber, category: 'auth_failure', srcIp: '10.9.9.9' },
        }),
      );
    const kolweziGuesses = guesses();
    const tarkwaGuesses = guesses();
    for (const e of kolweziGuesses) await kolwezi.publish(e);
    for (const e of tarkwaGuesses) await tarkwa.publish(e);
    for (const e of [...kolweziGuesses, ...tarkwaGuesses]) await foldedIncident(e.eventId);
    const backtest = (siteId: string) =>
      call(leadA, 'POST', '/rules/backtest', {
        siteId,
        from: new Date(base - 5 * 60_000).toISOString(),
        to: new Date(base + 5 * 60_000).toISOString(),
        rules: [{ name: 'brute-force.yml', text: BRUTE_FORCE }],
      });
    const atKolwezi = await backtest(KOLWEZI);
    expect(atKolwezi.status).toBe(200);
    expect(atKolwezi.body.wouldOpen).toEqual([
      expect.objectContaining({ ruleId: 'brute-force', posture: 'high', eventCount: 6 }),
    ]);
    expect((await backtest(TARKWA)).body.wouldOpen).toEqual([]);
    expect((await backtest(KOLWEZI)).body.wouldOpen).toEqual(atKolwezi.body.wouldOpen);
  });

  it("is acknowledged by the site's operators; a change left unacknowledged is escalated to the leads", async () => {
    const { change } = (await call(opKolwezi, 'GET', `/sites/${KOLWEZI}/posture`)).body;
    expect(
      (await call(leadA, 'POST', `/sites/${KOLWEZI}/posture/acknowledge`, { changeId: change.changeId })).status,
    ).toBe(403);
    expect(
      (await call(opTarkwa, 'POST', `/sites/${KOLWEZI}/posture/acknowledge`, { changeId: change.changeId })).status,
    ).toBe(404);
    expect(
      (await call(opKolwezi, 'POST', `/sites/${KOLWEZI}/posture/acknowledge`, { changeId: 'x' })).body.message,
    ).toMatch(/^changeId: /);
    const acked = await call(opKolwezi, 'POST', `/sites/${KOLWEZI}/posture/acknowledge`, { changeId: change.changeId });
    expect(acked).toMatchObject({
      status: 201,
      body: { change: { acknowledgedBy: 'op-kolwezi' }, acks: [{ username: 'op-kolwezi' }] },
    });
    await waitFor(() => leadLive.postures.some((m) => m.type === 'acknowledged'), {
      what: 'the acknowledgement pushed to the lead',
    });

    // (The first change may have been escalated already: the test's window is 1 s.) A further raise nobody at the site acknowledges: after POSTURE_ACK_WITHIN_MS the leads are told, not the operators.
    const delta = {
      level: 'exceptional',
      reason: 'Attack on a neighbouring mine',
      source: { scheme: 'fpcon', value: 'delta' },
      expiresAt: inMinutes(60),
    };
    const exceptional = await call(leadB, 'PUT', `/sites/${KOLWEZI}/posture`, delta);
    expect(exceptional).toMatchObject({ status: 200, body: { level: 'exceptional', acks: [] } });
    const exceptionalId = exceptional.body.change.changeId;
    await waitFor(
      () => leadLive.postures.some((m) => m.type === 'unacknowledged' && m.posture.change?.changeId === exceptionalId),
      {
        what: 'the leads told of the unacknowledged change',
      },
    );
    expect(kolweziLive.postures.map((m) => m.type)).not.toContain('unacknowledged');
    expect(await postureAudit()).toEqual(
      expect.arrayContaining([
        { action: 'posture.changed', target: change.changeId },
        { action: 'posture.acknowledged', target: change.changeId },
        { action: 'posture.unacknowledged', target: exceptionalId },
      ]),
    );
  });

  it('waits for a second lead to lower a posture: the one who asked cannot approve it', async () => {
    const standDown = {
      level: 'normal',
      reason: 'Alert lifted by the regional command',
      source: { scheme: 'fpcon', value: 'normal' },
    };
    const asked = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, standDown);
    expect(asked).toMatchObject({ status: 202, body: { status: 'pending', level: 'normal', requestedBy: 'lead-a' } });
    expect((await call(leadA, 'GET', `/sites/${KOLWEZI}/posture`)).body).toMatchObject({
      level: 'exceptional',
      pendingLowering: { id: asked.body.id },
    });

    const own = await call(leadA, 'POST', `/sites/${KOLWEZI}/posture/lowerings/${asked.body.id}/approve`);
    expect([own.status, own.body.message]).toEqual([403, expect.stringContaining('second lead')]);
    expect((await call(opKolwezi, 'POST', `/sites/${KOLWEZI}/posture/lowerings/${asked.body.id}/approve`)).status).toBe(
      403,
    );
    const approved = await call(leadB, 'POST', `/sites/${KOLWEZI}/posture/lowerings/${asked.body.id}/approve`);
    expect(approved).toMatchObject({
      status: 201,
      body: {
        level: 'normal',
        change: { level: 'normal', setBy: 'lead-a', approvedBy: 'lead-b' },
        pendingLowering: null,
      },
    });
    expect((await call(leadB, 'POST', `/sites/${KOLWEZI}/posture/lowerings/${asked.body.id}/approve`)).status).toBe(
      409,
    );
  });

  it('never goes below the floor an admin sets for a region, and returns to it at expiry', async () => {
    const floor = {
      level: 'elevated',
      reason: 'Copperbelt unrest',
      source: { scheme: 'uk-response', value: 'heightened' },
      siteIds: [KOLWEZI],
    };
    expect((await call(leadA, 'PUT', '/posture-floors/copperbelt', floor)).status).toBe(403);
    expect(
      (await call(admin, 'PUT', '/posture-floors/copperbelt', { ...floor, siteIds: undefined })).body.message,
    ).toMatch(/^siteIds: /);
    expect(await call(admin, 'PUT', '/posture-floors/copperbelt', floor)).toMatchObject({
      status: 200,
      body: { scope: 'copperbelt', level: 'elevated' },
    });
    expect((await call(opKolwezi, 'GET', `/sites/${KOLWEZI}/posture`)).body).toMatchObject({
      level: 'elevated',
      own: 'normal',
      floor: 'elevated',
    });
    expect((await call(opTarkwa, 'GET', `/sites/${TARKWA}/posture`)).body).toMatchObject({
      level: 'normal',
      floor: 'normal',
    });

    // A raise above the floor that expires returns the site to the floor, in the history.
    const briefly = {
      level: 'high',
      reason: 'Convoy movement',
      source: { scheme: 'isps', value: '2' },
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    };
    expect((await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, briefly)).status).toBe(200);
    const below = await call(leadA, 'PUT', `/sites/${KOLWEZI}/posture`, {
      level: 'normal',
      reason: 'x',
      source: { scheme: 'isps', value: '1' },
    });
    expect([below.status, below.body.message]).toEqual([
      409,
      expect.stringMatching(/^level: normal is below the floor of elevated/),
    ]);
    await waitFor(async () => (await call(leadA, 'GET', `/sites/${KOLWEZI}/posture`)).body.change?.setBy === 'system', {
      what: 'the raise expired',
    });
    expect((await call(leadA, 'GET', `/sites/${KOLWEZI}/posture`)).body).toMatchObject({
      level: 'elevated',
      own: 'normal',
    });

    const history = (await call(leadA, 'GET', `/sites/${KOLWEZI}/posture/history`)).body;
    expect(history.changes.map((c: { level: string; setBy: string }) => `${c.level}/${c.setBy}`)).toEqual([
      'high/lead-a',
      'exceptional/lead-b',
      'normal/lead-a',
      'high/lead-a',
      'normal/system',
    ]);
    // Intervals meet: each ends where the next begins.
    for (let i = 1; i < history.changes.length; i++)
      expect(history.changes[i - 1].validTo).toBe(history.changes[i].validFrom);
    expect(history.floors).toMatchObject([{ scope: 'copperbelt', level: 'elevated' }]);
    expect((await postureAudit()).map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'posture.floor-set',
        'posture.lowering-requested',
        'posture.lowering-approved',
        'posture.expired',
      ]),
    );
  });

  it('never lets the posture leave the company: not in exports, not in evidence bundles', async () => {
    const exported = await call(leadA, 'GET', `/incidents/export?format=ndjson&siteId=${KOLWEZI}`);
    expect(exported.status).toBe(200);
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toHaveProperty('postureAtOpen');
    const listed = (await call(leadA, 'GET', `/incidents?siteId=${KOLWEZI}`)).body.items as {
      id: string;
      postureAtOpen?: string;
    }[];
    const raisedOne = listed.find((i) => i.postureAtOpen === 'high');
    expect(raisedOne).toBeDefined();
    const bundle = await call(leadA, 'GET', `/incidents/${raisedOne!.id}/evidence`);
    expect(bundle.status).toBe(200);
    expect(bundle.body.incident).not.toHaveProperty('postureAtOpen');
  });

  it("tells another site's operator nothing of it", () => {
    expect(tarkwaLive.postures).toEqual([]);
    expect(kolweziLive.postures.every((m) => m.siteId === KOLWEZI)).toBe(true);
  });

  it('is shown, set, approved and acknowledged from the CLI, through the API', async () => {
    const as = (username: string) => ({
      OREGUARD_URL: og.oreguard.baseUrl,
      OREGUARD_USERNAME: username,
      OREGUARD_PASSWORD: `${username}-password`,
    });
    const set = await runCli(
      [
        'posture:set',
        TARKWA,
        '--level',
        'high',
        '--scheme',
        'isps',
        '--value',
        '2',
        '--ref',
        'MARSEC-2 notice',
        '--duration',
        '2h',
        '--reason',
        'Port security level 2',
        '--json',
      ],
      as('lead-a'),
    );
    expect(set.code).toBe(0);
    const changeId = JSON.parse(set.stdout).change.changeId as string;
    expect(await runCli(['posture:ack', TARKWA, changeId], as('op-tarkwa'))).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`${TARKWA}  high (own high, floor normal)`),
    });
    const lower = await runCli(
      [
        'posture:set',
        TARKWA,
        '--level',
        'normal',
        '--scheme',
        'isps',
        '--value',
        '1',
        '--reason',
        'Level 1 again',
        '--json',
      ],
      as('lead-a'),
    );
    const loweringId = JSON.parse(lower.stdout).id as string;
    expect(await runCli(['posture:approve', TARKWA, loweringId], as('lead-a'))).toMatchObject({ code: 77 });
    expect(await runCli(['posture:approve', TARKWA, loweringId], as('lead-b'))).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('approved by lead-b'),
    });
    expect(await runCli(['posture:show', KOLWEZI], as('op-tarkwa'))).toMatchObject({ code: 65 });
  });
});
