import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CorrelationEngine, type KeyedSiteEvent } from '../src/domain/correlation/correlation-engine';
import { contextFromOutages } from '../src/domain/correlation/blind-zones';
import { loadRules } from '../src/correlation/load-rules';

/**
 * The correlation engine alone, in-process, on one core: a seeded mix of every event kind from
 * 20 sites (3 gateways each) through the default rule set, with some events out of order and a
 * few past the allowed lateness. Prints events/s per chunk and the heap after each, so a long
 * run shows both the rate and that state stays bounded by the rule windows.
 *
 *   npm run build && node dist/bench/rules-engine.bench.js [--events 2000000] [--rules rules] [--spacing-ms 50] [--max-group-signals 2000] [--max-signals 50000] [--json]
 *
 * `npm run bench` runs it as its engine phase; --json ends the output with one line
 * `result: {...}` (EngineBenchResult) for it to read.
 */
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const TOTAL = Number(arg('events', '2000000'));
const CHUNK = 100_000;
const RULES_DIR = resolve(arg('rules', 'rules'));
const LATENESS_MS = 3_600_000;
const SITES = Array.from({ length: 20 }, (_, i) => `mine-${String(i + 1).padStart(2, '0')}`);
/** Event time advances 50 ms per event overall (--spacing-ms): each site sees about one event a second. */
const EVENT_SPACING_MS = Number(arg('spacing-ms', '50'));
/** The storm limit, as live correlation runs it (CORRELATION_MAX_GROUP_SIGNALS). */
const MAX_GROUP_SIGNALS = Number(arg('max-group-signals', '2000'));
/** The memory budget, as live correlation runs it (CORRELATION_MAX_SIGNALS). */
const MAX_SIGNALS = Number(arg('max-signals', '50000'));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let seed = 0x2026;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const ZONES = ['north-fence', 'south-fence', 'tailings-east', 'ore-yard', 'weighbridge', 'crusher', 'stockpile'];
const START = Date.parse('2026-11-29T00:00:00Z');
let serial = 0;

function makeEvent(i: number): KeyedSiteEvent {
  const siteId = pick(SITES);
  // 5% of events arrive up to 2 minutes behind; 0.1% arrive more than the lateness behind.
  const r = random();
  const behind = r < 0.001 ? LATENESS_MS + 60_000 : r < 0.05 ? random() * 120_000 : 0;
  const occurredAt = new Date(START + i * EVENT_SPACING_MS - behind);
  const base = {
    key: String(++serial),
    siteId,
    gatewayId: `gw-${1 + Math.floor(random() * 3)}`,
    eventId: '00000000-0000-4000-8000-000000000000',
    occurredAt,
    zone: pick(ZONES),
    source: 'canonical' as const,
  };
  const k = random();
  if (k < 0.3) {
    const tracked = random() < 0.7;
    return {
      ...base,
      sensorId: 'rf-mast-1',
      kind: 'drone',
      drone: {
        detection: pick(['rf', 'radar', 'remote_id'] as const),
        position: { lat: -10.7 + random() / 100, lon: 25.46 + random() / 100 },
        // A track lives about 10 minutes of event time; 8 tracks per site at once.
        trackId: tracked
          ? `trk-${Math.floor((i * EVENT_SPACING_MS) / 600_000)}-${Math.floor(random() * 8)}`
          : undefined,
      },
    };
  }
  if (k < 0.85) {
    const c = random();
    const category =
      c < 0.25
        ? 'auth_failure'
        : c < 0.45
          ? 'scan'
          : pick(['intrusion', 'policy', 'anomaly', 'malware', 'dos'] as const);
    return {
      ...base,
      sensorId: 'ids-1',
      kind: 'cyber',
      cyber: {
        category,
        signature: 'ET SCAN Potential SSH Scan',
        srcIp: `10.${Math.floor(random() * 4)}.${Math.floor(random() * 8)}.${Math.floor(random() * 50)}`,
        dstIp: '10.0.0.1',
        dstPort: category === 'scan' ? Math.floor(random() * 1024) : random() < 0.5 ? 22 : undefined,
        network: random() < 0.1 ? 'ot' : 'it',
      },
    };
  }
  return {
    ...base,
    sensorId: 'fence-1',
    kind: 'theft',
    theft: {
      category: pick(['perimeter_breach', 'unauthorized_access', 'material_loss', 'vehicle', 'tamper'] as const),
    },
  };
}

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

function main(): void {
  const rules = loadRules(RULES_DIR);
  const outages = SITES.map((siteId) => ({
    siteId,
    zone: 'north-fence',
    sensorId: 'cam-1',
    from: new Date(START),
    to: null,
  }));
  const engine = new CorrelationEngine(rules, {
    allowedLatenessMs: LATENESS_MS,
    context: contextFromOutages(outages),
    maxGroupSignals: MAX_GROUP_SIGNALS,
    maxSignals: MAX_SIGNALS,
  });
  console.log(
    `rules-engine bench: ${rules.rules.length} rules from ${RULES_DIR}, ${TOTAL.toLocaleString()} events, ${SITES.length} sites, lateness 1h, node ${process.version}`,
  );
  const heapStart = heapMb();
  console.log(`heap before: ${heapStart.toFixed(1)} MB`);
  console.log('events pushed | chunk events/s | heap MB | groups | signals held | late | updates');
  let updates = 0;
  let pushedMs = 0;
  let pushed = 0;
  const rates: number[] = [];
  const heaps: number[] = [];
  for (let done = 0; done < TOTAL; done += CHUNK) {
    const chunk: KeyedSiteEvent[] = [];
    for (let i = 0; i < CHUNK; i++) chunk.push(makeEvent(done + i));
    const started = process.hrtime.bigint();
    for (const event of chunk) updates += engine.push(event).updates.length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    pushedMs += ms;
    pushed += CHUNK;
    const rate = CHUNK / (ms / 1000);
    rates.push(rate);
    if ((done / CHUNK) % 2 === 1 || done + CHUNK >= TOTAL) {
      const s = engine.stats();
      heaps.push(heapMb());
      console.log(
        `${(done + CHUNK).toLocaleString().padStart(13)} | ${Math.round(rate).toLocaleString().padStart(14)} | ${heaps[heaps.length - 1].toFixed(1).padStart(7)} | ${String(s.groups).padStart(6)} | ${String(s.signals).padStart(12)} | ${String(s.lateEvents).padStart(4)} | ${updates}`,
      );
    }
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const result: EngineBenchResult = {
    events: pushed,
    rules: rules.rules.length,
    eventsPerSec: Math.round(pushed / (pushedMs / 1000)),
    chunkMedianPerSec: Math.round(sorted[Math.floor(sorted.length / 2)]),
    slowestChunkPerSec: Math.round(sorted[0]),
    heapBeforeMb: round1(heapStart),
    heapMaxMb: round1(Math.max(...heaps)),
    heapAfterMb: round1(heapMb()),
  };
  console.log(
    `overall: ${result.eventsPerSec.toLocaleString()} events/s (chunk median ${result.chunkMedianPerSec.toLocaleString()}, slowest ${result.slowestChunkPerSec.toLocaleString()})`,
  );
  console.log(
    `heap before ${result.heapBeforeMb} MB, highest after a chunk ${result.heapMaxMb} MB, after ${result.heapAfterMb} MB`,
  );
  if (args.includes('--json')) console.log(`result: ${JSON.stringify(result)}`);
}

/** What `--json` reports, for the engine phase of `npm run bench`. */
export interface EngineBenchResult {
  events: number;
  rules: number;
  eventsPerSec: number;
  chunkMedianPerSec: number;
  slowestChunkPerSec: number;
  /** Heap used (after a full collection) before the first event, the most after any chunk, and at the end. */
  heapBeforeMb: number;
  heapMaxMb: number;
  heapAfterMb: number;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

main();
