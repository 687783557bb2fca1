import type { Incident, LiveMessage } from './types';

/** High and critical incidents draw attention: a short tone (mutable) and the tab title. */
export class Alerts {
  muted = localStorage.getItem('oreguard.muted') === '1';
  private audio?: AudioContext;

  setMuted(muted: boolean): void {
    this.muted = muted;
    localStorage.setItem('oreguard.muted', muted ? '1' : '0');
  }

  onMessage(message: LiveMessage): void {
    const loud = message.incident.severity === 'high' || message.incident.severity === 'critical';
    if (loud && (message.type === 'opened' || message.type === 'escalated' || message.type === 'reopened'))
      this.beep(message.incident.severity === 'critical' ? 2 : 1);
  }

  /** "(3) OreGuard console": the open high and critical incidents nobody has acknowledged yet. */
  title(incidents: readonly Incident[]): string {
    const loud = incidents.filter(
      (i) => i.status === 'open' && (i.severity === 'high' || i.severity === 'critical'),
    ).length;
    return loud > 0 ? `(${loud}) OreGuard console` : 'OreGuard console';
  }

  private beep(times: number): void {
    if (this.muted) return;
    try {
      this.audio ??= new AudioContext();
      const ctx = this.audio;
      for (let i = 0; i < times; i++) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.15;
        osc.connect(gain).connect(ctx.destination);
        const start = ctx.currentTime + i * 0.3;
        osc.start(start);
        osc.stop(start + 0.18);
      }
    } catch {
      // no audio output: colour and title still tell
    }
  }
}
