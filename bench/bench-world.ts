import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { BenchConfig } from './bench-config';
import { LoadGenerator } from './load';
import { BenchBroker, BrokerStoreWatch } from './support/bench-broker';
import { checkBrokerFlowControl, type BrokerFlowCheck } from './support/broker-flow-check';
import { BenchDb } from './support/bench-db';
import { Cleanup } from './support/cleanup';
import { freePort } from './support/free-port';
import { SocketPanel } from './support/live-sockets';
import { repoRoot } from './support/paths';
import { ProcSampler } from './support/proc-sampler';
import { MetricsScraper } from './support/metrics-scraper';
import { PgActivitySampler } from './support/pg-activity';
import { QueueWatch } from './support/queue-watch';
import { OreGuardUnderTest, ReferenceUnderTest } from './support/services-under-test';

/** The rule ids of the incidents folding opens (a kind's storm, a drone's track, a sensor's health). */
const FOLDED_RULE_IDS = new Set(['drone-activity', 'cyber-activity', 'theft-activity', 'sensor-health']);

const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
const REDIS = 'redis://127.0.0.1:6379';
/** The account the bench signs in with: the bootstrap admin it gives OreGuard. */
export const BENCH_ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };

/**
 * Everything one bench run sets up, each piece its own: a database, a Redis key prefix, MQTT
 * topic prefixes, a broker, OreGuard, the reference loop, the load generators, the operator
 * sockets and the /proc sampler. `cleanup` undoes all of it.
 */
export class BenchWorld {
  readonly runId = randomBytes(4).toString('hex');
  readonly dbName = `oreguard_bench_${this.runId}`;
  readonly databaseUrl = `${POSTGRES}/${this.dbName}`;
  /** The database OreGuard and the observers use now: the run's own, or a kept history database (growth). */
  activeDbName = this.dbName;
  activeDatabaseUrl = this.databaseUrl;
  /** Rejected events the run's own database held when OreGuard left it for a kept history database. */
  rejectedBeforeSwitch = 0;
  readonly redisPrefix = `oreguard-bench-${this.runId}`;
  readonly ogPrefix = `bench/${this.runId}/oreguard`;
  readonly refPrefix = `bench/${this.runId}/reference`;
  readonly root = repoRoot();
  readonly resultsDir = join(this.root, 'bench', 'results');
  readonly cleanup = new Cleanup();
  readonly sampler = new ProcSampler();
  readonly startedAt = Date.now();
  profileDir?: string;
  brokerFlow?: BrokerFlowCheck;

  broker!: BenchBroker;
  storeWatch!: BrokerStoreWatch;
  oreguard!: OreGuardUnderTest;
  reference?: ReferenceUnderTest;
  db!: BenchDb;
  pgActivity?: PgActivitySampler;
  internals?: MetricsScraper;
  queueWatch?: QueueWatch;
  ogLoad!: LoadGenerator;
  refLoad?: LoadGenerator;
  ogPanel?: SocketPanel;
  refPanel?: SocketPanel;
  token = '';
  private retiredSeqFaults = 0;
  private retiredMessages = 0;

  constructor(readonly config: BenchConfig) {}

  log(message: string): void {
    const s = ((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(6);
    process.stdout.write(`[${s}s] ${message}\n`);
  }

  async setUp(): Promise<void> {
    const dist = this.snapshotDist();

    this.broker = new BenchBroker(await freePort());
    this.cleanup.add('stop the bench broker', () => this.broker.dispose());
    await this.broker.start();
    this.storeWatch = await BrokerStoreWatch.connect(this.broker.url);
    this.cleanup.add('close the broker watch', () => this.storeWatch.close());
    this.brokerFlow = await checkBrokerFlowControl(this.broker.url, `bench/${this.runId}/flow-check`);
    this.log(
      `broker on ${this.broker.url} (docker/mosquitto.conf); receive maximum ${this.brokerFlow.enforced ? 'kept' : 'NOT kept'}: ` +
        `${this.brokerFlow.beforeAnyAck} in flight before any PUBACK, ${this.brokerFlow.afterOneAck} after one (limit ${this.brokerFlow.receiveMaximum})`,
    );

    if (this.config.keepDatabase)
      this.cleanup.add(`keep database ${this.dbName}`, async () =>
        this.log(`kept database ${this.dbName}: drop it when done`),
      );
    else this.cleanup.add(`drop database ${this.dbName}`, () => dropDatabase(this.dbName));
    await adminQuery(`CREATE DATABASE ${this.dbName}`);
    this.cleanup.add(`delete Redis keys ${this.redisPrefix}:*`, () => deleteRedisKeys(this.redisPrefix));

    if (this.config.profile) {
      this.profileDir = join(this.resultsDir, `profile-${stamp()}`);
      mkdirSync(this.profileDir, { recursive: true });
    }
    this.oreguard = new OreGuardUnderTest(
      dist,
      {
        NODE_ENV: 'production',
        GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'),
        PORT: String(await freePort()),
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: REDIS,
        QUEUE_PREFIX: this.redisPrefix,
        MQTT_URL: this.broker.url,
        MQTT_TOPIC_PREFIX: this.ogPrefix,
        MQTT_CLIENT_ID: `oreguard-bench-${this.runId}`,
        JWT_SECRET: randomBytes(32).toString('hex'),
        OREGUARD_ADMIN_USERNAME: BENCH_ADMIN.username,
        OREGUARD_ADMIN_PASSWORD: BENCH_ADMIN.password,
        LOG_LEVEL: 'warn',
        // The growth phase's months of history must stay for its second side: no retention job.
        RETENTION_EVENTS_DAYS: 'off',
        RETENTION_LIVE_LOG_DAYS: 'off',
        RETENTION_REJECTED_DAYS: 'off',
        RETENTION_HEALTH_DAYS: 'off',
        RETENTION_RESOLVED_INCIDENTS_DAYS: 'off',
        // The load generator publishes for sites and gateways nobody registers: let them register themselves.
        INGEST_REQUIRE_REGISTERED: 'false',
        ...tuningOverrides(),
      },
      [
        ...(this.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`] : []),
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
      process.env.BENCH_OREGUARD_OUTPUT,
    );
    this.cleanup.add('stop OreGuard', () => this.oreguard.stop());
    this.sampler.track('oreguard', () => this.oreguard.process.pid);
    this.sampler.track('mosquitto', () => this.broker.process.pid);
    this.sampler.track('bench', () => process.pid);
    this.sampler.trackGroup(
      'postgres',
      (cmdline) => cmdline.startsWith('postgres: ') && cmdline.includes(` ${this.activeDbName} `),
    );
    this.sampler.start(500);
    this.cleanup.add('stop the sampler', () => this.sampler.stop());

    await this.oreguard.start();
    this.log(
      `OreGuard ready in ${this.oreguard.readyAt - this.oreguard.startedAt} ms (pid ${this.oreguard.process.pid}, ${this.oreguard.baseUrl})`,
    );
    this.db = new BenchDb(this.databaseUrl);
    this.cleanup.add('close the observer pool', () => this.db?.close());
    this.pgActivity = new PgActivitySampler(this.db.pool, this.dbName);
    this.pgActivity.start(500);
    this.cleanup.add('stop the PostgreSQL activity sampler', () => this.pgActivity?.stop());
    this.internals = new MetricsScraper(() => this.oreguard.baseUrl);
    this.internals.start(1000);
    this.cleanup.add('stop the metrics scraper', () => this.internals?.stop());
    this.queueWatch = new QueueWatch(REDIS, `${this.redisPrefix}:fold:wait`);
    this.queueWatch.start(1000);
    this.cleanup.add('stop the queue watch', () => this.queueWatch?.stop());
    this.token = await this.oreguard.login(BENCH_ADMIN.username, BENCH_ADMIN.password);
    await this.connectOreGuardPanel();

    this.ogLoad = await LoadGenerator.connect({ url: this.broker.url, topicPrefix: this.ogPrefix });
    this.cleanup.add('close the OreGuard load generator', () => this.ogLoad.close());

    const needsReference =
      this.config.reference && this.config.phases.some((p) => p === 'throughput' || p === 'latency');
    if (needsReference) {
      this.reference = new ReferenceUnderTest(dist, {
        REF_DATABASE_URL: this.databaseUrl,
        REF_MQTT_URL: this.broker.url,
        REF_TOPIC_PREFIX: this.refPrefix,
        REF_PORT: String(await freePort()),
      });
      this.cleanup.add('stop the reference loop', () => this.reference?.stop());
      this.sampler.track('reference', () => this.reference?.process.pid);
      await this.reference.start();
      this.refPanel = await SocketPanel.connect({
        url: this.reference.url,
        sockets: this.config.sockets,
        event: 'event',
        timeOf: (m: { occurredAt?: string }) => m.occurredAt,
      });
      this.cleanup.add('close the reference sockets', () => this.refPanel?.close());
      this.refLoad = await LoadGenerator.connect({ url: this.broker.url, topicPrefix: this.refPrefix });
      this.cleanup.add('close the reference load generator', () => this.refLoad?.close());
      this.log(`reference loop ready (pid ${this.reference.process.pid}, ${this.reference.url})`);
    }
  }

  /**
   * Points OreGuard (stopped) and the bench's observers at another database: the growth phase's
   * kept history (`--history-database`). The run's own database stays, and is dropped as usual.
   */
  async switchDatabase(name: string, url: string): Promise<void> {
    if (this.oreguard.process.running) throw new Error('switchDatabase: stop OreGuard first');
    this.rejectedBeforeSwitch += await this.db.rejectedCount(new Date(this.startedAt));
    this.pgActivity?.stop();
    await this.db.close();
    this.activeDbName = name;
    this.activeDatabaseUrl = url;
    this.oreguard.env.DATABASE_URL = url;
    // Queues of their own too: nothing queued for the run's own database may run against the history.
    const prefix = `${this.redisPrefix}-history`;
    this.oreguard.env.QUEUE_PREFIX = prefix;
    this.cleanup.add(`delete Redis keys ${prefix}:*`, () => deleteRedisKeys(prefix));
    this.db = new BenchDb(url);
    this.pgActivity = new PgActivitySampler(this.db.pool, name);
    this.pgActivity.start(500);
  }

  /** A fresh token for the bench's admin (after OreGuard was stopped for a long while). */
  async relogin(): Promise<void> {
    this.token = await this.oreguard.login(BENCH_ADMIN.username, BENCH_ADMIN.password);
  }

  /** Connects the operator consoles to OreGuard's /live, each resuming from now. */
  async connectOreGuardPanel(): Promise<void> {
    if (this.ogPanel) {
      this.ogPanel.close();
      this.retiredSeqFaults += this.ogPanel.seqFaults;
      this.retiredMessages += this.ogPanel.received;
    }
    this.ogPanel = await SocketPanel.connect({
      url: `${this.oreguard.baseUrl}/live`,
      sockets: this.config.sockets,
      event: 'incident',
      auth: { token: this.token },
      hello: { event: 'resume', body: { after: {} } },
      checkSeq: true,
      timeOf: (m: { incident?: { lastSeenAt?: string } }) => m.incident?.lastSeenAt,
      // An incident's message is news of an event when its lastSeenAt moved on; an event's first
      // alert comes from the incident folding put it in, a correlation rule's incident follows.
      subjectOf: (m: { incident: { id: string } }) => m.incident.id,
      seriesOf: (m: { incident: { ruleIds: string[] } }) =>
        m.incident.ruleIds.some((r) => FOLDED_RULE_IDS.has(r)) ? 'folded' : 'correlated',
    });
    this.cleanup.add('close the OreGuard sockets', () => this.ogPanel?.close());
  }

  /** Live messages OreGuard sent the bench's sockets, and how many broke a site's seq order. */
  liveStream(): { messages: number; seqFaults: number } {
    return {
      messages: this.retiredMessages + (this.ogPanel?.received ?? 0),
      seqFaults: this.retiredSeqFaults + (this.ogPanel?.seqFaults ?? 0),
    };
  }

  /** Stops the reference loop once the phases that compare against it are over. */
  async retireReference(): Promise<void> {
    this.refPanel?.close();
    this.refPanel = undefined;
    await this.refLoad?.close();
    this.refLoad = undefined;
    await this.reference?.stop();
  }

  /**
   * OreGuard and the reference run from a private copy of dist/: other engineers' builds
   * delete and rewrite dist/ at any time, and the backlog phase restarts OreGuard.
   */
  private snapshotDist(): string {
    const dist = join(this.root, 'dist');
    for (const file of ['src/main.js', 'bench/reference-loop.js']) {
      if (!existsSync(join(dist, file))) throw new Error(`dist/${file} is missing: build first (npx nest build)`);
    }
    const copy = join(this.resultsDir, `.run-${this.runId}`);
    mkdirSync(copy, { recursive: true });
    this.cleanup.add('remove the dist snapshot', () => rmSync(copy, { recursive: true, force: true }));
    cpSync(join(dist, 'src'), join(copy, 'src'), { recursive: true });
    cpSync(join(dist, 'bench'), join(copy, 'bench'), { recursive: true });
    // The console the console phase opens (OreGuard serves dist/console beside dist/src).
    if (existsSync(join(dist, 'console'))) cpSync(join(dist, 'console'), join(copy, 'console'), { recursive: true });
    else if (this.config.phases.includes('console'))
      throw new Error('dist/console is missing: build it first (npm run build:console)');
    return copy;
  }
}

export function stamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS, { maxRetriesPerRequest: 2 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * BENCH_ENV_<NAME>=value in the bench's environment sets <NAME> for OreGuard, and
 * BENCH_NODE_ARGS adds node flags: for trying a tuning. BENCH_OREGUARD_OUTPUT=<file> appends
 * what OreGuard prints to that file (with BENCH_NODE_ARGS=--trace-gc-nvp, V8's line per GC).
 */
function tuningOverrides(): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('BENCH_ENV_') && value !== undefined) overrides[key.slice('BENCH_ENV_'.length)] = value;
  }
  return overrides;
}
