export const PHASES = ['throughput', 'latency', 'backlog', 'overload', 'engine', 'console', 'growth'] as const;
/** growth loads millions of events of history (long): it runs only when named in --phases. */
export const DEFAULT_PHASES = PHASES.filter((p) => p !== 'growth');
export type PhaseName = (typeof PHASES)[number];

/** What one bench run does; `--quick` shrinks every number for a smoke run. */
export interface BenchConfig {
  quick: boolean;
  phases: PhaseName[];
  /** Run the reference loop beside OreGuard (throughput and latency phases). */
  reference: boolean;
  /** Leave the bench database in place at the end (to look into a query), instead of dropping it. */
  keepDatabase: boolean;
  /** Run OreGuard with --cpu-prof and print where its CPU went. */
  profile: boolean;
  sockets: number;
  warmupEvents: number;
  throughputEvents: number;
  latencyRate: number;
  latencyDurationMs: number;
  /** How long the console phase publishes (at latencyRate). */
  consoleDurationMs: number;
  backlogEvents: number;
  overloadDurationMs: number;
  /** Offered rate in the overload phase; default twice the sustained rate measured. */
  overloadRate?: number;
  /** Used when the throughput phase did not run and no --overload-rate is given. */
  fallbackSustainedRate: number;
  /** Events pushed through the correlation engine alone in the engine phase. */
  engineEvents: number;
  /** Growth phase: events of history loaded, over how many 30-day months, at how many sites besides the bench's own. */
  historyEvents: number;
  historyMonths: number;
  historyOtherSites: number;
  /** Events per loader statement, and loader connections in parallel. */
  historyChunkEvents: number;
  historyWorkers: number;
  /**
   * Growth phase: a database that keeps the history between runs (loaded once, reused while its
   * marker says the load is complete and of the same shape); unset: the run's own database, loaded each run.
   */
  historyDatabase?: string;
  /** Requests timed per REST query in the growth phase. */
  restRequests: number;
  /** Targets from the issues. */
  targets: {
    throughputPerSec: number;
    latencyP99Ms: number;
    latencyRate: number;
    rssGrowthMb: number;
    engineEventsPerSec: number;
    /** Growth: ingest and latency over the history within this % of the empty run. */
    growthWithinPct: number;
    /** Growth: the lead's REST queries' p99 (the export's first byte) under this. */
    restP99Ms: number;
  };
}

const USAGE = `usage: npm run bench -- [--quick] [--phases ${PHASES.join(',')}] [--no-reference] [--profile] [--keep-database]
                        [--events N] [--backlog N] [--latency-rate N] [--overload-rate N] [--duration S]
                        [--history-events N] [--history-months N] [--history-sites N] [--history-workers N] [--rest-requests N]
                        [--history-database NAME]
  --quick            small numbers, for a smoke run (about a minute)
  --phases           which phases to run, comma-separated (default: all but growth, which runs only when named)
  --no-reference     skip the reference loop
  --profile          run OreGuard with --cpu-prof and summarise where its CPU went
  --keep-database    leave the bench database in place at the end (to EXPLAIN a query); drop it by hand
  --events N         events offered in the throughput phase
  --backlog N        events queued while OreGuard is stopped
  --latency-rate N   events/s offered in the latency phase (default 1,000, the target's rate; at
                     any other rate the latency row gets no PASS or FAIL)
  --overload-rate N  events/s offered in the overload phase (default: 2 x measured sustained rate)
  --duration S       seconds of the latency, overload and console phases
  --history-events N growth: events of history loaded (default 20,000,000; 200,000 with --quick)
  --history-months N growth: months (30 days) the history spans (default 6)
  --history-sites N  growth: sites of history besides the bench's 20 (default 180)
  --history-workers N growth: loader connections in parallel (default 2)
  --history-database NAME
                     growth: keep the history in database NAME and reuse it in later runs (loaded when
                     missing, incomplete or of another shape); the empty side still uses the run's own database
  --rest-requests N  growth: requests timed per REST query (default 30)`;

export function parseArgs(argv: readonly string[]): BenchConfig {
  const args = [...argv];
  const quick = args.includes('--quick');
  const config: BenchConfig = {
    quick,
    phases: [...DEFAULT_PHASES],
    reference: true,
    profile: false,
    keepDatabase: false,
    sockets: 10,
    warmupEvents: quick ? 300 : 2_000,
    throughputEvents: quick ? 5_000 : 60_000,
    latencyRate: 1_000,
    latencyDurationMs: quick ? 5_000 : 20_000,
    consoleDurationMs: quick ? 5_000 : 20_000,
    backlogEvents: quick ? 5_000 : 100_000,
    overloadDurationMs: quick ? 5_000 : 20_000,
    fallbackSustainedRate: 3_500,
    engineEvents: quick ? 200_000 : 1_000_000,
    historyEvents: quick ? 200_000 : 20_000_000,
    historyMonths: 6,
    historyOtherSites: 180,
    historyChunkEvents: 100_000,
    historyWorkers: 2,
    restRequests: quick ? 10 : 30,
    targets: {
      throughputPerSec: 3_500,
      latencyP99Ms: 100,
      latencyRate: 1_000,
      rssGrowthMb: 100,
      engineEventsPerSec: 50_000,
      growthWithinPct: 15,
      restP99Ms: 200,
    },
  };
  const value = (i: number) => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) fail(`${args[i]} needs a value`);
    return v;
  };
  const positive = (i: number) => {
    const n = Number(value(i));
    if (!Number.isFinite(n) || n <= 0) fail(`${args[i]}: a positive number, got "${args[i + 1]}"`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    switch (args[i]) {
      case '--quick':
        break;
      case '--phases': {
        const names = value(i)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !(PHASES as readonly string[]).includes(n));
        if (unknown.length || names.length === 0) fail(`--phases: unknown ${unknown.join(', ') || '(none given)'}`);
        config.phases = PHASES.filter((p) => names.includes(p));
        i++;
        break;
      }
      case '--no-reference':
        config.reference = false;
        break;
      case '--profile':
        config.profile = true;
        break;
      case '--keep-database':
        config.keepDatabase = true;
        break;
      case '--events':
        config.throughputEvents = Math.round(positive(i++));
        break;
      case '--backlog':
        config.backlogEvents = Math.round(positive(i++));
        break;
      case '--latency-rate':
        config.latencyRate = positive(i++);
        break;
      case '--overload-rate':
        config.overloadRate = positive(i++);
        break;
      case '--duration':
        config.latencyDurationMs =
          config.overloadDurationMs =
          config.consoleDurationMs =
            Math.round(positive(i++) * 1000);
        break;
      case '--history-events':
        config.historyEvents = Math.round(positive(i++));
        break;
      case '--history-months':
        config.historyMonths = positive(i++);
        break;
      case '--history-sites':
        config.historyOtherSites = Math.round(positive(i++));
        break;
      case '--history-workers':
        config.historyWorkers = Math.round(positive(i++));
        break;
      case '--history-database':
        config.historyDatabase = value(i++);
        break;
      case '--rest-requests':
        config.restRequests = Math.round(positive(i++));
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${args[i]}`);
    }
  }
  return config;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}
