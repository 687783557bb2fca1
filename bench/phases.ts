import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchWorld } from './bench-world';
import { BENCH_ADMIN } from './bench-world';
import type { LoadGenerator, PublishResult } from './load';
import { ChangeSocket, ConsoleBoardWatch } from './support/console-board';
import type { BatchStats, Progress, Target } from './support/bench-db';
import type { InternalsSummary } from './support/metrics-scraper';
import type { PgActivitySummary } from './support/pg-activity';
import type { QueueSummary } from './support/queue-watch';
import type { ResourceSummary } from './support/proc-sampler';
import { distribution, slope, type Distribution } from './support/stats';
import type { EngineBenchResult } from './rules-engine.bench';

const execFileAsync = promisify(execFile);

export interface Resources {
  from: number;
  to: number;
  machineBusyPct?: number;
  processes: Record<string, ResourceSummary | undefined>;
  /** OreGuard's PostgreSQL sessions over the window. */
  pg?: PgActivitySummary;
  /** OreGuard's own metrics (fold queue, heap, event loop) over the window. */
  internals?: InternalsSummary;
  /** Fold jobs seen waiting in Redis over the window, by origin. */
  queue?: QueueSummary;
}

export interface ThroughputRun {
  events: number;
  publish: PublishResult;
  /** First publish to last event folded (OreGuard) / inserted (reference). */
  durationMs: number;
  eventsPerSec: number;
  /** First publish to last event committed (ingest only). */
  ingestPerSec: number;
  /** Rate between 10 % and 90 % of the events done. */
  sustainedPerSec?: number;
  stats: BatchStats;
  resources: Resources;
  /** [ms since first publish, stored, done] per poll. */
  series: [number, number, number][];
}

export interface LatencyRun {
  targetPerSec: number;
  publish: PublishResult;
  /**
   * Publish to socket message, over every socket: each event's first alert (for OreGuard, the
   * messages of the incidents folding put events in; a message counts when it brings a newer event).
   */
  socket?: Distribution;
  /** OreGuard: publish to the message of a correlation rule's incident naming the event. */
  correlated?: Distribution;
  socketMessages: number;
  /** Per event, from the database (BatchStats): publish to received, to its transaction, to folded. */
  toReceived?: Distribution;
  toStored?: Distribution;
  toDone?: Distribution;
  resources: Resources;
}

export interface BacklogRun {
  events: number;
  publish: PublishResult;
  brokerHeld: number;
  shutdownMs: number;
  shutdownExitCode: number | null;
  startupMs: number;
  rssFreshIdleMb?: number;
  rssBeforeStopMb?: number;
  rssAtReadyMb?: number;
  rssMaxMb?: number;
  rssEndMb?: number;
  growthMb?: number;
  /** From OreGuard's start to the last event folded. */
  drainMs: number;
  drainPerSec: number;
  /** Rate from the first event committed to the last folded (start-up left out). */
  drainWorkingPerSec: number;
  stats: BatchStats;
  resources: Resources;
  /** [ms since OreGuard's start, stored, done] per poll. */
  series: [number, number, number][];
}

export interface OverloadRun {
  targetPerSec: number;
  publish: PublishResult;
  rows: number;
  distinctEventIds: number;
  unfoldedLeft: number;
  /** Most events published (broker-acknowledged) but not yet committed, seen during the phase. */
  maxLag: number;
  brokerMaxHeld: number;
  rssBaselineMb?: number;
  rssMaxMb?: number;
  growthMb?: number;
  /** RSS slope while overloaded, and over the whole phase (overload + drain), MB/s. */
  rssSlopeOverloadMbPerSec?: number;
  rssSlopePhaseMbPerSec?: number;
  /** From the end of publishing to the last event folded. */
  drainAfterMs: number;
  resources: Resources;
  /** [ms since the phase began, stored, done] per poll after publishing. */
  series: [number, number, number][];
}

export interface ConsoleRun {
  targetPerSec: number;
  publish: PublishResult;
  /** Publish → the board's DOM shows the incident change (its newer lastSeenAt), per change drawn. */
  board?: Distribution;
  /** Publish → a /live socket beside the console gets the same changes (for comparison). */
  socket?: Distribution;
  /** The console's own share: the board shows a change − the socket beside it got it, per change drawn. */
  boardAfterSocket?: Distribution;
  /** Incident changes OreGuard sent (unresolved incidents, a newer event), and those the board drew. */
  changesSent: number;
  changesDrawn: number;
  /** Incidents whose latest change the board shows at the end, of those it should show. */
  latestShown: number;
  latestExpected: number;
  /** Board items at the end. */
  items: number;
  resources: Resources;
}

/** Time allowed for a target to finish `events`: generous, at 250 events/s, at least 60 s. */
const allowance = (events: number) => Math.max(60_000, (events / 250) * 1000);

export async function warmUp(w: BenchWorld): Promise<void> {
  const n = w.config.warmupEvents;
  for (const [target, load] of targets(w)) {
    const since = await w.db.mark(target);
    const pub = await load.burst(n);
    await w.db.waitDone(target, since, () => pub.published, { timeoutMs: allowance(n) });
    w.log(`warm-up: ${n} events through ${target}`);
  }
}

/** (a) N events as fast as the publishers go; first publish to last event done. */
export async function throughput(w: BenchWorld): Promise<Partial<Record<Target, ThroughputRun>>> {
  const out: Partial<Record<Target, ThroughputRun>> = {};
  const n = w.config.throughputEvents;
  for (const [target, load] of targets(w)) {
    await settle();
    const since = await w.db.mark(target);
    let published: number | undefined = undefined;
    const done = w.db.waitDone(target, since, () => published, { timeoutMs: allowance(n) });
    const publish = await load.burst(n);
    published = publish.published;
    const { series, seenDoneAt } = await done;
    const stats = await w.db.batchStats(target, since, false);
    const durationMs = stats.lastDoneAt - publish.firstAt;
    out[target] = {
      events: n,
      publish,
      durationMs: Math.round(durationMs),
      eventsPerSec: Math.round((n * 1000) / durationMs),
      ingestPerSec: Math.round((n * 1000) / (stats.lastStoredAt - publish.firstAt)),
      sustainedPerSec: sustained(series, n),
      stats,
      resources: resources(w, publish.firstAt, seenDoneAt),
      series: compact(series, publish.firstAt),
    };
    w.log(
      `throughput ${target}: ${n} events in ${(durationMs / 1000).toFixed(1)} s → ${out[target]!.eventsPerSec} events/s ` +
        `(publishers ${Math.round(publish.offeredPerSec)}/s)`,
    );
  }
  return out;
}

/** (b) A steady offered rate; latency publish → socket message, and per event from the database. */
export async function latency(w: BenchWorld): Promise<Partial<Record<Target, LatencyRun>>> {
  const out: Partial<Record<Target, LatencyRun>> = {};
  const { latencyRate: rate, latencyDurationMs: duration } = w.config;
  for (const [target, load] of targets(w)) {
    const panel = target === 'oreguard' ? w.ogPanel! : w.refPanel!;
    await settle();
    const since = await w.db.mark(target);
    const t0 = Date.now();
    const receivedBefore = panel.received;
    panel.startRecording(t0);
    const publish = await load.paced(rate, duration);
    const { seenDoneAt } = await w.db.waitDone(target, since, () => publish.published, {
      timeoutMs: allowance(publish.published),
    });
    await settle(1500); // the last messages' way from commit to the sockets
    const series = panel.stopRecording();
    const latencies = series.get(target === 'oreguard' ? 'folded' : 'all') ?? [];
    const correlated = series.get('correlated');
    const stats = await w.db.batchStats(target, since, true);
    out[target] = {
      targetPerSec: rate,
      publish,
      socket: distribution(latencies),
      ...(correlated && { correlated: distribution(correlated) }),
      socketMessages: panel.received - receivedBefore,
      toReceived: stats.toReceived,
      toStored: stats.toStored,
      toDone: stats.toDone,
      resources: resources(w, t0, seenDoneAt),
    };
    const s = out[target]!.socket;
    w.log(
      `latency ${target} at ${Math.round(publish.offeredPerSec)}/s: socket p50 ${s?.p50} p95 ${s?.p95} p99 ${s?.p99} ms ` +
        `(${latencies.length} messages over ${w.config.sockets} sockets)`,
    );
  }
  return out;
}

/**
 * (f) The operator console in headless Chromium, signed in, while events come at the latency
 * phase's rate: per incident change, publish → the board's DOM shows it (a MutationObserver the
 * bench puts in the page), and publish → a /live socket beside it. A change the board never drew
 * on its own (two changes of an incident in one frame show as the second) is not a fault; an
 * incident whose latest state the board does not show at the end is.
 */
export async function consoleBoard(w: BenchWorld): Promise<ConsoleRun> {
  const { latencyRate: rate, consoleDurationMs: duration } = w.config;
  const watch = await ConsoleBoardWatch.open(w.oreguard.baseUrl, BENCH_ADMIN.username, BENCH_ADMIN.password);
  w.cleanup.add('close the bench console', () => watch.close());
  const socket = await ChangeSocket.connect(w.oreguard.baseUrl, w.token);
  w.cleanup.add('close the console phase socket', () => socket.close());
  try {
    await settle(2000); // the board's first REST read
    const since = await w.db.mark('oreguard');
    await watch.start();
    const t0 = Date.now();
    socket.startAt(t0);
    const publish = await w.ogLoad.paced(rate, duration);
    const { seenDoneAt } = await w.db.waitDone('oreguard', since, () => publish.published, {
      timeoutMs: allowance(publish.published),
    });
    await settle(3000); // the last changes' way to the sockets and the board
    const { seen, items } = await watch.collect();

    const boardLatencies: number[] = [];
    const socketLatencies: number[] = [];
    const boardAfterSocket: number[] = [];
    for (const [key, arrivedAt] of socket.arrived) {
      const publishedAt = Date.parse(key.slice(key.indexOf('|') + 1));
      socketLatencies.push(arrivedAt - publishedAt);
      const drawnAt = seen.get(key);
      if (drawnAt === undefined) continue;
      boardLatencies.push(drawnAt - publishedAt);
      boardAfterSocket.push(drawnAt - arrivedAt);
    }
    let latestExpected = 0;
    let latestShown = 0;
    for (const [id, latest] of socket.latest) {
      if (latest.status === 'resolved' || Date.parse(latest.lastSeenAt) < t0) continue;
      latestExpected += 1;
      if (items.get(id) === latest.lastSeenAt) latestShown += 1;
    }
    const run: ConsoleRun = {
      targetPerSec: rate,
      publish,
      board: distribution(boardLatencies),
      socket: distribution(socketLatencies),
      boardAfterSocket: distribution(boardAfterSocket),
      changesSent: socket.arrived.size,
      changesDrawn: boardLatencies.length,
      latestShown,
      latestExpected,
      items: items.size,
      resources: resources(w, t0, seenDoneAt),
    };
    w.log(
      `console at ${Math.round(publish.offeredPerSec)}/s: board p50 ${run.board?.p50} p99 ${run.board?.p99} ms ` +
        `(${run.changesDrawn} of ${run.changesSent} changes drawn; latest of ${latestShown}/${latestExpected} incidents shown; ` +
        `${run.items} items); socket p50 ${run.socket?.p50} p99 ${run.socket?.p99} ms; ` +
        `board after socket p50 ${run.boardAfterSocket?.p50} p99 ${run.boardAfterSocket?.p99} ms`,
    );
    return run;
  } finally {
    socket.close();
    await watch.close();
  }
}

/** (c) OreGuard stopped, a backlog queued in its session, then started: memory while draining. */
export async function backlog(w: BenchWorld, freshIdleMb?: number): Promise<BacklogRun> {
  const n = w.config.backlogEvents;
  await settle();
  const rssBeforeStopMb = w.sampler.rssNowMb('oreguard');
  w.ogPanel?.close();
  const stopAt = Date.now();
  const shutdownExitCode = await w.oreguard.stop();
  const shutdownMs = Date.now() - stopAt;
  w.log(
    `backlog: OreGuard stopped in ${shutdownMs} ms (exit ${shutdownExitCode}); queueing ${n} events in its session`,
  );

  const since = await w.db.mark('oreguard');
  const publish = await w.ogLoad.burst(n);
  // The broker's $SYS count lags by up to its interval: wait until it shows the backlog.
  const brokerHeld = await waitBrokerHolds(w, n);
  w.log(
    `backlog: ${n} events published at ${Math.round(publish.offeredPerSec)}/s; broker holds ${brokerHeld} messages`,
  );

  await w.oreguard.start();
  const rssAtReadyMb = w.sampler.rssNowMb('oreguard');
  w.sampler.sample();
  const startupMs = w.oreguard.readyAt - w.oreguard.startedAt;
  await w.connectOreGuardPanel();
  const { series, seenDoneAt } = await w.db.waitDone('oreguard', since, () => n, { timeoutMs: allowance(n) });
  const stats = await w.db.batchStats('oreguard', since, false);
  const drainMs = stats.lastDoneAt - w.oreguard.startedAt;
  const res = resources(w, w.oreguard.readyAt, seenDoneAt);
  const og = res.processes.oreguard;
  const rssMaxMb =
    og?.rssMaxMb !== undefined && rssAtReadyMb !== undefined ? Math.max(og.rssMaxMb, rssAtReadyMb) : og?.rssMaxMb;
  const run: BacklogRun = {
    events: n,
    publish,
    brokerHeld,
    shutdownMs,
    shutdownExitCode,
    startupMs,
    rssFreshIdleMb: freshIdleMb,
    rssBeforeStopMb: r1(rssBeforeStopMb),
    rssAtReadyMb: r1(rssAtReadyMb),
    rssMaxMb,
    rssEndMb: og?.rssEndMb,
    growthMb: rssMaxMb !== undefined && rssAtReadyMb !== undefined ? r1(rssMaxMb - rssAtReadyMb) : undefined,
    drainMs: Math.round(drainMs),
    drainPerSec: Math.round((n * 1000) / drainMs),
    drainWorkingPerSec: Math.round((n * 1000) / (stats.lastDoneAt - stats.firstStoredAt)),
    stats,
    resources: res,
    series: compact(series, w.oreguard.startedAt),
  };
  w.log(
    `backlog: drained ${n} events in ${(drainMs / 1000).toFixed(1)} s (${run.drainPerSec}/s); ` +
      `RSS ${run.rssAtReadyMb} MB at ready → max ${run.rssMaxMb} MB (+${run.growthMb} MB)`,
  );
  return run;
}

/** (d) Twice the sustained rate for a while: nothing lost, nothing twice, memory bounded. */
export async function overload(w: BenchWorld, sustainedPerSec: number): Promise<OverloadRun> {
  const rate = Math.round(w.config.overloadRate ?? 2 * sustainedPerSec);
  const duration = w.config.overloadDurationMs;
  await settle();
  const since = await w.db.mark('oreguard');
  const rssBaselineMb = w.sampler.rssNowMb('oreguard');
  w.storeWatch.resetMax();
  const t0 = Date.now();

  // While publishing: how far the commits trail what the broker has accepted.
  let maxLag = 0;
  let watching = true;
  const ackedBefore = w.ogLoad.acked;
  const lagWatch = (async () => {
    while (watching) {
      const acked = w.ogLoad.acked - ackedBefore;
      const p: Progress = await w.db.progress('oreguard', since);
      maxLag = Math.max(maxLag, acked - p.stored);
      await settle(500);
    }
  })();
  const publish = await w.ogLoad.paced(rate, duration);
  const publishedAt = Date.now();
  const { series, seenDoneAt } = await w.db.waitDone('oreguard', since, () => publish.published, {
    timeoutMs: allowance(publish.published),
  });
  watching = false;
  await lagWatch;
  const stats = await w.db.batchStats('oreguard', since, false);
  const after = await w.db.progress('oreguard', since);
  const unfoldedLeft = after.stored - after.done;
  const res = resources(w, t0, seenDoneAt);
  const og = res.processes.oreguard;
  const rssWhileOverloaded = w.sampler.rssSeries('oreguard', t0, publishedAt);
  const run: OverloadRun = {
    targetPerSec: rate,
    publish,
    rows: stats.rows,
    distinctEventIds: stats.distinctEventIds,
    unfoldedLeft,
    maxLag,
    brokerMaxHeld: w.storeWatch.max,
    rssBaselineMb: r1(rssBaselineMb),
    rssMaxMb: og?.rssMaxMb,
    growthMb: og?.rssMaxMb !== undefined && rssBaselineMb !== undefined ? r1(og.rssMaxMb - rssBaselineMb) : undefined,
    rssSlopeOverloadMbPerSec: Math.round(slope(rssWhileOverloaded.map(([t, mb]) => [t / 1000, mb])) * 1000) / 1000,
    rssSlopePhaseMbPerSec: og?.rssSlopeMbPerSec,
    drainAfterMs: Math.round(stats.lastDoneAt - publishedAt),
    resources: res,
    series: compact(series, t0),
  };
  w.log(
    `overload: offered ${Math.round(publish.offeredPerSec)}/s (target ${rate}) for ${(duration / 1000).toFixed(0)} s: ` +
      `${publish.published} published, ${stats.rows} stored (${stats.distinctEventIds} distinct); ` +
      `lag up to ${maxLag}, broker held up to ${w.storeWatch.max}; RSS ${run.rssBaselineMb} → max ${run.rssMaxMb} MB`,
  );
  return run;
}

function targets(w: BenchWorld): [Target, LoadGenerator][] {
  const list: [Target, LoadGenerator][] = [['oreguard', w.ogLoad]];
  if (w.refLoad) list.push(['reference', w.refLoad]);
  return list;
}

function resources(w: BenchWorld, from: number, to: number): Resources {
  const names = ['oreguard', 'reference', 'mosquitto', 'postgres', 'bench'];
  return {
    from,
    to,
    machineBusyPct: w.sampler.machineBusyPct(from, to),
    processes: Object.fromEntries(names.map((n) => [n, w.sampler.summary(n, from, to)])),
    pg: w.pgActivity?.summary(from, to),
    internals: w.internals?.summary(from, to),
    queue: w.queueWatch?.summary(from, to),
  };
}

/** The rate between 10 % and 90 % of the events done, interpolated from the polls. */
function sustained(series: readonly Progress[], n: number): number | undefined {
  const at = (fraction: number) => {
    const goal = n * fraction;
    for (let i = 1; i < series.length; i++) {
      const a = series[i - 1];
      const b = series[i];
      if (b.done >= goal && a.done < goal) return a.t + ((goal - a.done) / Math.max(1, b.done - a.done)) * (b.t - a.t);
    }
    return undefined;
  };
  const t10 = at(0.1);
  const t90 = at(0.9);
  if (t10 === undefined || t90 === undefined || t90 <= t10) return undefined;
  return Math.round((0.8 * n * 1000) / (t90 - t10));
}

async function waitBrokerHolds(w: BenchWorld, n: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while (w.storeWatch.current < n && Date.now() < deadline) await settle(200);
  return w.storeWatch.current;
}

function compact(series: readonly Progress[], from: number): [number, number, number][] {
  return series.map((p) => [p.t - from, p.stored, p.done]);
}

/**
 * (e) The correlation engine alone, in-process on one core, through the default rule set
 * (rules-engine.bench.ts, in a process of its own): events/s, and the heap after every 200,000
 * events, which stays bounded by the rule windows however many go through.
 */
export async function engine(w: BenchWorld): Promise<EngineBenchResult> {
  const projectRoot = join(__dirname, '..', '..');
  const script = join(__dirname, 'rules-engine.bench.js');
  const args = [script, '--events', String(w.config.engineEvents), '--rules', join(projectRoot, 'rules'), '--json'];
  const { stdout } = await execFileAsync(process.execPath, args, { cwd: projectRoot, maxBuffer: 10 * 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.startsWith('result: '));
  if (!line) throw new Error(`the engine bench printed no result:\n${stdout.slice(-2000)}`);
  const result = JSON.parse(line.slice('result: '.length)) as EngineBenchResult;
  w.log(
    `engine: ${result.events} events through ${result.rules} rules at ${result.eventsPerSec} events/s; ` +
      `heap ${result.heapBeforeMb} → max ${result.heapMaxMb} MB`,
  );
  return result;
}

function settle(ms = 1000): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function r1(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}
