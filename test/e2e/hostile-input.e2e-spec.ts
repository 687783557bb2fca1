import { aDroneEvent } from '../factories/events';
import { gzip, percentEncode, rawRequest, type RawAnswer } from '../support/hostile-request';
import { login } from '../support/live-client';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';
import { errorLinesOfFile } from '../support/error-lines';

const SITE = 'kolwezi-1';
const NUL = 'north\u0000fence';
const LONE = 'north\uD800fence';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * What a hostile client sends at the REST edge: text PostgreSQL cannot keep, cursors that
 * decode but were never issued, bodies that do not decompress or decode. Each is a 400 (415
 * for an encoding) naming the field, in the error shape, and nothing is logged as an error.
 */
describe('hostile input at the REST edge', () => {
  const og = oreGuardForFile('hostile-input', { untilIngesting: true });
  let admin: string;
  let incidentId: string;
  const errorLines = errorLinesOfFile();

  beforeAll(async () => {
    admin = await login(og.oreguard.baseUrl);
    const gateway = await og.gateway(SITE);
    const event = aDroneEvent();
    await gateway.publish(event);
    incidentId = await waitFor(
      async () => {
        const rows = await og.ctx.db.query<{ id: string }>(
          `SELECT i.id FROM incidents i JOIN incident_events ie ON ie.incident_id = i.id JOIN events e ON e.id = ie.event_id WHERE e.event_id = $1`,
          [event.eventId],
        );
        return rows[0]?.id;
      },
      { what: 'an incident to act on' },
    );
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    rawRequest(og.oreguard.baseUrl, method, `/api/v1${path}`, {
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      // JSON.stringify writes a lone surrogate as the escape \ud800, as any client's JSON encoder would.
      body:
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body),
    });
  const expectRefused = (answer: RawAnswer, status: number, message: RegExp) => {
    expect({ status: answer.status, body: JSON.parse(answer.text) }).toEqual({
      status,
      body: expect.objectContaining({
        statusCode: status,
        error: expect.any(String),
        message: expect.stringMatching(message),
      }),
    });
  };
  const UNSTORABLE = /: must not contain the NUL character or a lone UTF-16 surrogate$/;

  it.each([
    ['a note', () => [`/incidents/${incidentId}/notes`, { text: NUL }], /^text/],
    ['a note', () => [`/incidents/${incidentId}/notes`, { text: LONE }], /^text/],
    [
      'a resolve note',
      () => [`/incidents/${incidentId}/resolve`, { resolution: 'false_positive', note: NUL }],
      /^note/,
    ],
    [
      'a silence reason',
      () => [`/silences`, { siteId: SITE, endsAt: '2099-01-01T00:00:00Z', reason: LONE }],
      /^reason/,
    ],
    [
      'a silence match value',
      () => [`/silences`, { siteId: SITE, endsAt: '2099-01-01T00:00:00Z', reason: 'x', match: { 'drone.model': NUL } }],
      /^match\.drone\.model/,
    ],
    ['a drone label', () => [`/authorized-drones`, { siteId: SITE, uasId: 'SN-1', label: NUL }], /^label/],
    ['a drone uasId', () => [`/authorized-drones`, { siteId: SITE, uasId: LONE, label: 'ours' }], /^uasId/],
    ['a site name', () => [`/sites`, { id: 'tarkwa-9', name: LONE, timeZone: 'UTC' }], /^name/],
    ['a login username', () => [`/auth/login`, { username: NUL, password: 'whatever' }], /^username/],
  ] as [string, () => [string, object], RegExp][])(
    'answers %s holding unstorable text with 400 naming it',
    async (_what, request, field) => {
      const [path, body] = request();
      const answer = await call('POST', path, body);
      expectRefused(answer, 400, field);
      expect(JSON.parse(answer.text).message).toMatch(UNSTORABLE);
    },
  );

  it.each([
    ['q', '/incidents?q='],
    ['actor', '/audit?actor='],
  ])(
    'answers a %s filter holding NUL with 400 naming it; a lone surrogate arrives as U+FFFD, harmless',
    async (field, path) => {
      expectRefused(
        await call('GET', `${path}${percentEncode(NUL)}`),
        400,
        new RegExp(`^${field}: must not contain the NUL character`),
      );
      // A URL carries bytes: the bytes of a lone surrogate are not UTF-8, and decode to U+FFFD.
      expect((await call('GET', `${path}${percentEncode(LONE)}`)).status).toBe(200);
    },
  );

  it.each([
    ['an incident cursor with a non-UUID id', '/incidents', ['2026-12-01T00:00:00.000Z', 'not-a-uuid']],
    ['an event cursor with an id past bigint', '/events', ['2026-12-01T00:00:00.000Z', '99999999999999999999']],
    ['an audit cursor with a negative id', '/audit', ['2026-12-01T00:00:00.000Z', '-1']],
    ['an audit cursor 20,000 years before Christ', '/audit', ['-020000-01-01T00:00:00.000Z', '1']],
    ['a silence cursor holding numbers', '/silences', [1, 2]],
    ['a rejected-event cursor holding an object', '/rejected-events', { at: 1 }],
  ])('answers %s with 400 naming the cursor', async (_what, path, cursor) => {
    expectRefused(
      await call('GET', `${path}?cursor=${cursorOf(cursor)}`),
      400,
      /^cursor: is not a cursor this API returned$/,
    );
  });

  it('answers a corrupt gzip body with 400, and reads a good one', async () => {
    const good = gzip(JSON.stringify({ text: 'gzipped note' }));
    const corrupt = Buffer.concat([good.subarray(0, 12), Buffer.from('not deflate data at all'), good.subarray(12)]);
    expectRefused(
      await call('POST', `/incidents/${incidentId}/notes`, corrupt, { 'content-encoding': 'gzip' }),
      400,
      /^body: is not valid gzip data$/,
    );
    expect((await call('POST', `/incidents/${incidentId}/notes`, good, { 'content-encoding': 'gzip' })).status).toBe(
      200,
    );
  });

  it('answers an unknown Content-Encoding or charset with 415 naming the header', async () => {
    const body = JSON.stringify({ text: 'x' });
    expectRefused(
      await call('POST', `/incidents/${incidentId}/notes`, body, { 'content-encoding': 'x-compress-9' }),
      415,
      /^content-encoding: "x-compress-9" is not supported/,
    );
    const latin = { 'content-type': 'application/json; charset=iso-8859-1' };
    expectRefused(
      await call('POST', `/incidents/${incidentId}/notes`, body, latin),
      415,
      /^content-type: charset "iso-8859-1" is not supported/,
    );
  });

  it('answers a path that does not decode with 400', async () => {
    expectRefused(await call('GET', `/incidents/%E0%A4%A`), 400, /./);
    expectRefused(await call('GET', `/sites/${percentEncode(NUL)}/sensors`), 400, /^params/);
  });

  it('stored nothing it refused, and logged no error for any of it', async () => {
    const notes = await og.ctx.db.query<{ text: string }>(
      `SELECT details->>'text' AS text FROM incident_timeline WHERE incident_id = $1 AND action = 'noted'`,
      [incidentId],
    );
    expect(notes).toEqual([{ text: 'gzipped note' }]);
    expect(errorLines).toEqual([]);
  });
});
