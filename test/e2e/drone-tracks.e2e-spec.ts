import { aDroneEvent } from '../factories/events';
import { login } from '../support/live-client';
import { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/** Over the tailings at Kolwezi, and a position this many metres north of it. */
const HERE = { lat: -10.7148, lon: 25.4663 };
const north = (m: number) => ({ lat: HERE.lat + m / 111_195, lon: HERE.lon });

/**
 * One drone, one incident: a drone announcing itself by Remote ID is heard by two gateways and
 * picked up by a radar behind the second one; another drone, with no Remote ID, flies 5 km away.
 */
describe('drone tracks, MQTT to one incident per drone', () => {
  const og = oreGuardForFile('drone-tracks');
  let gw1: TestGateway;
  let gw2: TestGateway;
  let token: string;

  beforeAll(async () => {
    gw1 = await og.gateway('kolwezi-1', 'gw-1');
    gw2 = await TestGateway.connect(og.ctx.topicPrefix, 'kolwezi-1', 'gw-2');
    token = await login(og.oreguard.baseUrl);
  });

  afterAll(async () => {
    await gw2?.close();
  });

  const api = async (path: string) => {
    const res = await fetch(`${og.oreguard.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as any;
  };

  it('folds detections of one drone from two gateways and a radar into one incident with its track, and another drone into its own', async () => {
    const base = Date.now() - 60_000;
    const time = (s: number) => new Date(base + s * 1000).toISOString();
    const seen = [
      [
        gw1,
        aDroneEvent({
          sensorId: 'rid-rx-1',
          occurredAt: time(0),
          severity: undefined,
          drone: {
            detection: 'remote_id',
            uasId: 'UAS-123',
            position: { ...north(0), altM: 90 },
            trackId: 'aa:bb:cc:01',
          },
        }),
      ],
      [
        gw2,
        aDroneEvent({
          sensorId: 'rid-rx-7',
          occurredAt: time(2),
          severity: undefined,
          drone: {
            detection: 'remote_id',
            uasId: 'UAS-123',
            position: { ...north(30), altM: 92 },
            trackId: 'aa:bb:cc:01',
          },
        }),
      ],
      [
        gw2,
        aDroneEvent({
          sensorId: 'radar-1',
          occurredAt: time(4),
          severity: undefined,
          drone: { detection: 'radar', position: { ...north(70), altM: 95 }, trackId: 'T-17' },
        }),
      ],
      [
        gw1,
        aDroneEvent({
          sensorId: 'rf-mast-2',
          occurredAt: time(5),
          severity: undefined,
          zone: 'pit-2',
          drone: { detection: 'rf', position: north(5000), trackId: 'R-3' },
        }),
      ],
    ] as const;
    // In time order, each committed before the next: the fold sees them in the order they happened.
    for (const [gateway, event] of seen) await gateway.publish(event);

    const incidents = await waitFor(
      async () => {
        const { items } = await api('/incidents?siteId=kolwezi-1&kind=drone');
        return items.length === 2 && items.reduce((n: number, i: any) => n + i.eventCount, 0) === 4 ? items : undefined;
      },
      { what: 'two drone incidents holding the four detections' },
    );
    const byTitle = Object.fromEntries(incidents.map((i: any) => [i.title, i]));
    expect(Object.keys(byTitle).sort()).toEqual([
      'Drone UAS-123 (Remote ID) over tailings-east at kolwezi-1',
      'Non-cooperative drone over pit-2 at kolwezi-1',
    ]);
    const known = byTitle['Drone UAS-123 (Remote ID) over tailings-east at kolwezi-1'];
    const stranger = byTitle['Non-cooperative drone over pit-2 at kolwezi-1'];
    expect(known).toMatchObject({ eventCount: 3, severity: 'medium' });
    expect(stranger).toMatchObject({ eventCount: 1, severity: 'high' });

    const detail = await api(`/incidents/${known.id}`);
    expect(detail.events.map((e: any) => e.eventId)).toEqual(seen.slice(0, 3).map(([, e]) => e.eventId));
    expect(detail.track).toMatchObject({
      uasIds: ['UAS-123'],
      trackIds: expect.arrayContaining(['gw-1/rid-rx-1/aa:bb:cc:01', 'gw-2/rid-rx-7/aa:bb:cc:01', 'gw-2/radar-1/T-17']),
      remoteIdSeen: true,
      nonCooperative: false,
      spoofSuspected: false,
    });
    expect(detail.track.positions).toEqual([
      expect.objectContaining({
        ...north(0),
        altM: 90,
        at: time(0),
        detection: 'remote_id',
        gatewayId: 'gw-1',
        sensorId: 'rid-rx-1',
      }),
      expect.objectContaining({
        ...north(30),
        altM: 92,
        at: time(2),
        detection: 'remote_id',
        gatewayId: 'gw-2',
        sensorId: 'rid-rx-7',
      }),
      expect.objectContaining({
        ...north(70),
        altM: 95,
        at: time(4),
        detection: 'radar',
        gatewayId: 'gw-2',
        sensorId: 'radar-1',
      }),
    ]);
    expect(
      detail.timeline.filter((t: any) => t.action === 'track').flatMap((t: any) => t.details.positions),
    ).toHaveLength(3);
    expect(detail.timeline.some((t: any) => t.action === 'non-cooperative')).toBe(false);

    const other = await api(`/incidents/${stranger.id}`);
    expect(other.track).toMatchObject({ nonCooperative: true, remoteIdSeen: false, trackIds: ['gw-1/rf-mast-2/R-3'] });
    const mark = other.timeline.find((t: any) => t.action === 'non-cooperative');
    expect(mark.details.reason).toMatch(/^rf detection by gw-1\/rf-mast-2 .* with no Remote ID within 150 m and 10 s$/);
  });
});
