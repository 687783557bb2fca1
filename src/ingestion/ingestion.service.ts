import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { FoldQueue } from 'src/correlation/fold-queue';
import { FoldProcessor } from 'src/correlation/fold.processor';
import { Db } from 'src/database/db';
import { checkSignature } from 'src/domain/events/event-signature';
import { parseGatewayMessage, type ParsedMessage } from 'src/domain/events/gateway-message';
import { acksTopic, type TopicRoute } from 'src/domain/events/topic';
import { Clock } from 'src/platform/clock';
import { Metrics } from 'src/platform/metrics';
import { GatewayKeyring } from './gateway-keyring';
import { IngestBatcher, type BatchResult, type Confirmation } from './ingest-batcher';
import { RegistryCache, storedEventsBySite, type StoreOutcome, type StoreRequest } from './ingest-store';
import { MqttInbox, type InboundMessage } from './mqtt-inbox';
import { forgetTransmitters } from './remote-id-memory';
import { logHealthEffects } from 'src/health/health-log';

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
  private readonly registry = new RegistryCache();
  private inbox?: MqttInbox;
  private batcher?: IngestBatcher;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly foldQueue: FoldQueue,
    private readonly foldProcessor: FoldProcessor,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly keyring: GatewayKeyring,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get connected(): boolean {
    return this.inbox?.connected ?? false;
  }

  async start(): Promise<void> {
    if (this.config.gateways.secretKeyIsDevelopmentKey) {
      this.logger.warn('GATEWAY_SECRET_KEY is not set: gateway secrets are encrypted under a development key anyone can read');
    }
    await this.registry.load(this.db.pool);
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
    this.inbox = new MqttInbox(
      {
        url: mqtt.url,
        username: mqtt.username,
        password: mqtt.password,
        clientId: mqtt.clientId,
        filters: [mqtt.sharedGroup ? `$share/${mqtt.sharedGroup}/${filter}` : filter],
        shared: Boolean(mqtt.sharedGroup),
        receiveMaximum: mqtt.receiveMaximum,
      },
      (message) => this.receive(message),
      () => (this.batcher?.size ?? 0) >= mqtt.receiveMaximum,
    );
    this.pruneTimer = setInterval(() => void this.pruneRemoteIdMemory(), REMOTE_ID_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    if (!(await this.inbox.start())) {
      this.logger.warn(`Not subscribed to ${mqtt.url} yet; still trying (readiness reports mqtt down until then)`);
    }
  }

  private receive(message: InboundMessage): void {
    const parsed = parseGatewayMessage(this.config.mqtt.topicPrefix, message.topic, message.payload, {
      now: this.clock.now(),
      maxFutureMs: this.config.ingest.maxFutureMs,
      sensorNetwork: (siteId, _gatewayId, sensorId) => this.registry.network(siteId, sensorId),
    });
    this.metrics.messagesReceived.inc({ route: routeLabel(parsed) });
    const authenticity = this.authenticate(message, parsed);
    const request = authenticity.ok ? this.toRequest(message, parsed, authenticity.signed) : authenticity.rejected;
    if (request.type === 'rejected') {
      this.logger.warn(`Rejected message on ${message.topic}: ${request.reason}`);
    }
    const confirmation = this.confirmationFor(message, parsed);
    this.batcher!.add({ request, confirmation, ack: message.ack });
  }

  /**
   * From a gateway that must sign, an event message (whatever its content) without a valid
   * `oreguard-sig` is rejected for that; a signed event goes on with the replay rules on.
   */
  private authenticate(message: InboundMessage, parsed: ParsedMessage): { ok: true; signed: boolean } | { ok: false; rejected: StoreRequest } {
    const source = parsed.ok ? (parsed.type === 'event' ? parsed.event : undefined) : eventTopicRoute(parsed.route);
    const key = source && this.keyring.signingKey(source.siteId, source.gatewayId);
    if (!source || !key) return { ok: true, signed: false };
    const check = key.secret
      ? checkSignature(message.payload, message.properties?.userProperties, key.secret)
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
          assembly: {
            memoryTtlMs: this.config.remoteId.memoryTtlMs,
            maxSpeedMps: this.config.remoteId.maxSpeedMps,
            allowedLatenessMs: this.config.ingest.allowedLatenessMs,
          },
        };
      case 'status':
        return {
          type: 'status',
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
          : parsed.type === 'status'
            ? parsed
            : undefined;
    if (!route) return undefined;
    return {
      topic: acksTopic(this.config.mqtt.topicPrefix, route.siteId, route.gatewayId),
      correlationData: message.properties.correlationData,
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
    if (foldedInline) return;
    // Not folded in the batch's transaction: folded here and now when this instance runs a
    // worker with room for them, else queued.
    const bySite = storedEventsBySite(batch.map((m) => m.request), outcomes);
    const stored = [...bySite.values()].flat();
    if (stored.length > 0 && !this.foldProcessor.foldNow(bySite)) {
      // If Redis is down the events are still safe: the re-queue sweep picks them up.
      await this.foldQueue
        .enqueue('ingest', stored)
        .catch((error: Error) => this.logger.warn(`Could not queue ${stored.length} events to fold: ${error.message}`));
    }
  }

  private count(request: StoreRequest, outcome: StoreOutcome): void {
    if (outcome.type === 'stored' && request.type === 'event') {
      this.metrics.eventsAccepted.inc({ source: request.event.source });
      if (request.late) this.metrics.eventsLate.inc();
      if (outcome.gap) {
        const { siteId, gatewayId, fromSeq, toSeq } = outcome.gap;
        this.metrics.seqGaps.inc();
        this.metrics.seqMissing.inc(toSeq - fromSeq + 1);
        this.logger.warn(`Gateway ${gatewayId} at ${siteId} skipped seq ${fromSeq}..${toSeq}: events lost before the broker`);
      }
    } else if (outcome.type === 'status') {
      logHealthEffects(this.logger, this.metrics, outcome.health);
    } else if (outcome.type === 'remoteid') {
      if (outcome.storedIds.length > 0) this.metrics.eventsAccepted.inc({ source: 'remoteid' }, outcome.storedIds.length);
      const duplicates = outcome.eventIds.length - outcome.storedIds.length;
      if (duplicates > 0) this.metrics.eventsDuplicate.inc(duplicates);
      for (const eventId of outcome.possibleSpoofs) {
        this.logger.warn(`Remote ID fix ${eventId} implies an impossible speed: track marked possibly spoofed`);
      }
    } else if (outcome.type === 'duplicate') {
      this.metrics.eventsDuplicate.inc();
    } else if (outcome.type === 'rejected') {
      this.metrics.rejected(outcome.kind ?? (request.type === 'rejected' ? request.kind : 'internal'));
      if (outcome.reason) this.logger.warn(`Rejected message on ${request.type === 'event' ? request.topic : '?'}: ${outcome.reason}`);
    }
  }

  private confirm(confirmation: Confirmation, request: StoreRequest, outcome: StoreOutcome): void {
    if (outcome.type === 'status' || outcome.type === 'ignored') return;
    const body =
      outcome.type === 'rejected'
        ? { status: 'rejected', eventId: confirmation.eventId, reason: outcome.reason ?? (request.type === 'rejected' ? request.reason : '') }
        : outcome.type === 'remoteid'
          ? // Stored when it added anything, events or only what the transmitter said; duplicate when every event was known.
            { status: outcome.storedIds.length > 0 || outcome.eventIds.length === 0 ? 'stored' : 'duplicate', eventId: outcome.eventIds[0] }
          : { status: outcome.type, eventId: confirmation.eventId };
    this.inbox!
      .publish(confirmation.topic, JSON.stringify(body), {
        qos: 1,
        properties: confirmation.correlationData ? { correlationData: confirmation.correlationData } : {},
      })
      .catch((error: Error) => this.logger.warn(`Could not confirm to ${confirmation.topic}: ${error.message}`));
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
