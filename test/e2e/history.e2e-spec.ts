import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';

const INCIDENTS = 100_000;

/** Security leads' history: streamed exports of any size, and the statistics. */
describe('incident history for security leads', () => {
  const og = oreGuardForFile('history');
  let token: string;

  beforeAll(async () => {
    token = await login(og.oreguard.baseUrl);
    await og.ctx.db.query("INSERT INTO sites (id, name) VALUES ('kolwezi-1', 'Kolwezi'), ('tarkwa-2', 'Tarkwa')");
    // 100,000 incidents straight into the table: 1 in 10 at tarkwa-2, 1 in 4 acknowledged after 60 s,
    // 1 in 5 resolved after 600 s, and one whose title a spreadsheet would run as a formula.
    await og.ctx.db.query(
      `INSERT INTO incidents (id, site_id, group_key, title, severity, severity_rank, status, kinds, rule_ids, event_count,
                              first_seen_at, last_seen_at, opened_at, acknowledged_at, resolved_at, resolution, updated_at)
       SELECT gen_random_uuid(), CASE WHEN i % 10 = 0 THEN 'tarkwa-2' ELSE 'kolwezi-1' END, 'theft',
              CASE WHEN i = 1 THEN '=HYPERLINK("http://evil")' ELSE 'Theft activity at site, zone ' || i END,
              'high', 3, CASE WHEN i % 5 = 0 THEN 'resolved' WHEN i % 4 = 0 THEN 'acknowledged' ELSE 'open' END,
              '{theft}', '{theft-activity}', 1, t, t, t,
              CASE WHEN i % 4 = 0 THEN t + interval '60 seconds' END,
              CASE WHEN i % 5 = 0 THEN t + interval '600 seconds' END,
              CASE WHEN i % 5 = 0 THEN 'true_positive' END, t
         FROM generate_series(1, $1) AS i,
              LATERAL (SELECT timestamptz '2026-11-01T00:00:00Z' + i * interval '10 seconds' AS t) AS times`,
      [INCIDENTS],
    );
  });

  const get = (path: string) =>
    fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('streams all 100,000 incidents as NDJSON, newest first, each a whole incident', async () => {
    const res = await get('/incidents/export?format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(INCIDENTS);
    const first = JSON.parse(lines[0]);
    const last = JSON.parse(lines[lines.length - 1]);
    expect(first.openedAt > last.openedAt).toBe(true);
    expect(new Set(lines.map((l) => JSON.parse(l).id)).size).toBe(INCIDENTS);
  });

  it('exports CSV with the same filters as the list, quoting and defusing formulas', async () => {
    const res = await get('/incidents/export?format=csv&siteId=tarkwa-2&status=resolved');
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = (await res.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'id,siteId,title,severity,status,kinds,ruleIds,zones,eventCount,firstSeenAt,lastSeenAt,openedAt,acknowledgedAt,acknowledgedBy,assignee,resolvedAt,resolution',
    );
    expect(rows).toHaveLength(1 + INCIDENTS / 10); // every 10th is at tarkwa-2, and those are all resolved
    expect(rows.slice(1).every((r) => r.includes(',tarkwa-2,') && r.includes(',resolved,'))).toBe(true);

    const all = await (await get('/incidents/export?format=csv&q=HYPERLINK')).text();
    expect(all).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('counts by site, kind, severity and day, with mean times to acknowledge and resolve', async () => {
    const res = await get('/stats?siteId=tarkwa-2');
    const stats = (await res.json()) as any;
    expect(stats).toMatchObject({
      total: INCIDENTS / 10,
      bySite: { 'tarkwa-2': INCIDENTS / 10 },
      byKind: { theft: INCIDENTS / 10 },
      bySeverity: { high: INCIDENTS / 10 },
      meanTimeToAcknowledgeS: 60,
      meanTimeToResolveS: 600,
    });
    expect(Object.keys(stats.byDay)[0]).toBe('2026-11-01');
    const days = Object.values(stats.byDay as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(days).toBe(INCIDENTS / 10);
  });

  it('refuses an unknown format and a bad window with 400', async () => {
    expect((await get('/incidents/export?format=xlsx')).status).toBe(400);
    expect((await get('/stats?from=yesterday')).status).toBe(400);
  });
});
