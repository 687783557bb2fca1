import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECTION_KINDS, type RejectionKind } from 'src/domain/events/rejection-kind';

/**
 * OreGuard's Prometheus metrics, in a registry of its own (served at /api/v1/metrics).
 * Every label takes its values from a fixed set, never from what a client or gateway sent
 * (README, "Metrics"): `route` and `source` the topic types and event sources, `reason` the
 * rejection kinds (REJECTION_KINDS), `subject` and `state` the health schema's enums, `kind` the
 * event kinds, `state` the queue's job states, `rule` the ids of the rules loaded at start.
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

  /** Called before each scrape to refresh gauges that are read from elsewhere. */
  private readonly collectors: (() => Promise<void>)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'oreguard_process_' });
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

/** How long a collector may take before the scrape goes on without it, in ms. */
const COLLECTOR_TIMEOUT_MS = 2_000;

function withinScrape(collecting: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, COLLECTOR_TIMEOUT_MS)));
  return Promise.race([collecting, timeout]).finally(() => clearTimeout(timer));
}
