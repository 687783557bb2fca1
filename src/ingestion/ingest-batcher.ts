import { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { isDataError, type Db } from 'src/database/db';
import type { HealthOptions } from 'src/health/health-changes';
import type { FoldRow } from 'src/correlation/fold-row';
import { foldGroupsOf, storeBatch, type RegistryCache, type StoreOutcome, type StoreRequest } from './ingest-store';

/**
 * Longest wait between two tries of a batch PostgreSQL did not take, in ms: once it is back,
 * confirmations resume within about this long.
 */
const RETRY_DELAY_MAX_MS = 1_000;

/** Where to confirm a message to its gateway (MQTT 5 request/response), when it asked. */
export interface Confirmation {
  topic: string;
  correlationData?: Buffer;
  eventId?: string;
  /** A material record's id: its confirmation names the record instead of an event. */
  recordId?: string;
}

/** A message waiting to be made durable, and what to do once it is. */
export interface PendingMessage {
  request: StoreRequest;
  confirmation?: Confirmation;
  /** Sends the PUBACK; called only after the request's transaction committed. */
  ack(): void;
}

export interface BatchResult {
  batch: PendingMessage[];
  outcomes: StoreOutcome[];
  /** The new events were folded into incidents in the batch's own transaction. */
  foldedInline: boolean;
}

/**
 * Folding a batch's new events in the batch's own transaction: one commit makes an event
 * durable and puts it in its incident, with its live message.
 */
export interface InlineFold {
  /** Whether to fold the next batch inline (this instance folds, and is not stopping). */
  enabled(): boolean;
  /** The time the events are folded at (stored as their folded_at). */
  now(): Date;
  /** The fold lock keys of the batch's (site, kind) groups: storeBatch takes them first thing. */
  lockKeys(groups: readonly { siteId: string; kind: string }[]): string[];
  /** Folds the new events (as the INSERT returned them) in the transaction; returns what to do once it has committed. */
  fold(tx: PoolClient, rows: readonly FoldRow[], now: Date): Promise<() => void>;
}

/**
 * Commits ingested messages in small batches, one transaction each, then releases their
 * acknowledgements in arrival order. One batch is written at a time. If PostgreSQL cannot
 * take a batch, nothing is acknowledged and the batch is retried with backoff; the broker
 * holds the rest meanwhile (the inbox stops reading once `size` reaches the receive maximum).
 * A batch refused for its data (one event PostgreSQL cannot hold) is written message by
 * message, and a message refused on its own is kept as a rejected event instead.
 */
export class IngestBatcher {
  private readonly logger = new Logger(IngestBatcher.name);
  private pending: PendingMessage[] = [];
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private stopping = false;
  /** Stopping: what is pending is still written, but a failed write is not retried. */
  private finishing = false;
  private writing = 0;

  constructor(
    private readonly db: Db,
    private readonly registry: RegistryCache,
    private readonly options: { batchSize: number; lingerMs: number; health?: HealthOptions; inlineFold?: InlineFold },
    private readonly afterCommit: (result: BatchResult) => Promise<void>,
    private readonly onRetry: (error: unknown) => void,
    /** Sends a committed batch's acknowledgements, in order (the caller may coalesce the writes). */
    private readonly ackAll: (acks: (() => void)[]) => void = (acks) => acks.forEach((ack) => ack()),
  ) {}

  /** Messages taken and not yet durable. */
  get size(): number {
    return this.pending.length + this.writing;
  }

  add(message: PendingMessage): void {
    this.pending.push(message);
    if (this.draining) return; // the running drain picks it up
    if (this.pending.length >= this.options.batchSize) {
      this.startDrain();
    } else {
      this.timer ??= setTimeout(() => this.startDrain(), this.options.lingerMs);
    }
  }

  /** Resolves once everything added so far is written (or given up because we are stopping). */
  async flush(): Promise<void> {
    this.startDrain();
    await this.draining;
  }

  /**
   * Writes what it holds and stops. A batch PostgreSQL cannot take now is given up rather than
   * retried: it was never acknowledged, so the broker delivers it again to the next session.
   */
  async stop(): Promise<void> {
    this.finishing = true;
    await this.flush();
    this.stopping = true;
  }

  private startDrain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.pending.length > 0) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.stopping) {
      const batch = this.pending.splice(0, this.options.batchSize);
      this.writing = batch.length;
      const written = await this.writeUntilDone(batch);
      this.writing = 0;
      if (!written) {
        // Stopping, and PostgreSQL cannot take it: none of it is acknowledged, so the broker
        // delivers it again to the next session. Nothing more is tried.
        const left = batch.length + this.pending.length;
        this.pending = [];
        this.logger.warn(`Stopping with ${left} messages not committed: the broker delivers them again`);
        return;
      }
      this.ackAll(batch.map((message) => message.ack));
      await this.afterCommit({ batch, ...written }).catch((error: Error) =>
        this.logger.error(`After-commit step failed (events are stored): ${error.message}`),
      );
    }
  }

  /**
   * Writes the batch, retrying while the database is unavailable; undefined if we stop first.
   * If the batch fails with its fold inline, it is written again without: its events are then
   * stored waiting to be folded, and folding them is the afterCommit step's (queued, retried,
   * dead-lettered there). A fold never keeps an event from being stored.
   */
  private async writeUntilDone(batch: PendingMessage[]): Promise<Omit<BatchResult, 'batch'> | undefined> {
    let delay = 100;
    for (;;) {
      try {
        try {
          if (this.options.inlineFold?.enabled()) {
            try {
              return { outcomes: await this.write(batch, this.options.inlineFold), foldedInline: true };
            } catch (error) {
              this.logger.warn(
                `Batch of ${batch.length} not committed with its fold (${(error as Error).message}); trying it without, to fold later`,
              );
            }
          }
          return { outcomes: await this.write(batch), foldedInline: false };
        } catch (error) {
          if (!isDataError(error)) throw error;
          return { outcomes: await this.writeOneByOne(batch), foldedInline: false };
        }
      } catch (error) {
        this.onRetry(error);
        this.logger.warn(
          `Ingest batch of ${batch.length} not committed, retrying in ${delay} ms: ${(error as Error).message}`,
        );
        if (this.stopping || this.finishing) return undefined;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, RETRY_DELAY_MAX_MS);
      }
    }
  }

  private async write(batch: PendingMessage[], inlineFold?: InlineFold): Promise<StoreOutcome[]> {
    const requests = batch.map((m) => m.request);
    let afterFold: (() => void) | undefined;
    const outcomes = await this.db.transaction(async (tx) => {
      const inline = inlineFold && {
        foldedAt: inlineFold.now(),
        lockKeys: inlineFold.lockKeys(foldGroupsOf(requests)),
      };
      const { outcomes, folding } = await storeBatch(tx, requests, this.registry, this.options.health, inline);
      if (inlineFold && inline && folding.length > 0) afterFold = await inlineFold.fold(tx, folding, inline.foldedAt);
      return outcomes;
    });
    this.registry.commit();
    afterFold?.();
    return outcomes;
  }

  private async writeOneByOne(batch: PendingMessage[]): Promise<StoreOutcome[]> {
    const outcomes: StoreOutcome[] = [];
    for (const message of batch) {
      try {
        outcomes.push(...(await this.write([message])));
      } catch (error) {
        if (!isDataError(error) || message.request.type === 'rejected') throw error;
        const reason = `storage: PostgreSQL refused the event (${(error as Error).message})`;
        this.logger.warn(`Rejected a message PostgreSQL refused: ${reason}`);
        message.request = toRejected(message.request, reason);
        outcomes.push(...(await this.write([message])));
      }
    }
    return outcomes;
  }
}

function toRejected(request: StoreRequest, reason: string): StoreRequest {
  if (request.type === 'event') {
    return {
      type: 'rejected',
      topic: request.topic,
      siteId: request.event.siteId,
      gatewayId: request.event.gatewayId,
      kind: 'storage',
      reason,
      payload: Buffer.from(request.raw),
      receivedAt: request.receivedAt,
    };
  }
  if (request.type === 'material') {
    return {
      type: 'rejected',
      topic: request.topic,
      siteId: request.siteId,
      gatewayId: request.gatewayId,
      kind: 'storage',
      reason,
      payload: Buffer.from(request.raw),
      receivedAt: request.receivedAt,
    };
  }
  if (request.type === 'remoteid') {
    return {
      type: 'rejected',
      topic: request.topic,
      siteId: request.report.siteId,
      gatewayId: request.report.gatewayId,
      kind: 'storage',
      reason,
      payload: Buffer.from(request.raw),
      receivedAt: request.receivedAt,
    };
  }
  if (request.type === 'status') {
    return {
      type: 'rejected',
      topic: `status of ${request.siteId}/${request.gatewayId}`,
      siteId: request.siteId,
      gatewayId: request.gatewayId,
      kind: 'storage',
      reason,
      payload: Buffer.from(JSON.stringify(request.status)),
      receivedAt: request.receivedAt,
    };
  }
  return request;
}
