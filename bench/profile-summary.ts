import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a V8 CPU profile (.cpuprofile, from `node --cpu-prof`) spent its time: self time by
 * function and by place (an npm package, an OreGuard source file, or V8's own buckets such as
 * garbage collection). `node dist/bench/profile-summary.js <file-or-folder> [top]`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not idle. */
  busyMs: number;
  byPlace: { place: string; ms: number; pct: number }[];
  byFunction: { fn: string; place: string; ms: number; pct: number }[];
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const places = new Map<string, number>();
  const functions = new Map<string, { fn: string; place: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const place = placeOf(frame.url, frame.functionName);
    places.set(place, (places.get(place) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'} ${frame.url}:${frame.lineNumber + 1}`;
    const entry = functions.get(key) ?? {
      fn: `${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`,
      place,
      us: 0,
    };
    entry.us += us;
    functions.set(key, entry);
  }
  const busy = total - idle;
  const pct = (us: number) => Math.round((1000 * us) / Math.max(1, busy)) / 10;
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    byPlace: [...places.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([place, us]) => ({ place, ms: Math.round(us / 1000), pct: pct(us) })),
    byFunction: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, place: f.place, ms: Math.round(f.us / 1000), pct: pct(f.us) })),
  };
}

/** An npm package, a file of OreGuard's own, node's internals, or V8's bucket name. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/(src\/.*?)(\.js)?$/.exec(url);
  if (own) return own[1];
  return url.replace(/^file:\/\//, '');
}

export function renderProfileSummary(s: ProfileSummary): string {
  const lines = [
    `CPU profile ${s.file}: ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s`,
    '  by place (self time):',
  ];
  for (const p of s.byPlace)
    lines.push(`    ${String(p.pct).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.place}`);
  lines.push('  by function (self time):');
  for (const f of s.byFunction)
    lines.push(`    ${String(f.pct).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.fn}  [${f.place}]`);
  return lines.join('\n');
}

export function profilesIn(path: string): string[] {
  if (path.endsWith('.cpuprofile')) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(path, f));
}

if (require.main === module) {
  const [path, top] = process.argv.slice(2);
  if (!path) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile | folder> [top]\n');
    process.exit(2);
  }
  for (const file of profilesIn(path))
    process.stdout.write(`${renderProfileSummary(summarizeProfile(file, Number(top) || 25))}\n\n`);
}
