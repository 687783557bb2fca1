import { aCyberEvent, aDroneEvent, aTheftEvent } from '../factories/events';
import type { ConfirmingGateway } from './confirming-gateway';

const TICK_MS = 20;
const MAKERS = [aDroneEvent, aCyberEvent, aTheftEvent];

/**
 * A steady stream of events (drone, cyber, theft in turn) from gateways that keep every event
 * until OreGuard confirms it, at `perSecond` in all, until stopped: the load of an outage test.
 */
export class EventStream {
  /** Event ids in the order they were first sent. */
  readonly sent: string[] = [];
  private timer?: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly gateways: readonly ConfirmingGateway[],
    private readonly perSecond: number,
  ) {}

  start(): void {
    const perTick = Math.max(1, Math.round((this.perSecond * TICK_MS) / 1000));
    this.timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        const n = this.seq++;
        const event = MAKERS[n % MAKERS.length]({ seq: Math.floor(n / this.gateways.length) + 1 });
        this.sent.push(event.eventId);
        this.gateways[n % this.gateways.length].send(event);
      }
    }, TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Events confirmed stored or duplicate, over all gateways. */
  get confirmed(): number {
    let n = 0;
    for (const gateway of this.gateways) {
      for (const c of gateway.confirmations.values()) if (c.status !== 'rejected') n++;
    }
    return n;
  }

  get rejected(): number {
    return this.gateways.reduce(
      (n, g) => n + [...g.confirmations.values()].filter((c) => c.status === 'rejected').length,
      0,
    );
  }
}
