import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

const ASSIGNEE = '5d7e0f6a-1c2b-4e3d-9a8b-7c6d5e4f3a21';
const at = (hhmm: string) => `2026-11-01T${hhmm}:00.000Z`;

/**
 * Four incidents with known zones, rules and lifecycle times (three at site-a, one at site-b),
 * written straight into the table. Each filter must select exactly the expected ones, bad
 * values are a 400 naming the field, and an operator of site-a never gets site-b's incident
 * whatever they filter by.
 */
const INCIDENTS = [
  // name, site, kind, zones, rules, status, opened, acknowledged, resolved, resolution, assignee
  [
    'a1',
    'site-a',
    'theft',
    ['north-fence'],
    ['theft-activity'],
    'resolved',
    '01:00',
    '01:10',
    '02:00',
    'true_positive',
    ASSIGNEE,
  ],
  [
    'a2',
    'site-a',
    'drone',
    ['pit-2', 'north-fence'],
    ['drone-activity', 'coordinated-intrusion'],
    'acknowledged',
    '03:00',
    '03:30',
    null,
    null,
    null,
  ],
  ['a3', 'site-a', 'cyber', [], ['cyber-activity'], 'open', '05:00', null, null, null, null],
  [
    'b1',
    'site-b',
    'theft',
    ['north-fence'],
    ['coordinated-intrusion'],
    'resolved',
    '04:00',
    null,
    '04:30',
    'false_positive',
    null,
  ],
] as const;

describe('searching incident history', () => {
  const og = oreGuardForFile('incident-search', { env: { ESCALATE_AFTER: 'off' } });
  let lead: string;
  let operator: string;
  const names = new Map<string, string>();

  beforeAll(async () => {
    lead = await login(og.oreguard.baseUrl);
    await og.ctx.db.query("INSERT INTO sites (id, name) VALUES ('site-a', 'A'), ('site-b', 'B')");
    for (const [
      name,
      site,
      kind,
      zones,
      rules,
      status,
      opened,
      acknowledged,
      resolved,
      resolution,
      assignee,
    ] of INCIDENTS) {
      const [{ id }] = await og.ctx.db.query<{ id: string }>(
        `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, zones, event_count,
                                first_seen_at, last_seen_at, opened_at, acknowledged_at, acknowledged_by, resolved_at, resolution,
                                assignee, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, 'high', 3, $4, ARRAY[$2], $5, $6, 1, $7, $7, $7, $8,
                 CASE WHEN $8::timestamptz IS NULL THEN NULL ELSE 'amani' END, $9, $10, $11, $7)
         RETURNING id`,
        [
          site,
          kind,
          `Incident ${name}`,
          status,
          rules,
          zones,
          at(opened),
          acknowledged && at(acknowledged),
          resolved && at(resolved),
          resolution,
          assignee,
        ],
      );
      names.set(id, name);
    }
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lead}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'op-a', password: 'operator-password', role: 'operator', siteIds: ['site-a'] }),
    });
    expect(res.status).toBe(201);
    operator = await login(og.oreguard.baseUrl, 'op-a', 'operator-password');
  });

  const get = (token: string, path: string) =>
    fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });

  /** The incidents a list answers, by name, newest first. */
  const found = async (token: string, query: string) => {
    const res = await get(token, `/incidents?${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { id: string }[] }).items.map((i) => names.get(i.id));
  };

  /** The incidents an export streams, by name, in both formats (which must agree). */
  const exported = async (token: string, query: string) => {
    const ndjson = await (await get(token, `/incidents/export?format=ndjson&${query}`)).text();
    const csv = (await (await get(token, `/incidents/export?format=csv&${query}`)).text())
      .trimEnd()
      .split('\r\n')
      .slice(1);
    const fromNdjson = ndjson
      .split('\n')
      .filter(Boolean)
      .map((l) => names.get(JSON.parse(l).id));
    expect(csv.filter(Boolean).map((row) => names.get(row.split(',')[0]))).toEqual(fromNdjson);
    return fromNdjson;
  };

  it.each([
    ['zone=north-fence', ['b1', 'a2', 'a1']],
    ['zone=pit-2', ['a2']],
    ['zone=tailings-east', []],
    ['ruleId=coordinated-intrusion', ['b1', 'a2']],
    ['ruleId=cyber-activity', ['a3']],
    ['ruleId=no-such-rule', []],
    [`openedFrom=${at('03:00')}&openedTo=${at('04:00')}`, ['b1', 'a2']],
    ['openedFrom=2026-11-01T04:00:01Z', ['a3']],
    [`acknowledgedFrom=${at('01:10')}&acknowledgedTo=${at('01:10')}`, ['a1']],
    [`acknowledgedFrom=${at('03:00')}`, ['a2']],
    [`resolvedFrom=${at('01:30')}&resolvedTo=${at('04:30')}`, ['b1', 'a1']],
    [`resolvedTo=${at('01:59')}`, []],
    ['resolution=false_positive', ['b1']],
    [`assignee=${ASSIGNEE}`, ['a1']],
    ['zone=north-fence&siteId=site-a&status=acknowledged', ['a2']],
    ['zone=north-fence&ruleId=coordinated-intrusion&kind=theft', ['b1']],
  ] as [string, string[]][])(
    'selects exactly the right incidents for %s, in the list and the export',
    async (query, expected) => {
      expect(await found(lead, query)).toEqual(expected);
      expect(await exported(lead, query)).toEqual(expected);
    },
  );

  it('counts only the filtered incidents in the statistics', async () => {
    const stats = (await (await get(lead, '/stats?zone=north-fence')).json()) as any;
    expect(stats).toMatchObject({ total: 3, bySite: { 'site-a': 2, 'site-b': 1 }, byKind: { theft: 2, drone: 1 } });
    const resolved = (await (await get(lead, `/stats?resolvedFrom=${at('00:00')}`)).json()) as any;
    expect(resolved).toMatchObject({
      total: 2,
      bySite: { 'site-a': 1, 'site-b': 1 },
      meanTimeToResolveS: (3600 + 1800) / 2,
    });
  });

  it.each([
    ['/incidents?zone=North%20Fence', /^zone: /],
    ['/incidents?ruleId=', /^ruleId: /],
    ['/incidents?openedFrom=yesterday', /^openedFrom: /],
    ['/incidents?acknowledgedTo=2026-11-01', /^acknowledgedTo: /],
    ['/incidents?resolvedFrom=2026-11-01T25:00:00Z', /^resolvedFrom: /],
    ['/incidents?resolution=maybe', /^resolution: /],
    ['/incidents?assignee=amani', /^assignee: /],
    [`/incidents?openedFrom=${at('05:00')}&openedTo=${at('04:00')}`, /^openedTo: must not be before openedFrom/],
    ['/incidents/export?format=csv&ruleId=Bad!', /^ruleId: /],
    [`/incidents/export?resolvedFrom=${at('05:00')}&resolvedTo=${at('04:00')}`, /^resolvedTo: /],
    ['/stats?zone=-x', /^zone: /],
    ['/stats?acknowledgedFrom=soon', /^acknowledgedFrom: /],
  ])('answers %s with 400 naming the field', async (path, message) => {
    const res = await get(lead, path);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it("gives an operator nothing of another site's zone or rule, in the list, the export and the statistics", async () => {
    expect(await found(operator, 'zone=north-fence')).toEqual(['a2', 'a1']);
    expect(await found(operator, 'ruleId=coordinated-intrusion')).toEqual(['a2']);
    expect(await found(operator, 'resolution=false_positive')).toEqual([]);
    expect(await found(operator, `resolvedFrom=${at('04:00')}`)).toEqual([]);
    expect(await exported(operator, 'ruleId=coordinated-intrusion')).toEqual(['a2']);
    expect(await exported(operator, 'zone=north-fence&kind=theft')).toEqual(['a1']);
    const stats = (await (await get(operator, '/stats?zone=north-fence')).json()) as any;
    expect(stats).toMatchObject({ total: 2, bySite: { 'site-a': 2 } });
    expect(stats.bySite['site-b']).toBeUndefined();
    expect((await get(operator, '/incidents?siteId=site-b&zone=north-fence')).status).toBe(403);
    expect((await get(operator, '/incidents/export?siteId=site-b&ruleId=coordinated-intrusion')).status).toBe(403);
  });

  it('describes the new filters in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${og.oreguard.baseUrl}/docs/openapi.json`)).json()) as any;
    const params = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
    const added = [
      'zone',
      'ruleId',
      'resolution',
      'assignee',
      'openedFrom',
      'openedTo',
      'acknowledgedFrom',
      'acknowledgedTo',
      'resolvedFrom',
      'resolvedTo',
    ];
    for (const path of ['/incidents', '/incidents/export', '/stats'])
      expect(params(path)).toEqual(expect.arrayContaining(added));
  });
});
