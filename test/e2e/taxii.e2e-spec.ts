import { createHash } from 'node:crypto';
import { stixProblem } from 'src/domain/sharing/stix.schema';
import { PartnerCreatedSchema } from 'src/sharing/partners.http';
import { HeldObjectsSchema, ReleaseResultSchema } from 'src/sharing/sharing.http';
import { TaxiiEnvelopeSchema, TaxiiManifestSchema } from 'src/sharing/taxii.http';
import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';
const TAXII = 'application/taxii+json;version=2.1';
const COLLECTION = '/taxii2/sharing/collections/2f6b1c4e-9a53-5d0e-8c71-3b2a6f0d4e19';
const ATTACKER = '198.51.99.7';
const LATER_ATTACKER = '203.0.114.9';
const DRONE_SERIAL = '1581F5FJD228Y00C0045';
/** What must never reach a partner: internal addresses, site, zone, sensor and asset names, the operator. */
const NEVER_SHARED = [
  '10.20.0.15',
  '10.30.1.7',
  SITE,
  'north-fence',
  'tailings-east',
  'ids-ot-1',
  'rf-mast-2',
  'plc-crusher-3',
  'FIN87astrdge12k8',
  '-10.7148',
];

type Json = any;

describe('indicators shared with partners over TAXII 2.1', () => {
  // Three free failed authentications per partner name and address, then a wait far longer than the test.
  const og = oreGuardForFile('taxii', { env: { LOGIN_MAX_FAILURES: '3', LOGIN_BACKOFF_BASE_MS: '600000' } });
  let gateway: TestGateway;
  let admin: string;
  let lead: string;
  const partners: Record<'allied' | 'narrow', { id: string; name: string; secret: string; token: string }> =
    {} as never;

  const basic = (p: { name: string; secret: string }) =>
    `Basic ${Buffer.from(`${p.name}:${p.secret}`).toString('base64')}`;
  const taxii = async (authorization: string | undefined, path: string, accept = TAXII) => {
    const res = await fetch(`${og.oreguard.baseUrl}${path}`, {
      headers: { accept, ...(authorization ? { authorization } : {}) },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const eventsFolded = async (ids: string[]) =>
    waitFor(
      () =>
        og.ctx.db
          .query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_id = ANY($1) AND folded_at IS NOT NULL', [
            ids,
          ])
          .then(([r]) => Number(r.n) === ids.length),
      { what: `${ids.length} events folded` },
    );
  /** The worker has published the incidents of these events as they are now (sharing-publisher.service.ts). */
  const eventsShared = async (ids: string[]) =>
    waitFor(
      () =>
        og.ctx.db
          .query<{ n: string }>(
            `SELECT count(*) AS n FROM incidents i JOIN incident_events ie ON ie.incident_id = i.id JOIN events e ON e.id = ie.event_id
               LEFT JOIN shared_incidents p ON p.incident_id = i.id
              WHERE e.event_id = ANY($1) AND i.kinds && ARRAY['cyber', 'drone'] AND (p.updated_at IS NULL OR p.updated_at < i.updated_at)`,
            [ids],
          )
          .then(([r]) => Number(r.n) === 0),
      { what: 'their incidents published' },
    );
  const publish = async (...events: { eventId: string }[]) => {
    for (const event of events) await gateway.publish(event);
    await eventsFolded(events.map((e) => e.eventId));
    await eventsShared(events.map((e) => e.eventId));
  };
  const scan = (srcIp: string, at: Date) =>
    aCyberEvent({ occurredAt: at.toISOString(), cyber: { ...aCyberEvent().cyber, srcIp } });
  /** Every object the partner can page through, `limit` at a time, calling `between` after the first page. */
  const pageThrough = async (authorization: string, query: string, limit: number, between?: () => Promise<void>) => {
    const seen: Json[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await taxii(
        authorization,
        `${COLLECTION}/objects/?limit=${limit}${query}${next ? `&next=${next}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(TAXII);
      TaxiiEnvelopeSchema.parse(res.body);
      if (res.body.objects) {
        expect(res.headers.get('x-taxii-date-added-first')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        expect(res.headers.get('x-taxii-date-added-last')).toMatch(/\.\d{6}Z$/);
        seen.push(...res.body.objects);
      }
      next = res.body.more ? res.body.next : undefined;
      if (++pages === 1 && between) await between();
    } while (next);
    return seen;
  };
  const key = (o: Json) => `${o.id}@${o.modified ?? o.created ?? ''}`;

  beforeAll(async () => {
    await og.ctx.db.query(`INSERT INTO sites (id, name, time_zone) VALUES ($1, 'Kolwezi', 'Africa/Lubumbashi')`, [
      SITE,
    ]);
    admin = await login(og.oreguard.baseUrl);
    expect(
      (
        await og.rest(admin, 'POST', '/users', {
          username: 'lead-1',
          password: 'lead-password-1',
          role: 'lead',
          siteIds: [],
        })
      ).status,
    ).toBe(201);
    lead = await login(og.oreguard.baseUrl, 'lead-1', 'lead-password-1');
    const allied = await og.rest(admin, 'POST', '/partners', {
      name: 'allied-csirt',
      projection: {
        types: [
          'identity',
          'indicator',
          'observed-data',
          'sighting',
          'location',
          'extension-definition',
          'ipv4-addr',
          'ipv6-addr',
          'uas',
        ],
        maxTlp: 'amber',
      },
    });
    const narrow = await og.rest(admin, 'POST', '/partners', {
      name: 'vendor-feed',
      projection: { types: ['indicator', 'ipv4-addr'], properties: { indicator: ['valid_until'] }, maxTlp: 'green' },
    });
    expect([allied.status, narrow.status]).toEqual([201, 201]);
    partners.allied = PartnerCreatedSchema.parse(allied.body);
    partners.narrow = PartnerCreatedSchema.parse(narrow.body);

    gateway = await og.gateway(SITE, 'gw-1');
    const now = Date.now();
    await publish(
      scan(ATTACKER, new Date(now - 120_000)),
      scan(ATTACKER, new Date(now - 60_000)),
      scan('10.20.0.15', new Date(now - 50_000)),
      aDroneEvent({
        drone: {
          detection: 'remote_id',
          uasId: DRONE_SERIAL,
          position: { lat: -10.7148, lon: 25.4663, altM: 90 },
          operatorId: 'FIN87astrdge12k8',
        },
      }),
      aTheftEvent({ theft: { category: 'material_loss', quantityKg: 1800 } }),
    );
  });

  it('refuses other media types with 406, and anyone but a partner with 401', async () => {
    const partner = basic(partners.allied);
    const wrongAccept = await taxii(partner, '/taxii2/', 'application/json');
    expect([wrongAccept.status, wrongAccept.body.http_status]).toEqual([406, '406']);
    const anonymous = await taxii(undefined, '/taxii2/');
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([
      401,
      expect.stringContaining('Basic'),
    ]);
    expect((await taxii(`Bearer ${admin}`, '/taxii2/')).status).toBe(401);
    expect((await taxii(basic({ ...partners.allied, secret: 'wrong' }), '/taxii2/')).status).toBe(401);
    // A partner's credentials open nothing of the REST API.
    expect((await og.rest(partners.allied.token, 'GET', '/incidents')).status).toBe(401);
    // Only admins manage partners; a bad projection is a 400 naming the field.
    expect((await og.rest(lead, 'GET', '/partners')).status).toBe(403);
    const bad = await og.rest(admin, 'POST', '/partners', { name: 'x-partner', projection: { types: ['incident'] } });
    expect([bad.status, bad.body.message.split(':')[0]]).toEqual([400, 'projection.types.0']);
    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/partners', '/partners/{id}', '/sharing/held', '/sharing/incidents/{id}/release']),
    );
  });

  it('answers discovery, the API root and the collection, with Basic or a bearer token', async () => {
    const discovery = await taxii(basic(partners.allied), '/taxii2/');
    expect(discovery).toMatchObject({ status: 200, body: { api_roots: ['/taxii2/sharing/'] } });
    expect(discovery.headers.get('content-type')).toBe(TAXII);
    expect((await taxii(`Bearer ${partners.allied.token}`, '/taxii2/sharing/')).body).toMatchObject({
      versions: [TAXII],
    });
    const collections = await taxii(basic(partners.allied), '/taxii2/sharing/collections/');
    expect(collections.body.collections).toEqual([expect.objectContaining({ can_read: true, can_write: false })]);
    expect(
      (await taxii(basic(partners.allied), '/taxii2/sharing/collections/00000000-0000-4000-8000-000000000000/')).status,
    ).toBe(404);
    const badFilter = await taxii(basic(partners.allied), `${COLLECTION}/objects/?added_after=yesterday`);
    expect([badFilter.status, badFilter.body.description.split(':')[0]]).toEqual([400, 'added_after']);
  });

  it('gives the partner the attacker address and the drone, valid STIX 2.1, and nothing it may not see (sightings held)', async () => {
    const objects = await pageThrough(basic(partners.allied), '', 500);
    for (const o of objects) expect([o.id, stixProblem(o)]).toEqual([o.id, undefined]);
    const patterns = objects.filter((o) => o.type === 'indicator').map((o) => o.pattern);
    expect(patterns).toEqual(
      expect.arrayContaining([`[ipv4-addr:value = '${ATTACKER}']`, `[uas:uid = '${DRONE_SERIAL}']`]),
    );
    // TLP:AMBER sightings and observed data wait for a lead.
    expect(objects.filter((o) => o.type === 'sighting' || o.type === 'observed-data')).toEqual([]);
    const text = JSON.stringify(objects);
    for (const secret of NEVER_SHARED) expect(text).not.toContain(secret);
    const ids = objects.map((o) => o.id);
    for (const o of objects)
      for (const ref of [o.created_by_ref, ...(o.object_marking_refs ?? [])].filter(Boolean))
        expect(ids).toContain(ref);
  });

  it('pages through with limit and next while new objects are added, neither dropping nor repeating one', async () => {
    const partner = basic(partners.allied);
    const paged = await pageThrough(partner, '&match[version]=all', 2, async () => {
      await publish(scan(LATER_ATTACKER, new Date()));
    });
    const keys = paged.map(key);
    expect(new Set(keys).size).toBe(keys.length);
    const whole = await pageThrough(partner, '&match[version]=all', 10_000);
    expect([...keys].sort()).toEqual(whole.map(key).sort());
    expect(JSON.stringify(paged)).toContain(LATER_ATTACKER);
    // And added_after the last one seen gives nothing new.
    const last = await taxii(partner, `${COLLECTION}/manifest/`);
    TaxiiManifestSchema.parse(last.body);
    const newest = last.body.objects.at(-1).date_added;
    expect(newest).toMatch(/\.\d{6}Z$/);
    expect((await taxii(partner, `${COLLECTION}/objects/?added_after=${newest}`)).body).toEqual({ more: false });
  });

  it('shows a TLP:AMBER sighting only after a lead releases it, and only to a partner cleared for AMBER', async () => {
    const [incident] = await og.ctx.db.query<{ id: string }>(
      `SELECT DISTINCT i.id FROM incidents i JOIN incident_events ie ON ie.incident_id = i.id JOIN events e ON e.id = ie.event_id
        WHERE e.details->>'srcIp' = $1 AND NOT starts_with(i.group_key, 'rule:')`,
      [ATTACKER],
    );
    const held = await og.rest(lead, 'GET', `/sharing/held?incidentId=${incident!.id}`);
    expect(HeldObjectsSchema.parse(held.body).items.map((i) => i.type)).toEqual(
      expect.arrayContaining(['sighting', 'observed-data']),
    );
    const metrics = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    expect(metrics).toMatch(/^oreguard_shared_objects_total\{state="held"\} [1-9]/m);
    expect(metrics).toMatch(/^oreguard_shared_objects_total\{state="visible"\} [1-9]/m);
    const before = (await taxii(basic(partners.allied), `${COLLECTION}/manifest/`)).body.objects.at(-1).date_added;

    expect((await og.rest(admin, 'GET', '/sharing/held')).status).toBe(200);
    const operator = await og.rest(admin, 'POST', '/users', {
      username: 'op-1',
      password: 'operator-password',
      role: 'operator',
      siteIds: [SITE],
    });
    expect(operator.status).toBe(201);
    const opToken = await login(og.oreguard.baseUrl, 'op-1', 'operator-password');
    expect((await og.rest(opToken, 'POST', `/sharing/incidents/${incident!.id}/release`)).status).toBe(403);
    const released = await og.rest(lead, 'POST', `/sharing/incidents/${incident!.id}/release`);
    expect(released).toMatchObject({ status: 201, body: { released: held.body.items.length } });
    ReleaseResultSchema.parse(released.body);
    const [audit] = await og.ctx.db.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE action = 'sharing.released' AND target = $1`,
      [incident!.id],
    );
    expect(audit?.actor).toBe('lead-1');

    const fresh = await taxii(basic(partners.allied), `${COLLECTION}/objects/?added_after=${before}`);
    const indicators = await taxii(basic(partners.allied), `${COLLECTION}/objects/?match[type]=indicator`);
    const attackerIndicator = indicators.body.objects.find(
      (o: Json) => o.pattern === `[ipv4-addr:value = '${ATTACKER}']`,
    );
    const sighting = fresh.body.objects.find(
      (o: Json) => o.type === 'sighting' && o.sighting_of_ref === attackerIndicator.id,
    );
    expect(sighting).toMatchObject({ count: 2, first_seen: expect.any(String), last_seen: expect.any(String) });
    const observed = fresh.body.objects.find((o: Json) => o.id === sighting.observed_data_refs[0]);
    expect(observed).toMatchObject({ type: 'observed-data', number_observed: 2 });
    expect(stixProblem(sighting)).toBeUndefined();
    for (const secret of NEVER_SHARED) expect(JSON.stringify(fresh.body)).not.toContain(secret);

    // The object, its versions and a match[type] filter agree.
    const one = await taxii(basic(partners.allied), `${COLLECTION}/objects/${sighting.id}/`);
    expect(one.body.objects).toEqual([sighting]);
    const versions = await taxii(basic(partners.allied), `${COLLECTION}/objects/${sighting.id}/versions/`);
    expect(versions.body.versions).toEqual([expect.stringMatching(/\.\d{6}Z$/)]);
    const sightings = await taxii(basic(partners.allied), `${COLLECTION}/objects/?match[type]=sighting`);
    expect(sightings.body.objects.every((o: Json) => o.type === 'sighting')).toBe(true);

    // The attacker comes back: the released sighting's next version goes out without a new release.
    await publish(scan(ATTACKER, new Date()));
    const again = await taxii(basic(partners.allied), `${COLLECTION}/objects/${sighting.id}/`);
    expect(again.body.objects).toEqual([expect.objectContaining({ count: 3 })]);
    expect(again.body.objects[0].modified > sighting.modified).toBe(true);
    const both = await taxii(basic(partners.allied), `${COLLECTION}/objects/${sighting.id}/versions/`);
    expect(both.body.versions).toHaveLength(2);
    const first = await taxii(basic(partners.allied), `${COLLECTION}/objects/${sighting.id}/?match[version]=first`);
    expect(first.body.objects).toEqual([sighting]);
  });

  it('gives a narrower partner less: only indicators and addresses, GREEN only, narrowed properties', async () => {
    const objects = await pageThrough(basic(partners.narrow), '', 500);
    expect(new Set(objects.map((o) => o.type))).toEqual(new Set(['marking-definition', 'indicator', 'ipv4-addr']));
    for (const o of objects.filter((x) => x.type === 'indicator')) {
      expect(o.name).toBeUndefined();
      expect(o.created_by_ref).toBeUndefined();
      expect(stixProblem(o)).toBeUndefined();
    }
    const text = JSON.stringify(objects);
    for (const secret of NEVER_SHARED) expect(text).not.toContain(secret);
    // Object by id of something it may not see is a 404, as if it did not exist.
    const allied = await pageThrough(basic(partners.allied), '&match[type]=sighting', 500);
    expect((await taxii(basic(partners.narrow), `${COLLECTION}/objects/${allied[0].id}/`)).status).toBe(404);
  });

  it('serves the same content as a MISP feed: manifest.json, hashes.csv and one event per incident', async () => {
    const get = async (authorization: string, file: string) => {
      const res = await fetch(`${og.oreguard.baseUrl}/misp/${file}`, { headers: { authorization } });
      return { status: res.status, text: await res.text() };
    };
    const manifest = await get(basic(partners.allied), 'manifest.json');
    expect(manifest.status).toBe(200);
    const uuids = Object.keys(JSON.parse(manifest.text));
    expect(uuids.length).toBeGreaterThanOrEqual(2);
    const events = await Promise.all(
      uuids.map(async (uuid) => JSON.parse((await get(basic(partners.allied), `${uuid}.json`)).text).Event),
    );
    const attacker = events.find((e) => e.Attribute.some((a: Json) => a.type === 'ip-src' && a.value === ATTACKER));
    // Its sighting was released: the event carries the highest marking of what it holds.
    expect(attacker.Tag).toEqual([{ name: 'tlp:amber' }]);
    expect(events.some((e) => e.Attribute.some((a: Json) => a.value === DRONE_SERIAL))).toBe(true);
    const hashes = await get(basic(partners.allied), 'hashes.csv');
    expect(hashes.text).toContain(`${createHash('md5').update(ATTACKER).digest('hex')},${attacker.uuid}`);
    for (const secret of NEVER_SHARED)
      expect(manifest.text + JSON.stringify(events) + hashes.text).not.toContain(secret);
    // The narrower partner's events are GREEN; a user's token opens nothing here.
    const narrow = JSON.parse((await get(basic(partners.narrow), 'manifest.json')).text);
    expect(Object.values(narrow).every((e: Json) => e.Tag[0].name === 'tlp:green')).toBe(true);
    expect((await get(`Bearer ${admin}`, 'manifest.json')).status).toBe(401);
  });

  it('slows a guesser per partner name and address, with the same answers whether the partner exists or not', async () => {
    const created = await og.rest(admin, 'POST', '/partners', {
      name: 'guessed-csirt',
      projection: { types: ['indicator'], maxTlp: 'green' },
    });
    expect(created.status).toBe(201);
    const guessed = PartnerCreatedSchema.parse(created.body);
    const answer = (res: Awaited<ReturnType<typeof taxii>>) => [
      res.status,
      res.headers.get('retry-after') === null ? 'no Retry-After' : 'Retry-After',
      String(res.body.description).replace(/\d+ s\b/, 'N s'),
    ];
    const guess = async (authorization: (i: number) => string) => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(answer(await taxii(authorization(i), '/taxii2/')));
      return answers;
    };
    const known = await guess((i) => basic({ name: guessed.name, secret: `guess-${i}` }));
    expect(known.map(([status]) => status)).toEqual([401, 401, 401, 429]);
    expect(known[3]![1]).toBe('Retry-After');
    expect(await guess((i) => basic({ name: 'no-such-csirt', secret: `guess-${i}` }))).toEqual(known);
    // A bearer token is counted by the partner id it names, existing or not.
    const bearer = (id: string) => (i: number) => `Bearer ogp.${id}.guess${i}`;
    expect(await guess(bearer(guessed.id))).toEqual(known);
    expect(await guess(bearer('00000000-0000-4000-8000-00000000beef'))).toEqual(known);
    // A name no partner could have (PostgreSQL text cannot hold NUL) is a 401 like any other.
    expect((await taxii(basic({ name: 'nul\u0000name', secret: 'x' }), '/taxii2/')).status).toBe(401);
    // While it waits, even the right secret gets 429 from here; other partners are not slowed.
    expect(answer(await taxii(basic(guessed), '/taxii2/'))).toEqual(known[3]);
    expect((await taxii(basic(partners.allied), '/taxii2/')).status).toBe(200);
    // Admins see the partner throttles with the users'.
    const throttles = await og.rest(admin, 'GET', '/users/login-throttles');
    expect(throttles.body.items.map((t: Json) => t.username)).toEqual(
      expect.arrayContaining(['partner:guessed-csirt', 'partner:no-such-csirt', `partner-token:${guessed.id}`]),
    );
  });

  it('stops a disabled partner at once', async () => {
    expect((await og.rest(admin, 'PATCH', `/partners/${partners.narrow.id}`, { disabled: true })).status).toBe(200);
    expect((await taxii(basic(partners.narrow), '/taxii2/')).status).toBe(401);
  });
});
