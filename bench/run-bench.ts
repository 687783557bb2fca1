import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type PhaseName } from './bench-config';
import { BenchWorld, stamp } from './bench-world';
import { growth } from './growth';
import { backlog, consoleBoard, engine, latency, overload, throughput, warmUp } from './phases';
import { profilesIn, renderProfileSummary, summarizeProfile } from './profile-summary';
import { renderReport, type BenchResults } from './report';

/**
 * `npm run bench`: OreGuard against the minimal reference loop, side by side, in one run.
 * Phases: throughput, latency, backlog, overload, engine, console, and growth when named (see bench/README.md). Prints one table and
 * writes the results as JSON to bench/results/<timestamp>.json. Everything it starts it stops,
 * also on error and Ctrl-C.
 */
async function main(): Promise<number> {
  const config = parseArgs(process.argv.slice(2));
  const w = new BenchWorld(config);
  w.cleanup.onSignals();
  const results: BenchResults = {
    runId: w.runId,
    startedAt: new Date(w.startedAt).toISOString(),
    host: {
      cpus: cpus().length,
      node: process.version,
      loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    config,
    correctness: { liveSeqFaults: 0, liveMessages: 0 },
    errors: [],
  };
  w.log(
    `bench ${w.runId}: phases ${config.phases.join(', ')}${config.quick ? ' (quick)' : ''}; load average ${results.host.loadAvgAtStart.join(' ')}`,
  );

  try {
    await w.setUp();
    results.brokerFlow = w.brokerFlow;
    const idleFrom = Date.now();
    await sleep(1500);
    w.sampler.sample();
    results.freshIdle = {
      rssMb: round(w.sampler.rssNowMb('oreguard')),
      cpuPct: w.sampler.summary('oreguard', idleFrom, Date.now())?.cpuPct,
    };
    await warmUp(w);

    const lastReferencePhase = [...config.phases].reverse().find((p) => p === 'throughput' || p === 'latency');
    for (const phase of config.phases) {
      w.log(`— phase ${phase} —`);
      try {
        await runPhase(w, phase, results);
      } catch (error) {
        if (w.cleanup.interrupted) return 130;
        results.errors.push({ phase, message: (error as Error).message });
        w.log(`phase ${phase} failed: ${(error as Error).stack ?? error}`);
        if (!w.oreguard.process.running) {
          w.log('OreGuard is not running; skipping the remaining phases');
          w.log(w.oreguard.process.output.slice(-3000));
          break;
        }
      }
      if (phase === lastReferencePhase && w.reference) await w.retireReference();
    }
    results.correctness.rejectedEvents = w.rejectedBeforeSwitch + (await w.db.rejectedCount(new Date(w.startedAt)));
    const live = w.liveStream();
    results.correctness.liveSeqFaults = live.seqFaults;
    results.correctness.liveMessages = live.messages;
  } catch (error) {
    if (w.cleanup.interrupted) return 130;
    results.errors.push({ phase: 'setup', message: (error as Error).message });
    w.log(`bench failed: ${(error as Error).stack ?? error}`);
    if (w.oreguard?.process.output) w.log(`OreGuard output:\n${w.oreguard.process.output.slice(-3000)}`);
  } finally {
    w.log('stopping everything the bench started');
    await w.cleanup.runAll();
  }

  if (w.profileDir) {
    const summaries = profilesIn(w.profileDir).map((file) => summarizeProfile(file, 30));
    results.profile = { dir: w.profileDir, summaries };
    for (const s of summaries) process.stdout.write(`\n${renderProfileSummary(s)}\n`);
  }
  results.finishedAt = new Date().toISOString();
  mkdirSync(w.resultsDir, { recursive: true });
  const file = join(w.resultsDir, `${stamp(new Date(w.startedAt))}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const minutes = ((Date.now() - w.startedAt) / 60_000).toFixed(1);
  process.stdout.write(`\n${renderReport(results)}\n\nRun ${w.runId} took ${minutes} min; results in ${file}\n`);

  const o = results.overload;
  const lost = o
    ? o.rows !== o.publish.published || o.distinctEventIds !== o.publish.published || o.unfoldedLeft !== 0
    : false;
  const faulty = results.correctness.rejectedEvents !== 0 || results.correctness.liveSeqFaults !== 0;
  return results.errors.length > 0 || lost || faulty ? 1 : 0;
}

async function runPhase(w: BenchWorld, phase: PhaseName, results: BenchResults): Promise<void> {
  switch (phase) {
    case 'throughput':
      results.throughput = await throughput(w);
      return;
    case 'latency':
      results.latency = await latency(w);
      return;
    case 'backlog':
      results.backlog = await backlog(w, results.freshIdle?.rssMb);
      return;
    case 'overload': {
      const measured = results.throughput?.oreguard?.eventsPerSec;
      results.overload = await overload(w, measured ?? w.config.fallbackSustainedRate);
      return;
    }
    case 'engine':
      results.engine = await engine(w);
      return;
    case 'console':
      results.console = await consoleBoard(w);
      return;
    case 'growth':
      results.growth = await growth(w);
      return;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
