import { healthIncidentTitle, joinHealthIncident, openHealthIncident, tamperDescription } from './health-incident';
import type { HealthTransition } from './gateway-health';

const at = new Date('2026-11-29T03:12:00Z');
const offline: HealthTransition = {
  subject: { type: 'sensor', id: 'rf-mast-2' },
  from: 'ok',
  to: 'offline',
  at,
  reason: 'reported offline by gateway gw-1',
};

describe('sensor-health incidents', () => {
  it('names the sensor, its state, the site and the zones it leaves blind', () => {
    expect(healthIncidentTitle('kolwezi-1', offline, ['north-fence', 'tailings-east'])).toBe(
      'Sensor rf-mast-2 offline at kolwezi-1 (zones north-fence, tailings-east)',
    );
    expect(healthIncidentTitle('kolwezi-1', { subject: { type: 'gateway', id: 'gw-1' }, to: 'offline' }, [])).toBe(
      'Gateway gw-1 offline at kolwezi-1 (no zones known)',
    );
  });

  it('opens one per subject under the sensor-health rule, and a later fault joins it', () => {
    const opened = openHealthIncident('kolwezi-1', offline, ['tailings-east'], 'high', { id: 'i-1', now: at });
    expect(opened).toMatchObject({
      groupKey: 'sensor-health/sensor/rf-mast-2',
      ruleIds: ['sensor-health'],
      kinds: ['theft'],
      eventCount: 1,
    });
    const later = new Date('2026-11-29T03:20:00Z');
    const joined = joinHealthIncident(opened, { ...offline, to: 'fault', at: later }, ['north-fence'], later);
    expect(joined).toMatchObject({ eventCount: 2, lastSeenAt: later, zones: ['north-fence', 'tailings-east'] });
  });

  it('says why in the tamper description', () => {
    expect(tamperDescription(offline, ['tailings-east'])).toBe(
      'Sensor rf-mast-2 went offline (reported offline by gateway gw-1); zones it covers: tailings-east',
    );
  });
});
