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

  it('reports a jump as a gap without taking it: the missing messages can still come', () => {
    const seqs = new SeqTracker();
    seqs.accept('kolwezi-1', 7);
    expect(seqs.accept('kolwezi-1', 11)).toEqual({ kind: 'gap', from: 8, to: 10 });
    expect(seqs.resumeAfter()).toEqual({ 'kolwezi-1': 7 });
    expect(seqs.accept('kolwezi-1', 8)).toEqual({ kind: 'apply' });
    expect(seqs.next('kolwezi-1')).toBe(9);
  });

  it('goes on from where it is moved to (a gap given up, a snapshot taken)', () => {
    const seqs = new SeqTracker();
    seqs.accept('kolwezi-1', 7);
    seqs.moveTo('kolwezi-1', 11);
    expect(seqs.accept('kolwezi-1', 12)).toEqual({ kind: 'apply' });
    expect(seqs.accept('kolwezi-1', 9)).toEqual({ kind: 'repeat' });
    expect(seqs.last('kolwezi-1')).toBe(12);
  });
});
