import { correlatorStore } from '../../src/correlation/correlator.repository';
import type { Db } from '../../src/database/db';
import { waitFor } from './wait-for';

/**
 * Until live correlation has taken every stored event (its cursor is past them all): after
 * this, the incidents and live messages rules make from those events are all committed.
 */
export async function untilCorrelated(db: Db, timeoutMs = 45_000): Promise<void> {
  await waitFor(async () => (await correlatorStore.pending(db.pool)) === 0, {
    timeoutMs,
    what: 'live correlation to take every event',
  });
}
