import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ConfirmationMessage } from 'src/domain/events/confirmation.schema';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { FoldQueue } from 'src/correlation/fold-queue';
import { FoldProcessor } from 'src/correlation/fold.processor';
import { Db } from 'src/database/db';
import { checkSignature } from 'src/domain/events/event-signature';
import { parseGatewayMessage, type ParsedMessage } from 'src/domain/events/gateway-message';
import { acksTopic, parseTopic, type TopicRoute } from 'src/domain/events/topic';
import type { MaterialConfirmation } from 'src/domain/material/material-confirmation.schema';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { GatewayKeyring } from './gateway-keyring';
import { IngestBatcher, type BatchResult, type Confirmation } from './ingest-batcher';
import { RegistryCache, storedEventsBySite, type StoreOutcome, type StoreRequest } from './ingest-store';
import { IngestSlots } from './ingest-slots';
import { MqttInbox, type InboundMessage } from './mqtt-inbox';
import { forgetTransmitters } from './remote-id-memory';
import { logHealthEffects } from 'src/health/health-log';
import { recordEventTimeBounds } from 'src/events/event-time-bounds';

/** How often the Remote ID memory is trimmed to its time to live and size. */
const REMOTE_ID_PRUNE_INTERVAL_MS = 60_000;

/**
 * The MQTT edge: parse each message once, make it durable (event, status or rejection) in a
 * batch transaction, then acknowledge it, confirm it to the gateway if asked, and queue the
 * new events for folding. Nothing is acknowledged before it is committed.
 */
@Injectable()
export class IngestionService implements OnModuleDestroy {
  private readonly logger = new Logger(IngestionService.name);
  private readonly registry: RegistryCache;
  /** Where messages come from: this instance's own session, or its share of the group's ingest slots. */
  private inbox?: Pick<
    MqttInbox,
    'connected' | 'start' | 'corked' | 'resumeIntake' | 'publish' | 'stopAccepting' | 'close'
  >;
  private batcher?: IngestBatcher;
  private pruneTimer?: NodeJS.Timeout;
  /** Events stored but not queued to fold since Redis went away or slowed (0 while all is queued). */
  private deferredToSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly foldQueue: FoldQueue,
    private readonly foldProcessor: FoldProcessor,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly keyring: GatewayKeyring,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.registry = new RegistryCache({ requireRegistered: config.ingest.requireRegistered });
    metrics.onScrape(async () => {
      metrics.mqttConnected.set(this.connected ? 1 : 0);
      metrics.ingestHeld.set(this.batcher?.size ?? 0);
    });
  }

  get connected(): boolean {
    return this.inbox?.connected ?? false;
  }

  async start(): Promise<void> {
    if (this.config.gateways.secretKeyIsDevelopmentKey) {
      this.logger.warn(
        'GATEWAY_SECRET_KEY is not set: gateway secrets are encrypted under a development key anyone can read',
      );
    }
    await this.registry.load(this.db.pool);
    // Before the first message: queries by event time allow for this instance's bounds from now on.
    await recordEventTimeBounds(this.db.pool, this.config.ingest.maxFutureMs, this.config.ingest.maxLatenessMs);
    await this.keyring.start();
    this.batcher = new IngestBatcher(
      this.db,
      this.registry,
      {
        batchSize: this.config.ingest.batchSize,
        lingerMs: this.config.ingest.lingerMs,
        health: { severity: this.config.health.incidentSeverity, topicPrefix: this.config.mqtt.topicPrefix },
        inlineFold: this.foldProcessor.inlineFold,
      },
      (result) => this.afterCommit(result),
      () => this.metrics.ingestBatchFailures.inc(),
      (acks) => this.inbox!.corked(() => acks.forEach((ack) => ack())),
    );
    const { mqtt } = this.config;
    const filter = `${mqtt.topicPrefix}/#`;
    const inbox = (clientId: string) =>
      new MqttInbox(
        {
          url: mqtt.url,
          username: mqtt.username,
          password: mqtt.password,
          clientId,
          filters: [mqtt.sharedGroup ? `$share/${mqtt.sharedGroup}/${filter}` : filter],
          shared: Boolean(mqtt.sharedGroup),
          receiveMaximum: mqtt.receiveMaximum,
        },
        (message) => this.receive(message),
        () => (this.batcher?.size ?? 0) >= mqtt.receiveMaximum,
      );
    this.inbox =
      mqtt.sharedGroup && mqtt.slots > 0
        ? new IngestSlots({
            databaseUrl: this.config.database.url,
            group: mqtt.sharedGroup,
            slots: mqtt.slots,
            checkMs: mqtt.slotCheckMs,
            instance: mqtt.clientId,
            inbox,
            onHeld: (held) => this.metrics.ingestSlotsHeld.set(held),
          })
        : inbox(mqtt.clientId);
    this.pruneTimer = setInterval(() => void this.pruneRemoteIdMemory(), REMOTE_ID_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    if (!(await this.inbox.start())) {
      const what =
        this.inbox instanceof IngestSlots
          ? `with its share of the ${mqtt.slots} ingest slots to ${mqtt.url}`
          : `to ${mqtt.url}`;
      this.logger.warn(`Not subscribed ${what} yet; still trying (readiness reports mqtt down until then)`);
    }
  }

  private receive(message: InboundMessage): void {
    const parsed = parseGatewayMessage(this.config.mqtt.topicPrefix, message.topic, message.payload, {
      now: this.clock.now(),
      maxFutureMs: this.config.ingest.maxFutureMs,
      maxLatenessMs: this.config.ingest.maxLatenessMs,
      sensorNetwork: (siteId, _gatewayId, sensorId) => this.registry.network(siteId, sensorId),
    });
    this.metrics.messagesReceived.inc({ route: routeLabel(parsed) });
    const authenticity = this.authenticate(message, parsed);
    const request = authenticity.ok ? this.toRequest(message, parsed, authenticity.signed) : authenticity.rejected;
    if (request.type === 'rejected') {
      this.logger.warn({
        msg: `Rejected message: ${request.reason}`,
        ...this.topicFields(message.topic),
        kind: request.kind,
      });
    }
    const confirmation = this.confirmationFor(message, parsed);
    this.batcher!.add({ request, confirmation, ack: message.ack });
  }

  /**
   * From a gateway that must sign, a message on an event-bearing topic (events, suricata,
   * remoteid; not status), whatever its content, without a valid `oreguard-sig` over its topic
   * and payload is rejected for that; a signed one goes on with the replay rules on.
   */
  private authenticate(
    message: InboundMessage,
    parsed: ParsedMessage,
  ): { ok: true; signed: boolean } | { ok: false; rejected: StoreRequest } {
    const source = this.eventBearingSource(message.topic, parsed);
    const key = source && this.keyring.signingKey(source.siteId, source.gatewayId);
    if (!source || !key) return { ok: true, signed: false };
    const check = key.secret
      ? checkSignature(message.topic, message.payload, message.properties?.userProperties, key.secret)
      : { ok: false as const, reason: 'oreguard-sig: this gateway has no readable secret to check it with' };
    if (check.ok) return { ok: true, signed: true };
    return {
      ok: false,
      rejected: {
        type: 'rejected',
        topic: message.topic,
        siteId: source.siteId,
        gatewayId: source.gatewayId,
        kind: 'signature',
        reason: check.reason,
        payload: message.payload,
        receivedAt: message.receivedAt,
      },
    };
  }

  /** The site and gateway of a message on an event-bearing topic; undefined for status, acks and topics that fit no pattern. */
  private eventBearingSource(topic: string, parsed: ParsedMessage): { siteId: string; gatewayId: string } | undefined {
    if (!parsed.ok) return eventTopicRoute(parsed.route);
    switch (parsed.type) {
      case 'event':
        return parsed.event;
      case 'remoteid':
        return parsed.report;
      case 'material':
        return parsed;
      case 'status':
        return undefined;
      case 'ignored': {
        // A Suricata record that is not an alert is dropped, but from a gateway that must sign it is checked all the same.
        const route = parseTopic(this.config.mqtt.topicPrefix, topic);
        return route.ok ? eventTopicRoute(route.route) : undefined;
      }
    }
  }

  private toRequest(message: InboundMessage, parsed: ParsedMessage, signed: boolean): StoreRequest {
    const receivedAt = message.receivedAt;
    if (!parsed.ok) {
      return {
        type: 'rejected',
        topic: message.topic,
        siteId: parsed.route?.siteId,
        gatewayId: parsed.route?.gatewayId,
        kind: parsed.kind,
        reason: parsed.reason,
        payload: message.payload,
        receivedAt,
      };
    }
    switch (parsed.type) {
      case 'event':
        return {
          type: 'event',
          event: parsed.event,
          topic: message.topic,
          raw: message.payload.toString('utf8'),
          receivedAt,
          late: receivedAt.getTime() - parsed.event.occurredAt.getTime() > this.config.ingest.allowedLatenessMs,
          signed,
        };
      case 'remoteid':
        return {
          type: 'remoteid',
          report: parsed.report,
          topic: message.topic,
          raw: message.payload.toString('utf8'),
          receivedAt,
          signed,
          assembly: {
            memoryTtlMs: this.config.remoteId.memoryTtlMs,
            maxSpeedMps: this.config.remoteId.maxSpeedMps,
            allowedLatenessMs: this.config.ingest.allowedLatenessMs,
          },
        };
      case 'material':
        return {
          type: 'material',
          siteId: parsed.siteId,
          gatewayId: parsed.gatewayId,
          record: parsed.record,
          topic: message.topic,
          raw: message.payload.toString('utf8'),
          receivedAt,
          late: receivedAt.getTime() - parsed.record.at.getTime() > this.config.ingest.allowedLatenessMs,
          signed,
        };
      case 'status':
        return {
          type: 'status',
          topic: message.topic,
          siteId: parsed.siteId,
          gatewayId: parsed.gatewayId,
          status: parsed.status,
          receivedAt,
          raw: message.payload.toString('utf8'),
        };
      case 'ignored':
        return { type: 'ignored', reason: parsed.reason };
    }
  }

  /** Gateways that ask (MQTT 5 response topic) get an answer on their own acks topic, whatever they named. */
  private confirmationFor(message: InboundMessage, parsed: ParsedMessage): Confirmation | undefined {
    if (!message.properties?.responseTopic) return undefined;
    const route = !parsed.ok
      ? parsed.route
      : parsed.type === 'event'
        ? parsed.event
        : parsed.type === 'remoteid'
          ? parsed.report
          : parsed.type === 'status' || parsed.type === 'material'
            ? parsed
            : undefined;
    if (!route) return undefined;
    const recordId = !parsed.ok ? parsed.recordId : parsed.type === 'material' ? parsed.record.recordId : undefined;
    return {
      topic: acksTopic(this.config.mqtt.topicPrefix, route.siteId, route.gatewayId),
      correlationData: message.properties.correlationData,
      ...(recordId !== undefined && { recordId }),
      eventId: !parsed.ok
        ? parsed.eventId
        : parsed.type === 'event'
          ? parsed.event.eventId
          : parsed.type === 'remoteid'
            ? parsed.report.fixes[0]?.eventId
            : undefined,
    };
  }

  private async afterCommit({ batch, outcomes, foldedInline }: BatchResult): Promise<void> {
    this.inbox?.resumeIntake();
    outcomes.forEach((outcome, i) => {
      const { request, confirmation } = batch[i];
      this.count(request, outcome);
      if (confirmation) this.confirm(confirmation, request, outcome);
    });
    this.logRecovered(
      batch.map((m) => m.request),
      outcomes,
    );
    if (foldedInline) return;
    // Not folded in the batch's transaction: folded here and now when this instance runs a
    // worker with room for them, else queued.
    const bySite = storedEventsBySite(
      batch.map((m) => m.request),
      outcomes,
    );
    const stored = [...bySite.values()].flat();
    if (stored.length > 0 && !this.foldProcessor.foldNow(bySite)) await this.queueToFold(stored);
  }

  /**
   * Queues committed events to fold, waiting for Redis at most INGEST_ENQUEUE_TIMEOUT_MS and not
   * at all while it is away: ingest never waits on Redis. Events not queued are safe in
   * PostgreSQL, stored and not yet folded; the re-queue sweep of a worker queues them (at
   * once when Redis returns). One line is logged when that starts and one when it ends.
   */
  private async queueToFold(eventIds: number[]): Promise<void> {
    try {
      await this.foldQueue.enqueue('ingest', eventIds, { timeoutMs: this.config.ingest.enqueueTimeoutMs });
      if (this.deferredToSweep > 0) {
        this.logger.log(
          `Queuing events to fold again; ${this.deferredToSweep} stored meanwhile are left to the re-queue sweep`,
        );
        this.deferredToSweep = 0;
      }
    } catch (error) {
      this.metrics.foldEnqueueDeferred.inc(eventIds.length);
      if (this.deferredToSweep === 0) {
        this.logger.warn(
          `Could not queue events to fold (${(error as Error).message}): ingest goes on, the re-queue sweep folds them`,
        );
      }
      this.deferredToSweep += eventIds.length;
    }
  }

  private count(request: StoreRequest, outcome: StoreOutcome): void {
    if (request.type === 'material' && (outcome.type === 'stored' || outcome.type === 'duplicate')) {
      this.metrics.materialRecords.inc({ type: request.record.type, outcome: outcome.type });
    } else if (outcome.type === 'stored' && request.type === 'event') {
      this.metrics.eventsAccepted.inc({ source: request.event.source });
      if (request.late) this.metrics.eventsLate.inc();
      if (outcome.recovered) this.metrics.seqRecovered.inc();
    } else if (outcome.type === 'status') {
      logHealthEffects(this.logger, this.metrics, outcome.health);
    } else if (outcome.type === 'remoteid') {
      if (outcome.storedIds.length > 0)
        this.metrics.eventsAccepted.inc({ source: 'remoteid' }, outcome.storedIds.length);
      const duplicates = outcome.eventIds.length - outcome.storedIds.length;
      if (duplicates > 0) this.metrics.eventsDuplicate.inc(duplicates);
      for (const eventId of outcome.possibleSpoofs) {
        this.logger.warn({ msg: 'Remote ID fix implies an impossible speed: track marked possibly spoofed', eventId });
      }
    } else if (outcome.type === 'duplicate') {
      this.metrics.eventsDuplicate.inc();
    } else if (outcome.type === 'rejected') {
      this.metrics.rejected(outcome.kind ?? (request.type === 'rejected' ? request.kind : 'internal'));
      if (outcome.reason) {
        this.logger.warn({
          msg: `Rejected message: ${outcome.reason}`,
          ...('topic' in request ? this.topicFields(request.topic) : {}),
          kind: outcome.kind,
        });
      }
    }
  }

  /**
   * Events whose seq was in a gap already reported (seq-gap-check.use-case.ts) arrived late
   * after all: once a batch per gateway, with the seqs they span.
   */
  private logRecovered(requests: readonly StoreRequest[], outcomes: readonly StoreOutcome[]): void {
    const byGateway = new Map<string, { siteId: string; gatewayId: string; seqs: number[] }>();
    outcomes.forEach((outcome, i) => {
      const request = requests[i];
      if (
        outcome.type !== 'stored' ||
        !outcome.recovered ||
        request.type !== 'event' ||
        request.event.seq === undefined
      )
        return;
      const { siteId, gatewayId, seq } = request.event;
      const key = `${siteId}/${gatewayId}`;
      const entry = byGateway.get(key) ?? { siteId, gatewayId, seqs: [] };
      entry.seqs.push(seq);
      byGateway.set(key, entry);
    });
    for (const { siteId, gatewayId, seqs } of byGateway.values()) {
      this.logger.warn(
        `Gateway ${gatewayId} at ${siteId}: ${seqs.length} events reported lost arrived late (seq ${Math.min(...seqs)}..${Math.max(...seqs)})`,
      );
    }
  }

  private confirm(confirmation: Confirmation, request: StoreRequest, outcome: StoreOutcome): void {
    if (outcome.type === 'status' || outcome.type === 'ignored') return;
    if (confirmation.recordId !== undefined) {
      // A material record is confirmed by its recordId, with the same statuses as an event.
      const body: MaterialConfirmation =
        outcome.type === 'rejected'
          ? {
              status: 'rejected',
              recordId: confirmation.recordId,
              reason: outcome.reason ?? (request.type === 'rejected' ? request.reason : ''),
            }
          : { status: outcome.type === 'stored' ? 'stored' : 'duplicate', recordId: confirmation.recordId };
      this.publishConfirmation(confirmation, body);
      return;
    }
    const body: ConfirmationMessage =
      outcome.type === 'rejected'
        ? {
            status: 'rejected',
            eventId: confirmation.eventId,
            reason: outcome.reason ?? (request.type === 'rejected' ? request.reason : ''),
          }
        : outcome.type === 'remoteid'
          ? // Stored when it added anything, events or only what the transmitter said; duplicate when every event was known.
            {
              status: outcome.storedIds.length > 0 || outcome.eventIds.length === 0 ? 'stored' : 'duplicate',
              eventId: outcome.eventIds[0],
            }
          : { status: outcome.type, eventId: confirmation.eventId };
    this.publishConfirmation(confirmation, body);
  }

  private publishConfirmation(confirmation: Confirmation, body: Record<string, unknown>): void {
    this.inbox!.publish(confirmation.topic, JSON.stringify(body), {
      qos: 1,
      properties: confirmation.correlationData ? { correlationData: confirmation.correlationData } : {},
    }).catch((error: Error) =>
      this.logger.warn({
        msg: `Could not confirm: ${error.message}`,
        ...this.topicFields(confirmation.topic),
        eventId: confirmation.eventId,
      }),
    );
  }

  /** A topic for the log: itself (bounded), and its site and gateway as fields when it names them. */
  private topicFields(topic: string): { topic: string; siteId?: string; gatewayId?: string } {
    const parsed = parseTopic(this.config.mqtt.topicPrefix, topic);
    const bounded = topic.length > 300 ? `${topic.slice(0, 300)}…` : topic;
    return parsed.ok
      ? { topic: bounded, siteId: parsed.route.siteId, gatewayId: parsed.route.gatewayId }
      : { topic: bounded };
  }

  private async pruneRemoteIdMemory(): Promise<void> {
    try {
      const forgotten = await forgetTransmitters(this.db.pool, this.clock.now(), this.config.remoteId);
      if (forgotten > 0) this.logger.debug(`Forgot ${forgotten} Remote ID transmitters`);
    } catch (error) {
      this.logger.warn(`Could not trim the Remote ID memory: ${(error as Error).message}`);
    }
  }

  /** Ordered shutdown: stop taking messages, commit and acknowledge what was taken, disconnect. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.pruneTimer);
    if (!this.inbox) return;
    this.keyring.stop();
    this.inbox.stopAccepting();
    await this.batcher?.stop();
    await this.inbox.close();
  }
}

/** The route of a rejected message when its topic carries events (status and acks are not signed). */
function eventTopicRoute(route: TopicRoute | undefined): TopicRoute | undefined {
  return route && route.type !== 'status' && route.type !== 'acks' ? route : undefined;
}

function routeLabel(parsed: ParsedMessage): string {
  if (!parsed.ok) return 'rejected';
  return parsed.type === 'event' ? parsed.event.source : parsed.type;
}
