import type { QueryConfig } from 'pg';
import type { Queryable } from '../../src/database/db';
import { correlatorStore } from '../../src/correlation/correlator.repository';
import type { MatchChange } from '../../src/domain/correlation/match-incidents';
import { incidentView } from '../../src/incidents/incident.repository';
import { appendLiveMessages } from '../../src/live/live-log';
import { anIncident } from '../factories/incidents';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * A correlation step writes its incidents, links and timeline first and appends their live
 * messages last (correlatorStore.apply). Appending locks the site's live counter until commit,
 * and every ingest transaction appends to the same counters: while the step is still writing,
 * ingest must not have to wait for it.
 */
const SITE = 'kolwezi-1';

describe('correlator writes', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext('correlator-writes');
    await ctx.db.query(`INSERT INTO sites (id, name) VALUES ($1, $1)`, [SITE]);
  });

  afterAll(async () => {
    await ctx?.dispose();
  });

  it('leaves the live counters free until its messages are appended, and numbers them in commit order', async () => {
    const at = new Date('2026-11-29T02:00:00.000Z');
    const ruleIncident = anIncident(at, {
      groupKey: 'rule:coordinated-intrusion:siteId=kolwezi-1',
      ruleIds: ['coordinated-intrusion'],
      severity: 'critical',
    });
    const change: MatchChange = {
      type: 'opened',
      incident: ruleIncident,
      previousSeverity: null,
      eventIds: [],
      matchedEventIds: [],
      entries: [{ action: 'rule-matched', details: { ruleId: 'coordinated-intrusion', eventIds: [], eventCount: 0 } }],
    };

    // The step's transaction, held right after the statement that writes its incidents, links
    // and timeline: only its live messages are left to append.
    let reachedWritten!: () => void;
    const written = new Promise<void>((resolve) => (reachedWritten = resolve));
    let releaseStep!: () => void;
    const stepReleased = new Promise<void>((resolve) => (releaseStep = resolve));
    const client = await ctx.db.pool.connect();
    const held = {
      query: async (config: string | QueryConfig, values?: unknown[]) => {
        const result = await client.query(config as QueryConfig, values);
        if (typeof config === 'object' && config.name?.startsWith('fold-apply')) {
          reachedWritten();
          await stepReleased;
        }
        return result;
      },
    } as Queryable;

    try {
      await client.query('BEGIN');
      const step = correlatorStore.apply(held, [change], at, new Map());
      await written;

      // Meanwhile an ingest transaction appends to the same site's counter and commits.
      const foldIncident = anIncident(at);
      const ingest = ctx.db.transaction((tx) =>
        appendLiveMessages(tx, [{ type: 'opened', incident: incidentView(foldIncident) }]),
      );
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        ingest.then((messages) => messages.map((m) => m.seq)),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('blocked'), 5000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toEqual([1]);

      releaseStep();
      await step;
      await client.query('COMMIT');
    } catch (error) {
      releaseStep();
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }

    const logged = await ctx.db.query<{ seq: string; incident_id: string }>(
      'SELECT seq, incident_id FROM live_messages WHERE site_id = $1 ORDER BY seq',
      [SITE],
    );
    expect(logged.map((m) => [Number(m.seq), m.incident_id === ruleIncident.id])).toEqual([
      [1, false],
      [2, true],
    ]);
    const timeline = await ctx.db.query<{ action: string }>(
      'SELECT action FROM incident_timeline WHERE incident_id = $1',
      [ruleIncident.id],
    );
    expect(timeline.map((t) => t.action)).toEqual(['rule-matched']);
  });
});
