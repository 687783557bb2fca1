import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECTION_KINDS, type RejectionKind } from 'src/domain/events/rejection-kind';

/**
 * OreGuard's Prometheus metrics, in a registry of its own (served at /api/v1/metrics).
 * Every label takes its values from a fixed set, never from what a client or gateway sent
 * (README, "Metrics"): `route` and `source` the topic types and event sources, `reason` the
 * rejection kinds (REJECTION_KINDS), `type` the material record types, `rule` also the
 * material reconciliation rules (FINDING_RULES), `subject` and `state` the health schema's enums, `kind` the
 * event kinds, `state` the queue's job states, `rule` the ids of the rules loaded at start;
 * `method`, `route` and `status_class` of HTTP requests come from the methods Express knows, the
 * route patterns the code declares ("unmatched" for any other path) and 1xx…5xx.
 * Node's default process metrics keep their standard names (process_*, nodejs_*) so stock
 * Node.js dashboards work.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly messagesReceived = new Counter({
    name: 'oreguard_mqtt_messages_received_total',
    help: 'MQTT messages received, by topic type',
    labelNames: ['route'],
    registers: [this.registry],
  });
  readonly eventsAccepted = new Counter({
    name: 'oreguard_events_accepted_total',
    help: 'Events newly stored, by source',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly eventsDuplicate = new Counter({
    name: 'oreguard_events_duplicate_total',
    help: 'Events received again and recognised as already stored',
    registers: [this.registry],
  });
  private readonly eventsRejected = new Counter({
    name: 'oreguard_events_rejected_total',
    help: `Messages kept as rejected events, by kind of failure (${REJECTION_KINDS.join(', ')})`,
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly materialRecords = new Counter({
    name: 'oreguard_material_records_total',
    help: 'Material records received and kept, by record type and outcome (stored, duplicate); rejected ones count in oreguard_events_rejected_total',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  readonly materialFindings = new Counter({
    name: 'oreguard_material_findings_total',
    help: 'Material discrepancies reconciliation found and raised as theft events, by rule',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly materialReconcileRuns = new Counter({
    name: 'oreguard_material_reconcile_runs_total',
    help: 'Material reconciliation runs completed for every site (every worker instance runs them; a run where a site failed is logged, not counted)',
    registers: [this.registry],
  });
  readonly eventsLate = new Counter({
    name: 'oreguard_events_late_total',
    help: 'Events stored that arrived after the allowed lateness',
    registers: [this.registry],
  });
  readonly seqGaps = new Counter({
    name: 'oreguard_gateway_seq_gaps_total',
    help: "Ranges of a gateway's seq never stored, reported once open past SEQ_GAP_GRACE_MS (events lost between sensor and broker)",
    registers: [this.registry],
  });
  readonly seqMissing = new Counter({
    name: 'oreguard_gateway_seq_missing_total',
    help: 'Seq numbers in those ranges when reported',
    registers: [this.registry],
  });
  readonly seqRecovered = new Counter({
    name: 'oreguard_gateway_seq_recovered_total',
    help: 'Events stored after their seq was reported missing (counted in oreguard_gateway_seq_missing_total): lost after all only if never stored',
    registers: [this.registry],
  });
  readonly sharingRefused = new Counter({
    name: 'oreguard_sharing_refused_total',
    help: 'Shared content the outbound check refused: an incident whose objects were withheld, or a partner page not sent',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  readonly sharedObjects = new Counter({
    name: 'oreguard_shared_objects_total',
    help: 'Object versions stored for sharing, by whether they went out at once (visible) or wait for a lead (held)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly healthChanges = new Counter({
    name: 'oreguard_health_changes_total',
    help: 'Gateway and sensor health changes, by subject type and new state',
    labelNames: ['subject', 'state'],
    registers: [this.registry],
  });
  readonly ingestBatchFailures = new Counter({
    name: 'oreguard_ingest_batch_failures_total',
    help: 'Ingest transactions that failed and were retried (acknowledgements withheld meanwhile)',
    registers: [this.registry],
  });
  readonly foldEnqueueDeferred = new Counter({
    name: 'oreguard_fold_enqueue_deferred_total',
    help: 'Stored events not queued to fold because Redis was away or slow; the re-queue sweep folds them',
    registers: [this.registry],
  });
  readonly ingestSlotsHeld = new Gauge({
    name: 'oreguard_ingest_slots_held',
    help: 'Ingest slots (shared-group MQTT sessions) this instance runs; 0 without a shared group',
    registers: [this.registry],
  });
  readonly processingLatency = new Histogram({
    name: 'oreguard_event_processing_seconds',
    help: 'Time from an event reaching OreGuard to its incident change being committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly ruleIncidentLatency = new Histogram({
    name: 'oreguard_rule_incident_seconds',
    help: 'Time from the newest event a correlation rule matched reaching OreGuard to the rule incident change being committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly correlationLate = new Counter({
    name: 'oreguard_correlation_late_total',
    help: 'Events live correlation took too late to correlate (older than the allowed lateness behind their site)',
    registers: [this.registry],
  });

  readonly correlationShed = new Counter({
    name: 'oreguard_correlation_shed_signals_total',
    help: 'Rule signals dropped by the storm limit (CORRELATION_MAX_GROUP_SIGNALS), or refused behind what it dropped',
    registers: [this.registry],
  });

  readonly correlationStateSignals = new Gauge({
    name: 'oreguard_correlation_state_signals',
    help: 'Rule signals the live correlation engine of this instance holds (CORRELATION_MAX_SIGNALS budgets them and its groups)',
    registers: [this.registry],
  });

  readonly correlationStateGroups = new Gauge({
    name: 'oreguard_correlation_state_groups',
    help: 'Rule groups (rule, site, group-by values) the live correlation engine of this instance holds',
    registers: [this.registry],
  });

  readonly correlationPending = new Gauge({
    name: 'oreguard_correlation_pending_events',
    help: 'Accepted events live correlation has not taken yet (waiting for folding, or for the correlator)',
    registers: [this.registry],
  });

  readonly ruleMatches = new Counter({
    name: 'oreguard_rule_matches_total',
    help: 'Match updates of the correlation rules applied to incidents, by rule',
    labelNames: ['rule'],
    registers: [this.registry],
  });

  readonly incidentsOpened = new Counter({
    name: 'oreguard_incidents_opened_total',
    help: 'Incidents opened, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly liveClients = new Gauge({
    name: 'oreguard_websocket_clients',
    help: 'Live sockets connected to this instance',
    registers: [this.registry],
  });
  readonly liveMessagesSent = new Counter({
    name: 'oreguard_live_messages_sent_total',
    help: 'incident messages emitted to sockets by this instance',
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'oreguard_queue_jobs',
    help: 'Fold jobs in the queue, by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly deadLettered = new Gauge({
    name: 'oreguard_events_dead_lettered',
    help: 'Events whose fold job failed every attempt (events.fold_error is set)',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests served, by method, route pattern ("unmatched" for paths no route declares) and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly pgPoolClients = new Gauge({
    name: 'oreguard_pg_pool_clients',
    help: "Connections in this instance's PostgreSQL pool, by state (idle, busy); DATABASE_POOL_SIZE at most",
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly pgPoolWaiting = new Gauge({
    name: 'oreguard_pg_pool_waiting_requests',
    help: 'Queries and transactions waiting for a free connection of the PostgreSQL pool',
    registers: [this.registry],
  });
  readonly mqttConnected = new Gauge({
    name: 'oreguard_mqtt_connected',
    help: 'Whether this instance is connected and subscribed to the MQTT broker (1) or not (0); 0 where it does not ingest',
    registers: [this.registry],
  });
  readonly ingestHeld = new Gauge({
    name: 'oreguard_ingest_messages_held',
    help: 'MQTT messages received and not yet committed (held in the ingest batcher, unacknowledged)',
    registers: [this.registry],
  });
  readonly correlatorLeaseHeld = new Gauge({
    name: 'oreguard_correlator_lease_held',
    help: 'Whether this instance holds the correlation lease and correlates (1) or not (0)',
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'oreguard_dependency_up',
    help: 'Whether a dependency answers this instance (1) or not (0): postgres, redis, and mqtt where it ingests',
    labelNames: ['dependency'],
    registers: [this.registry],
  });
  private readonly buildInfo = new Gauge({
    name: 'oreguard_build_info',
    help: 'Always 1; labels name the OreGuard version, the commit it was built from (OREGUARD_BUILD_COMMIT, else unknown) and the Node.js version',
    labelNames: ['version', 'commit', 'node'],
    registers: [this.registry],
  });

  /** Called before each scrape to refresh gauges that are read from elsewhere. */
  private readonly collectors: (() => Promise<void>)[] = [];

  constructor(build: { commit?: string } = {}) {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which `promtool check metrics` refuses; nodejs_active_handles,
    // nodejs_active_requests and nodejs_active_resources (by type) hold the same numbers.
    for (const name of GAUGES_NAMED_AS_COUNTERS) this.registry.removeSingleMetric(name);
    this.buildInfo.set(
      { version: OREGUARD_VERSION, commit: build.commit ?? 'unknown', node: process.versions.node },
      1,
    );
    this.correlatorLeaseHeld.set(0);
    this.mqttConnected.set(0);
    this.ingestHeld.set(0);
    this.pgPoolWaiting.set(0);
    // Every rejection kind is shown from the start, at 0, so the full set is visible and fixed.
    for (const kind of REJECTION_KINDS) this.eventsRejected.inc({ reason: kind }, 0);
  }

  /** The only way to count a rejection: its label is one of the closed set. */
  rejected(kind: RejectionKind): void {
    this.eventsRejected.inc({ reason: kind });
  }

  onScrape(collector: () => Promise<void>): void {
    this.collectors.push(collector);
  }

  /** One HTTP request served, as its response finished. */
  httpServed(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe(
      {
        method: HTTP_METHODS.has(method) ? method : 'OTHER',
        route: route ?? 'unmatched',
        status_class: `${Math.trunc(status / 100)}xx`,
      },
      seconds,
    );
  }

  /** The pool's connections, read at each scrape. */
  watchPool(pool: { totalCount: number; idleCount: number; waitingCount: number }): void {
    this.onScrape(async () => {
      this.pgPoolClients.set({ state: 'idle' }, pool.idleCount);
      this.pgPoolClients.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      this.pgPoolWaiting.set(pool.waitingCount);
    });
  }

  foldLatency(latenciesMs: number[]): void {
    for (const ms of latenciesMs) this.processingLatency.observe(ms / 1000);
  }

  async render(): Promise<string> {
    // A collector whose source is away (PostgreSQL, Redis) leaves its gauges as they were
    // rather than hold the scrape.
    await Promise.allSettled(this.collectors.map((c) => withinScrape(c())));
    return this.registry.metrics();
  }
}

const GAUGES_NAMED_AS_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** OreGuard's version: that of the package.json above this file (in the source tree and in dist/). */
const OREGUARD_VERSION = ((): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'oreguard' && pkg.version) return pkg.version;
  }
  return 'unknown';
})();

/** How long a collector may take before the scrape goes on without it, in ms. */
const COLLECTOR_TIMEOUT_MS = 2_000;

function withinScrape(collecting: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, COLLECTOR_TIMEOUT_MS)));
  return Promise.race([collecting, timeout]).finally(() => clearTimeout(timer));
}
