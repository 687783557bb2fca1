import { SeqTracker } from './seq-tracker';

describe('the console following live messages by seq', () => {
  it('applies each message once, in order, per site, and resumes after the last of each', () => {
    const seqs = new SeqTracker();
    expect(seqs.accept('kolwezi-1', 41)).toEqual({ kind: 'apply' }); // followed from where the stream stood
    expect(seqs.accept('kolwezi-1', 42)).toEqual({ kind: 'apply' });
    expect(seqs.accept('tarkwa-2', 1)).toEqual({ kind: 'apply' });
    expect(seqs.accept('kolwezi-1', 42)).toEqual({ kind: 'repeat' });
    expect(seqs.accept('kolwezi-1', 40)).toEqual({ kind: 'repeat' });
    expect(seqs.resumeAfter()).toEqual({ 'kolwezi-1': 42, 'tarkwa-2': 1 });
  });

  it('reports the messages a jump skipped as a gap, and goes on from the new seq', () => {
    const seqs = new SeqTracker();
    seqs.accept('kolwezi-1', 7);
    expect(seqs.accept('kolwezi-1', 11)).toEqual({ kind: 'gap', from: 8, to: 10 });
    expect(seqs.accept('kolwezi-1', 12)).toEqual({ kind: 'apply' });
    expect(seqs.accept('kolwezi-1', 9)).toEqual({ kind: 'repeat' });
  });
});
