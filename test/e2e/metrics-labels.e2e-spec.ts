import { aDroneEvent } from '../factories/events';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';
import { REJECTION_KINDS } from '../../src/domain/events/rejection-kind';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const PROBES = 300;

/** Metric series cannot be multiplied by what gateways send, and the scrape can be closed with a token. */
describe('metrics', () => {
  const og = oreGuardForFile('metrics-labels', { env: { METRICS_TOKEN }, untilIngesting: true });

  const scrape = (authorization?: string) =>
    fetch(`${og.oreguard.baseUrl}/api/v1/metrics`, { headers: authorization ? { authorization } : {} });

  it(`counts ${PROBES} events with ${PROBES} different unknown fields under one label, from a fixed set`, async () => {
    const gateway = await og.gateway('kolwezi-1');
    for (let i = 0; i < PROBES; i++) await gateway.publish({ ...aDroneEvent(), [`probe${i}`]: i });
    await waitFor(async () => (await og.ctx.db.query('SELECT 1 FROM rejected_events')).length === PROBES, {
      what: `${PROBES} rejected events`,
    });

    const text = await (await scrape(`Bearer ${METRICS_TOKEN}`)).text();
    const series = [...text.matchAll(/^oreguard_events_rejected_total\{reason="([^"]*)"\} (\d+)$/gm)];
    expect(series.map((m) => m[1]).sort()).toEqual([...REJECTION_KINDS].sort());
    expect(text).toMatch(new RegExp(`^oreguard_events_rejected_total\\{reason="unknown_field"\\} ${PROBES}$`, 'm'));
    // No other metric picked up a label value from the payloads either.
    expect(text).not.toMatch(/probe\d/);
  });

  it('answers the scrape only with the METRICS_TOKEN bearer token', async () => {
    const refused = await scrape();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refused.json()).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringMatching(/^authorization: /),
    });
    expect((await scrape(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${METRICS_TOKEN.slice(0, -1)}`)).status).toBe(401);
    expect((await scrape(`Basic ${METRICS_TOKEN}`)).status).toBe(401);
    const accepted = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});
