import { Logger } from '@nestjs/common';
import type { IClientPublishOptions } from 'mqtt';
import { Client } from 'pg';
import type { MqttInbox } from './mqtt-inbox';
import { planSlots, slotClientId } from './slot-plan';
import { WakeablePause } from 'src/platform/wakeable-pause';

export interface IngestSlotsOptions {
  databaseUrl: string;
  /** The shared group (MQTT_SHARED_GROUP): it names the slots and their leases. */
  group: string;
  /** How many slots the group has (numbered 1..slots). */
  slots: number;
  /** How often the leases are checked, in ms (sooner when another instance joins or hands a slot back). */
  checkMs: number;
  /** This instance's name (MQTT_CLIENT_ID), shown as its lease session's application_name. */
  instance: string;
  /** Builds the inbox of a slot, from the slot's client id. */
  inbox(clientId: string): MqttInbox;
  /** Called with the number of slots this instance runs whenever it changes. */
  onHeld?(held: number): void;
}

interface Lease {
  client: Client;
  pid: number;
  /** The group's advisory lock class: slot n is lock (key, n), membership is the shared lock (key, 0). */
  key: number;
  channel: string;
  /** Settles when the lease session is lost. */
  lost: Promise<void>;
  markLost(): void;
}

/** The slots some instance holds and how many instances hold the membership lock, from pg_locks. */
const STATE_SQL = `
  SELECT objid::int8::int AS slot, pid
    FROM pg_locks
   WHERE locktype = 'advisory' AND granted AND objsubid = 2
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND classid = $1::int4::oid`;

/** How long a handed-back slot waits for what it took to be committed and acknowledged. */
const RELEASE_WAIT_MS = 10_000;

/**
 * Runs this instance's share of the group's ingest slots. Every slot is a persistent MQTT
 * session of its own (`oreguard-<group>-slot-<n>`) subscribed to the shared subscription, so
 * the broker splits the stream between the slots. A slot is run by the instance that holds its
 * lease: a session-level advisory lock taken on one dedicated PostgreSQL connection per
 * instance, which also holds a shared membership lock (to count the live instances) and
 * LISTENs for the others joining or handing slots back.
 *
 * When an instance dies, PostgreSQL ends its session and its locks with it: the others see its
 * slots free at their next check and connect as them; the broker redelivers what it had not
 * acknowledged and hands over what queued meanwhile. When this instance loses its lease
 * session, it drops every slot's MQTT connection at once, without reconnecting, so two
 * instances never fight over one client id; it takes slots again once PostgreSQL answers.
 * An instance runs at most its fair share (ceil(slots / instances)) and hands back the rest
 * gracefully: stop reading, wait for what it took to be committed and acknowledged, disconnect,
 * and only then unlock.
 */
export class IngestSlots {
  private readonly logger = new Logger(IngestSlots.name);
  private readonly running = new Map<number, MqttInbox>();
  /** Slots being handed back: no longer read from, still connected until what they took is acknowledged. */
  private readonly leaving = new Set<MqttInbox>();
  private lease?: Lease;
  private stopped = false;
  private loop?: Promise<void>;
  /** Every slot was held by some instance at the last check. */
  private allHeld = false;
  private onSettled?: () => void;
  private readonly pause = new WakeablePause();
  private joinFailing = false;

  constructor(private readonly options: IngestSlotsOptions) {}

  /** The inboxes of the slots this instance runs. */
  get inboxes(): MqttInbox[] {
    return [...this.running.values()];
  }

  /**
   * Ingesting as it should: the lease session is up, every slot it runs is subscribed, and it
   * runs at least one (or, with more instances than slots, every slot is run by someone).
   */
  get connected(): boolean {
    return (
      Boolean(this.lease) && this.inboxes.every((inbox) => inbox.connected) && (this.running.size > 0 || this.allHeld)
    );
  }

  /** Starts taking slots; resolves true once this instance runs its share, subscribed, or false after waitMs. */
  start(waitMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
      this.onSettled = () => resolve(true);
    }).finally(() => {
      clearTimeout(timer);
      this.onSettled = undefined;
    });
    this.loop = this.run();
    return settled;
  }

  /** Runs fn with every slot's socket corked: a batch's acknowledgements leave as one write per slot. */
  corked(fn: () => void): void {
    this.inboxes.reduceRight<() => void>((inner, inbox) => () => inbox.corked(inner), fn)();
  }

  resumeIntake(): void {
    for (const inbox of this.inboxes) inbox.resumeIntake();
  }

  /** Publishes through any slot this instance runs that is connected. */
  publish(topic: string, payload: string, options: IClientPublishOptions): Promise<void> {
    const inbox = this.inboxes.find((i) => i.connected);
    if (!inbox) return Promise.reject(new Error('no ingest slot connected to publish through'));
    return inbox.publish(topic, payload, options);
  }

  /** Shutdown, first step: takes no more slots and stops reading from those it runs. */
  stopAccepting(): void {
    this.stopped = true;
    this.wakeUp();
    for (const inbox of this.inboxes) inbox.stopAccepting();
  }

  /** Shutdown, last step (what was taken is committed and acknowledged): disconnects, then hands every slot back. */
  async close(): Promise<void> {
    this.stopAccepting();
    await this.loop;
    await Promise.all(this.inboxes.map((inbox) => inbox.close()));
    this.running.clear();
    this.options.onHeld?.(0);
    const lease = this.lease;
    if (!lease) return;
    this.lease = undefined;
    try {
      await lease.client.query('SELECT pg_advisory_unlock_all()');
      await lease.client.query('SELECT pg_notify($1, $2)', [lease.channel, 'left']);
    } catch {
      // Ending the session releases the locks anyway; the others see it at their next check.
    }
    await lease.client.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.check();
      } catch (error) {
        const lease = this.lease;
        if (lease) this.loseLease(lease, (error as Error).message);
      }
      if (!this.stopped) await this.pause.wait(this.options.checkMs);
    }
  }

  /** One round: join if needed, read who holds what, hand back surplus, take free slots. */
  private async check(): Promise<void> {
    const lease = this.lease ?? (await this.join());
    if (!lease) return;
    const { rows } = await lease.client.query<{ slot: number; pid: number }>(STATE_SQL, [lease.key]);
    if (this.lease !== lease || this.stopped) return;
    const holders = new Map(rows.filter((r) => r.slot > 0).map((r) => [r.slot, r.pid]));
    const members = rows.filter((r) => r.slot === 0).length;
    // A slot this instance runs must still be its own; if not, it is not this instance's to run.
    for (const [slot, inbox] of this.running) {
      if (holders.get(slot) === lease.pid) continue;
      this.logger.warn(`Ingest slot ${slot} is no longer leased to this instance: dropped`);
      inbox.abort();
      this.running.delete(slot);
    }
    this.allHeld = holders.size >= this.options.slots;
    const plan = planSlots({
      slots: this.options.slots,
      members,
      mine: [...this.running.keys()],
      held: new Set(holders.keys()),
    });
    for (const slot of plan.release) await this.release(lease, slot, members);
    for (const slot of plan.take) await this.take(lease, slot);
    this.options.onHeld?.(this.running.size);
    if (plan.settled && this.inboxes.every((inbox) => inbox.connected)) this.onSettled?.();
  }

  private async join(): Promise<Lease | undefined> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: `oreguard-ingest ${this.options.instance}`.slice(0, 63),
      keepAlive: true,
      // A server that stops answering must not hold the loop: the lease is then given up (see run).
      connectionTimeoutMillis: 5000,
      query_timeout: Math.max(5000, 3 * this.options.checkMs),
    });
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    // Every pg Client needs an 'error' listener: a lost server must not crash the process.
    client.on('error', (error) => this.loseLease(lease, error.message));
    client.on('end', () => this.loseLease(lease, 'the connection ended'));
    const lease: Lease = { client, pid: 0, key: 0, channel: '', lost, markLost };
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number; key: number }>(
        'SELECT pg_backend_pid() AS pid, hashtext($1) & 2147483647 AS key',
        [`oreguard-ingest-slots:${this.options.group}`],
      );
      lease.pid = rows[0].pid;
      lease.key = rows[0].key;
      lease.channel = `oreguard_ingest_slots_${lease.key}`;
      client.on('notification', (message) => {
        if (message.processId !== lease.pid) this.wakeUp();
      });
      await client.query('SELECT pg_advisory_lock_shared($1, 0)', [lease.key]);
      await client.query(`LISTEN ${lease.channel}`);
      await client.query('SELECT pg_notify($1, $2)', [lease.channel, 'joined']);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!this.joinFailing)
        this.logger.warn(
          `Cannot take ingest slots yet (${(error as Error).message}); retrying every ${this.options.checkMs} ms`,
        );
      this.joinFailing = true;
      return undefined;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return undefined;
    }
    this.joinFailing = false;
    this.lease = lease;
    return lease;
  }

  private async take(lease: Lease, slot: number): Promise<void> {
    const { rows } = await lease.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
      lease.key,
      slot,
    ]);
    if (!rows[0].ok) return; // another instance was quicker
    if (this.lease !== lease || this.stopped) {
      await lease.client.query('SELECT pg_advisory_unlock($1, $2)', [lease.key, slot]).catch(() => undefined);
      return;
    }
    const clientId = slotClientId(this.options.group, slot);
    const inbox = this.options.inbox(clientId);
    this.running.set(slot, inbox);
    this.logger.log(`Took ingest slot ${slot} (${clientId})`);
    // Checked again once subscribed: that may be what settles start-up.
    void inbox.start().then(() => this.wakeUp());
  }

  /** Hands a slot back: stop reading, let what it took be committed and acknowledged, disconnect, unlock. */
  private async release(lease: Lease, slot: number, members: number): Promise<void> {
    const inbox = this.running.get(slot)!;
    this.running.delete(slot);
    this.leaving.add(inbox);
    inbox.stopAccepting();
    try {
      await inbox.settled(RELEASE_WAIT_MS, lease.lost); // what is not acknowledged is redelivered to the next holder
      if (this.lease === lease) await inbox.close();
    } finally {
      this.leaving.delete(inbox);
    }
    if (this.lease !== lease) return; // dropped with the lease instead (loseLease)
    await lease.client.query('SELECT pg_advisory_unlock($1, $2)', [lease.key, slot]);
    await lease.client.query('SELECT pg_notify($1, $2)', [lease.channel, 'released']);
    this.logger.log(`Handed ingest slot ${slot} back (${members} instances share the stream)`);
  }

  /** The lease session is gone: every slot's connection is dropped now, so none is run twice. */
  private loseLease(lease: Lease, reason: string): void {
    if (this.lease !== lease) return;
    this.lease = undefined;
    const dropped = this.running.size;
    for (const inbox of [...this.running.values(), ...this.leaving]) inbox.abort();
    this.running.clear();
    this.allHeld = false;
    this.options.onHeld?.(0);
    lease.markLost();
    void lease.client.end().catch(() => undefined);
    if (!this.stopped)
      this.logger.warn(
        `Lost the ingest slot leases (${reason}): dropped ${dropped} slots until PostgreSQL answers again`,
      );
  }

  private wakeUp(): void {
    this.pause.wake();
  }
}
