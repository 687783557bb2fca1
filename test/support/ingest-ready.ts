import { aDroneEvent } from '../factories/events';
import type { Db } from '../../src/database/db';
import { TestGateway } from './mqtt-gateway';
import { TEST_SERVICES } from './services';
import { waitFor } from './wait-for';

/** The site the probe publishes to: keep it out of what a test counts. */
export const PROBE_SITE = 'ingest-probe';

/**
 * Waits until an event published now is stored: one probe event (site `ingest-probe`) is
 * published until it is. Start-up already waits for the subscription; this also proves the
 * whole ingest path answers before a test starts counting. Re-publishes are duplicates.
 */
export async function untilIngesting(topicPrefix: string, db: Db, url = TEST_SERVICES.mqttUrl): Promise<void> {
  const gateway = await TestGateway.connect(topicPrefix, PROBE_SITE, 'gw-probe', url);
  const probe = aDroneEvent({ sensorId: 'probe' });
  try {
    await waitFor(
      async () => {
        await gateway.publish(probe);
        const rows = await db.query('SELECT 1 FROM events WHERE event_id = $1', [probe.eventId]);
        return rows.length === 1;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'OreGuard to store a probe event (MQTT subscription in place)' },
    );
  } finally {
    await gateway.close();
  }
}
