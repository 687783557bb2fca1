import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { slope } from './stats';

/** One reading of a tracked process (or group of processes). */
interface Reading {
  t: number;
  /** CPU ticks (utime + stime) by pid. */
  ticks: Map<number, number>;
  /** Resident set, in kB (single processes only). */
  rssKb?: number;
}

export interface ResourceSummary {
  /** CPU used over the window, in % of one core. */
  cpuPct: number;
  rssStartMb?: number;
  rssMaxMb?: number;
  rssEndMb?: number;
  rssMeanMb?: number;
  /** Least-squares slope of RSS over the window, MB per second. */
  rssSlopeMbPerSec?: number;
}

type Source =
  { kind: 'process'; pid: () => number | undefined } | { kind: 'group'; match: (cmdline: string) => boolean };

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Reads CPU time and resident memory from /proc every interval: for single processes
 * (/proc/<pid>/stat and /status), for groups matched by command line (PostgreSQL backends of
 * the bench database), and for the whole machine (/proc/stat).
 */
export class ProcSampler {
  private readonly sources = new Map<string, Source>();
  private readonly readings = new Map<string, Reading[]>();
  private readonly machine: { t: number; busy: number; total: number }[] = [];
  private timer?: NodeJS.Timeout;

  track(name: string, pid: () => number | undefined): void {
    this.sources.set(name, { kind: 'process', pid });
    this.readings.set(name, this.readings.get(name) ?? []);
  }

  trackGroup(name: string, match: (cmdline: string) => boolean): void {
    this.sources.set(name, { kind: 'group', match });
    this.readings.set(name, this.readings.get(name) ?? []);
  }

  start(intervalMs = 500): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads now (also called by the timer). */
  sample(): void {
    const t = Date.now();
    let groupPids: { pid: number; cmdline: string }[] | undefined;
    for (const [name, source] of this.sources) {
      if (source.kind === 'process') {
        const pid = source.pid();
        if (pid === undefined) continue;
        const stat = readStat(pid);
        if (!stat) continue;
        this.readings.get(name)!.push({ t, ticks: new Map([[pid, stat]]), rssKb: readRssKb(pid) });
      } else {
        groupPids ??= listProcesses();
        const ticks = new Map<number, number>();
        for (const { pid, cmdline } of groupPids) {
          if (!source.match(cmdline)) continue;
          const stat = readStat(pid);
          if (stat !== undefined) ticks.set(pid, stat);
        }
        this.readings.get(name)!.push({ t, ticks });
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    this.machine.push({ t, busy: total - idle, total });
  }

  /** The latest resident set of a tracked process, read now, in MB. */
  rssNowMb(name: string): number | undefined {
    const source = this.sources.get(name);
    if (source?.kind !== 'process') return undefined;
    const pid = source.pid();
    const kb = pid === undefined ? undefined : readRssKb(pid);
    return kb === undefined ? undefined : kb / 1024;
  }

  summary(name: string, from: number, to: number): ResourceSummary | undefined {
    const all = this.readings.get(name) ?? [];
    const inWindow = all.filter((r) => r.t >= from && r.t <= to);
    if (inWindow.length < 2) return undefined;
    let ticks = 0;
    for (let i = 1; i < inWindow.length; i++) {
      for (const [pid, now] of inWindow[i].ticks) {
        const before = inWindow[i - 1].ticks.get(pid);
        if (before !== undefined) ticks += now - before;
      }
    }
    const seconds = (inWindow[inWindow.length - 1].t - inWindow[0].t) / 1000;
    const summary: ResourceSummary = { cpuPct: round((100 * ticks) / CLK_TCK / Math.max(seconds, 0.001)) };
    const rss = inWindow.filter((r) => r.rssKb !== undefined).map((r) => ({ t: r.t, mb: r.rssKb! / 1024 }));
    if (rss.length > 0) {
      summary.rssStartMb = round(rss[0].mb);
      summary.rssEndMb = round(rss[rss.length - 1].mb);
      summary.rssMaxMb = round(Math.max(...rss.map((r) => r.mb)));
      summary.rssMeanMb = round(rss.reduce((a, r) => a + r.mb, 0) / rss.length);
      summary.rssSlopeMbPerSec = round(slope(rss.map((r) => [r.t / 1000, r.mb])), 3);
    }
    return summary;
  }

  /** Busy share of all the machine's cores over the window, in %. */
  machineBusyPct(from: number, to: number): number | undefined {
    const inWindow = this.machine.filter((m) => m.t >= from && m.t <= to);
    if (inWindow.length < 2) return undefined;
    const first = inWindow[0];
    const last = inWindow[inWindow.length - 1];
    return round((100 * (last.busy - first.busy)) / Math.max(1, last.total - first.total));
  }

  /** RSS readings of a process over a window, for the JSON report. */
  rssSeries(name: string, from: number, to: number): [number, number][] {
    return (this.readings.get(name) ?? [])
      .filter((r) => r.t >= from && r.t <= to && r.rssKb !== undefined)
      .map((r) => [r.t, round(r.rssKb! / 1024)]);
  }
}

function readStat(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function readRssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function listProcesses(): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
