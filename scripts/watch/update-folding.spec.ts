import { UpdateFolding, type WatchedMessage } from './update-folding';

let seq = 0;
const message = (id: string, type: string, eventCount: number): WatchedMessage => ({
  siteId: 'kolwezi-1',
  seq: ++seq,
  type,
  incident: { id, title: `Incident ${id}`, severity: 'high', status: 'open', eventCount },
});

describe('folding runs of updates to one incident', () => {
  beforeEach(() => (seq = 0));

  it('on a terminal, rewrites the line of the incident an update is about, with the count of updates', () => {
    const f = new UpdateFolding({ tty: true, windowMs: 3000 });
    expect(f.push(message('a', 'opened', 1), 0)).toEqual([
      { kind: 'line', text: expect.stringMatching(/^kolwezi-1 #1 opened .*Incident a \(1 events, open\)$/) },
    ]);
    expect(f.push(message('a', 'updated', 2), 10)).toEqual([
      { kind: 'rewrite', text: expect.stringMatching(/#2 updated .*\(2 events, open\)$/) },
    ]);
    expect(f.push(message('a', 'updated', 3), 20)).toEqual([
      { kind: 'rewrite', text: expect.stringMatching(/#3 updated .*\(3 events, open\) ×2 updates$/) },
    ]);
    // Another incident: a new line; an update to the first one after it is a new line too.
    expect(f.push(message('b', 'opened', 1), 30)[0].kind).toBe('line');
    expect(f.push(message('a', 'updated', 4), 40)).toEqual([
      { kind: 'line', text: expect.stringMatching(/#5 updated .*\(4 events, open\)$/) },
    ]);
    expect(f.push(message('a', 'updated', 5), 50)[0].kind).toBe('rewrite');
    // A status line in between: the next update does not overwrite it.
    f.interrupted();
    expect(f.push(message('a', 'updated', 6), 60)[0].kind).toBe('line');
    expect(f.flush(1e9, true)).toEqual([]);
  });

  it('elsewhere, prints one summary line per incident per window, with its latest state', () => {
    const f = new UpdateFolding({ tty: false, windowMs: 3000 });
    expect(f.push(message('a', 'opened', 1), 0)).toHaveLength(1);
    for (let n = 2; n <= 6; n++) expect(f.push(message('a', 'updated', n), n * 100)).toEqual([]);
    expect(f.push(message('b', 'updated', 9), 500)).toEqual([]);
    expect(f.flush(3100)).toEqual([]);
    expect(f.flush(3200)).toEqual([
      { kind: 'line', text: expect.stringMatching(/#6 updated .*Incident a \(6 events, open\) ×5 updates \(#2–#6\)$/) },
    ]);
    expect(f.flush(3500)).toEqual([
      { kind: 'line', text: expect.stringMatching(/#7 updated .*Incident b \(9 events, open\)$/) },
    ]);
    expect(f.flush(10_000, true)).toEqual([]);
  });

  it('elsewhere, prints the waiting summary before any other message about the same incident', () => {
    const f = new UpdateFolding({ tty: false, windowMs: 3000 });
    f.push(message('a', 'updated', 2), 0);
    f.push(message('a', 'updated', 3), 10);
    const out = f.push(message('a', 'acknowledged', 3), 20);
    expect(out.map((o) => o.text)).toEqual([
      expect.stringMatching(/#2 updated .*×2 updates \(#1–#2\)$/),
      expect.stringMatching(/#3 acknowledged/),
    ]);
    expect(f.flush(1e9, true)).toEqual([]);
  });

  it('keeps a gap note on the folded line', () => {
    const f = new UpdateFolding({ tty: false, windowMs: 1000 });
    f.push(message('a', 'updated', 2), 0, '  (gap: 1–3 missing)');
    f.push(message('a', 'updated', 3), 1);
    expect(f.flush(1000)[0].text).toContain('(gap: 1–3 missing)');
  });
});
