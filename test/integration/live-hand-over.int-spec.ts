import type { AppConfig } from '../../src/config/app-config';
import { CommittedLive } from '../../src/live/committed-live';
import { LiveDispatcher } from '../../src/live/live-dispatcher';
import { appendLiveMessages, LiveLogReader, type LiveMessage } from '../../src/live/live-log';
import { incidentView, type IncidentView } from '../../src/incidents/incident.repository';
import { anIncident } from '../factories/incidents';
import { createTestContext, type TestContext } from '../support/test-context';
import { waitFor } from '../support/wait-for';

const SITE = 'kolwezi-1';

function aView(title: string): IncidentView {
  return incidentView(
    anIncident(new Date(), { siteId: SITE, title, severity: 'low', ruleIds: ['theft-activity'], zones: [] }),
  );
}

/**
 * The live dispatcher against the real log: what this process commits is handed over without
 * a read, and what others commit in between is read, so a site's stream stays whole and in order.
 */
describe("handing committed live messages to this process's own sockets", () => {
  let ctx: TestContext;
  let dispatcher: LiveDispatcher;
  const committedLive = new CommittedLive();
  const received: LiveMessage[] = [];

  const append = (titles: string[]) =>
    ctx.db.transaction((tx) =>
      appendLiveMessages(
        tx,
        titles.map((title) => ({ type: 'opened' as const, incident: aView(title) })),
      ),
    );

  beforeAll(async () => {
    ctx = await createTestContext('live-hand-over');
    dispatcher = new LiveDispatcher(new LiveLogReader(ctx.db), committedLive, {
      database: { url: ctx.databaseUrl },
    } as AppConfig);
    await dispatcher.start(
      (_siteId, messages) => received.push(...messages),
      () => undefined,
    );
  });

  afterAll(async () => {
    await dispatcher?.onModuleDestroy();
    await ctx?.dispose();
  });

  it('hands over a run that continues the stream at once, and reads what another transaction wrote in between', async () => {
    const first = await append(['a', 'b']);
    expect(first.map((m) => m.seq)).toEqual([1, 2]);
    committedLive.committed(first);
    // Handed out during the call, not after a notification and a read.
    expect(received.map((m) => m.seq)).toEqual([1, 2]);
    expect(received.map((m) => m.incident.title)).toEqual(['a', 'b']);

    // Another instance commits 3 and 4 (no hand-over here), then this process commits 5 and 6:
    // the hand-over does not continue the stream, so the log is read.
    await append(['c', 'd']);
    const mine = await append(['e', 'f']);
    expect(mine.map((m) => m.seq)).toEqual([5, 6]);
    committedLive.committed(mine);
    await waitFor(() => received.length >= 6, { what: 'the stream up to 6' });

    // Once every notification has come and gone: each message exactly once, in order.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(received.map((m) => m.incident.title)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);

    // A hand-over of what was already handed out changes nothing.
    committedLive.committed(mine);
    expect(received).toHaveLength(6);
  });
});
