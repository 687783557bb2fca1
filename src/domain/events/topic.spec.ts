import { acksTopic, parseTopic } from './topic';

const PREFIX = 'oreguard/v1';
const GATEWAY = `${PREFIX}/sites/kolwezi-1/gateways/gw-east`;

describe('parseTopic', () => {
  it.each([
    ['events', `${GATEWAY}/events`, { type: 'events', siteId: 'kolwezi-1', gatewayId: 'gw-east' }],
    ['status', `${GATEWAY}/status`, { type: 'status', siteId: 'kolwezi-1', gatewayId: 'gw-east' }],
    ['acks', `${GATEWAY}/acks`, { type: 'acks', siteId: 'kolwezi-1', gatewayId: 'gw-east' }],
    [
      'suricata',
      `${GATEWAY}/suricata/ids-ot-1`,
      { type: 'suricata', siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'ids-ot-1' },
    ],
    [
      'remoteid',
      `${GATEWAY}/remoteid/rid_rx_2`,
      { type: 'remoteid', siteId: 'kolwezi-1', gatewayId: 'gw-east', sensorId: 'rid_rx_2' },
    ],
  ])('reads the %s topic', (_name, topic, route) => {
    expect(parseTopic(PREFIX, topic)).toEqual({ ok: true, route });
  });

  it('accepts a prefix written with a trailing slash', () => {
    expect(parseTopic('oreguard/v1/', `${GATEWAY}/events`)).toMatchObject({ ok: true });
  });

  it('works with a single-level and an empty prefix', () => {
    expect(parseTopic('og', 'og/sites/s1/gateways/g1/events')).toMatchObject({ ok: true, route: { siteId: 's1' } });
    expect(parseTopic('', 'sites/s1/gateways/g1/events')).toMatchObject({ ok: true, route: { gatewayId: 'g1' } });
  });

  it.each([
    [
      'siteId',
      `${PREFIX}/sites/Kolwezi 1/gateways/gw-east/events`,
      'topic: siteId "Kolwezi 1" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    ],
    [
      'gatewayId',
      `${PREFIX}/sites/kolwezi-1/gateways/-gw/events`,
      'topic: gatewayId "-gw" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    ],
    ['sensorId', `${GATEWAY}/suricata/IDS.1`, 'topic: sensorId "IDS.1" must match ^[a-z0-9][a-z0-9_-]{0,63}$'],
    [
      'an empty siteId',
      `${PREFIX}/sites//gateways/gw-east/events`,
      'topic: siteId "" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    ],
    [
      'a 65-character gatewayId',
      `${PREFIX}/sites/kolwezi-1/gateways/${'g'.repeat(65)}/events`,
      /^topic: gatewayId "g{65}" must match/,
    ],
  ])('names a bad %s', (_name, topic, reason) => {
    const result = parseTopic(PREFIX, topic);

    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(typeof reason === 'string' ? new RegExp(`^${escape(reason)}$`) : reason);
  });

  it.each([
    ['another prefix', 'oreguard/v2/sites/kolwezi-1/gateways/gw-east/events'],
    ['a prefix only as a substring', 'xoreguard/v1/sites/kolwezi-1/gateways/gw-east/events'],
    ['an unknown leaf', `${GATEWAY}/telemetry`],
    ['events with a sensor', `${GATEWAY}/events/rf-mast-2`],
    ['suricata without a sensor', `${GATEWAY}/suricata`],
    ['a trailing slash', `${GATEWAY}/events/`],
    ['a missing gateways level', `${PREFIX}/sites/kolwezi-1/events`],
    ['singular names', `${PREFIX}/site/kolwezi-1/gateway/gw-east/events`],
    ['the bare prefix', PREFIX],
    ['an empty topic', ''],
  ])('says %s fits no pattern', (_name, topic) => {
    expect(parseTopic(PREFIX, topic)).toEqual({
      ok: false,
      reason: `topic: ${JSON.stringify(topic)} fits no OreGuard topic pattern`,
    });
  });

  it('cuts a very long topic in the reason', () => {
    const result = parseTopic(PREFIX, 'x'.repeat(10_000));

    expect(!result.ok && result.reason.length).toBeLessThan(300);
  });
});

describe('topic builders', () => {
  it('names the acks topic of a gateway', () => {
    expect(acksTopic(PREFIX, 'kolwezi-1', 'gw-east')).toBe(`${GATEWAY}/acks`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
