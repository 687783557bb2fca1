import { WakeablePause } from './wakeable-pause';

describe('a wakeable pause', () => {
  it('lasts its time when nobody wakes it', async () => {
    const pause = new WakeablePause();
    const started = Date.now();
    await pause.wait(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('ends when woken', async () => {
    const pause = new WakeablePause();
    const started = Date.now();
    const waiting = pause.wait(60_000);
    pause.wake();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps a wake that came between pauses for the next one only', async () => {
    const pause = new WakeablePause();
    pause.wake();
    const started = Date.now();
    await pause.wait(60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const second = Date.now();
    await pause.wait(50);
    expect(Date.now() - second).toBeGreaterThanOrEqual(45);
  });

  it('tells whether a wake is pending, until the pause that takes it', async () => {
    const pause = new WakeablePause();
    expect(pause.wakePending).toBe(false);
    pause.wake();
    expect(pause.wakePending).toBe(true);
    await pause.wait(60_000);
    expect(pause.wakePending).toBe(false);
  });
});
