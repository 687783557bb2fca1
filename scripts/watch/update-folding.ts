/**
 * How the watcher (scripts/watch-live.ts) keeps a burst of updates to one incident from
 * flooding the terminal. Pure: it is given the messages and the time, and says what to print.
 *
 * - On a terminal, an `updated` message for the incident of the last line printed rewrites
 *   that line in place (`×N updates`); anything else is a new line.
 * - Otherwise (a pipe, a file), lines cannot be rewritten: the first `updated` of an incident
 *   starts a window of `windowMs`, its further updates are counted, and one summary line with
 *   the incident's latest state is printed when the window ends (or at once, before any other
 *   message about that incident, so the order of what is printed stays true).
 */
export interface WatchedMessage {
  siteId: string;
  seq: number;
  type: string;
  incident: { id: string; title: string; severity: string; status: string; eventCount: number };
}

/** A new line, or the last line printed rewritten in place. */
export type Output = { kind: 'line'; text: string } | { kind: 'rewrite'; text: string };

export function describeMessage(m: WatchedMessage, updates = 1, note = ''): string {
  const i = m.incident;
  const folded = m.type === 'updated' && updates > 1 ? ` ×${updates} updates` : '';
  return `${m.siteId} #${m.seq} ${m.type.padEnd(12)} ${i.severity.padEnd(8)} ${i.title} (${i.eventCount} events, ${i.status})${folded}${note}`;
}

interface Pending {
  first: WatchedMessage;
  latest: WatchedMessage;
  count: number;
  since: number;
  note: string;
}

export class UpdateFolding {
  /** TTY: the incident of the last line printed, its first message and how many updates it folds. */
  private last?: { incidentId: string; first: WatchedMessage; count: number; note: string };
  /** Not a TTY: updates waiting for their summary, by incident id, in arrival order. */
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: { tty: boolean; windowMs: number }) {}

  /** What to print for a message (`note`: e.g. a gap in the seqs, shown on its line). */
  push(m: WatchedMessage, now: number, note = ''): Output[] {
    return this.options.tty ? this.pushTty(m, note) : this.pushPlain(m, now, note);
  }

  /** The summaries whose window has ended by `now` (all of them with `all`, e.g. before exiting). */
  flush(now: number, all = false): Output[] {
    const out: Output[] = [];
    for (const [id, p] of this.pending) {
      if (!all && now - p.since < this.options.windowMs) continue;
      out.push({ kind: 'line', text: this.summary(p) });
      this.pending.delete(id);
    }
    return out;
  }

  /** Something else was printed (a status line): a later update starts a new line. */
  interrupted(): void {
    this.last = undefined;
  }

  private pushTty(m: WatchedMessage, note: string): Output[] {
    const last = this.last;
    if (m.type === 'updated' && last && last.incidentId === m.incident.id) {
      last.count += 1;
      last.note ||= note;
      return [{ kind: 'rewrite', text: describeMessage(m, last.count, last.note) }];
    }
    this.last = { incidentId: m.incident.id, first: m, count: m.type === 'updated' ? 1 : 0, note };
    return [{ kind: 'line', text: describeMessage(m, 1, note) }];
  }

  private pushPlain(m: WatchedMessage, now: number, note: string): Output[] {
    const id = m.incident.id;
    const waiting = this.pending.get(id);
    if (m.type === 'updated') {
      if (waiting) {
        waiting.latest = m;
        waiting.count += 1;
        waiting.note ||= note;
      } else {
        this.pending.set(id, { first: m, latest: m, count: 1, since: now, note });
      }
      return [];
    }
    const out: Output[] = [];
    if (waiting) {
      out.push({ kind: 'line', text: this.summary(waiting) });
      this.pending.delete(id);
    }
    out.push({ kind: 'line', text: describeMessage(m, 1, note) });
    return out;
  }

  private summary(p: Pending): string {
    const seqs = p.count > 1 ? ` (#${p.first.seq}–#${p.latest.seq})` : '';
    return describeMessage(p.latest, p.count, `${p.note}${seqs}`);
  }
}
