import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiClient } from './api-client';
import { emit, type CliCommand, type CliOutput } from './cli-command';
import { CliUsageError } from './cli-error';
import { listOption, parseOptions, requireOption } from './cli-options';

type Spec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * A command that calls the REST API (api-client.ts), with `--url` on top of its own options and
 * positional arguments `positionals` long (named in its usage).
 */
function apiCommand(
  name: string,
  usage: string,
  options: Spec,
  positionals: number,
  run: (api: ApiClient, values: Values, args: string[], out: CliOutput) => Promise<void>,
): CliCommand {
  return {
    name,
    usage: `${usage}   [--url <OreGuard>]`,
    async run(argv, out) {
      const args = argv.slice(0, positionals);
      if (args.length < positionals || args.some((a) => a.startsWith('--')))
        throw new CliUsageError(`give ${positionals === 1 ? 'one argument' : `${positionals} arguments`} first`);
      const values = parseOptions(argv.slice(positionals), { url: { type: 'string' }, ...options } as Spec) as Values;
      await run(ApiClient.fromEnv(values.url as string | undefined), values, args, out);
    },
  };
}

const query = (params: Record<string, string | number | boolean | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};
const seg = encodeURIComponent;
const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

/** `2h`, `30m`, `1d`, `90s` → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new CliUsageError(`--duration must be like 90s, 30m, 2h or 1d (got ${text})`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function describeIncident(i: any): string {
  return `${i.id}  ${i.siteId}  ${String(i.status).padEnd(12)} ${String(i.severity).padEnd(8)} ${i.title} (${i.eventCount} events, last ${i.lastSeenAt})`;
}

function describeSilence(s: any): string {
  const scope = [
    s.zone && `zone=${s.zone}`,
    s.sensorId && `sensor=${s.sensorId}`,
    s.kind && `kind=${s.kind}`,
    s.match && Object.keys(s.match).length > 0 && `match=${JSON.stringify(s.match)}`,
  ]
    .filter(Boolean)
    .join(' ');
  return `${s.id}  ${s.siteId}  ${s.startsAt ?? '-'} → ${s.endsAt ?? '(recurring)'}${s.expiredAt ? ` expired=${s.expiredAt}` : ''}  ${scope || 'whole site'}  "${s.reason}" by ${s.createdBy ?? '-'}`;
}

function describeDeadLetter(d: any): string {
  return `${d.id}  ${d.siteId}/${d.gatewayId}  ${d.kind}  occurred=${d.occurredAt}  event=${d.eventId}  error: ${d.error}`;
}

function describePosture(p: any): string {
  const change = p.change
    ? `, set by ${p.change.setBy}${p.change.approvedBy ? ` (approved by ${p.change.approvedBy})` : ''} from ${p.source.scheme} ${p.source.value}: "${p.reason}"`
    : '';
  const until = p.expiresAt ? ` until ${p.expiresAt}` : '';
  const pending = p.pendingLowering
    ? `; lowering to ${p.pendingLowering.level} ${p.pendingLowering.id} awaits a second lead`
    : '';
  return `${p.siteId}  ${p.level} (own ${p.own}, floor ${p.floor})${until}${change}${pending}`;
}

export const apiCommands: CliCommand[] = [
  apiCommand(
    'incidents:list',
    'incidents:list [--site <id>] [--status open|acknowledged|resolved…] [--severity <s>] [--limit <n>]',
    { site: { type: 'string' }, status: { type: 'string' }, severity: { type: 'string' }, limit: { type: 'string' } },
    0,
    async (api, v, _a, out) => {
      const page = await api.call(
        'GET',
        `/incidents${query({ siteId: str(v.site), status: str(v.status), severity: str(v.severity), limit: str(v.limit) })}`,
      );
      emit(out, page, () => {
        for (const i of page.items) out.line(describeIncident(i));
        if (page.items.length === 0) out.line('No incidents');
      });
    },
  ),
  apiCommand(
    'incidents:show',
    'incidents:show <incidentId>   one incident with its events and timeline',
    {},
    1,
    async (api, _v, [id], out) => {
      const i = await api.call('GET', `/incidents/${seg(id)}`);
      emit(out, i, () => {
        out.line(describeIncident(i));
        out.line(
          `rules: ${(i.ruleIds ?? []).join(', ')}  kinds: ${(i.kinds ?? []).join(', ')}  zones: ${(i.zones ?? []).join(', ') || '-'}`,
        );
        for (const e of i.events ?? [])
          out.line(
            `  event ${e.occurredAt} ${e.gatewayId}/${e.sensorId} ${e.kind}${e.severity ? ` ${e.severity}` : ''}`,
          );
        for (const t of i.timeline ?? []) out.line(`  ${t.at} ${t.action}${t.actor ? ` by ${t.actor}` : ''}`);
      });
    },
  ),
  apiCommand(
    'incidents:acknowledge',
    'incidents:acknowledge <incidentId>   acknowledge as the API user (audited, pushed live)',
    {},
    1,
    async (api, _v, [id], out) => {
      const i = await api.call('POST', `/incidents/${seg(id)}/acknowledge`);
      emit(out, i, () => out.line(`Acknowledged ${describeIncident(i)}`));
    },
  ),
  apiCommand(
    'silences:list',
    'silences:list [--site <id>] [--expired]   active and upcoming silences (with --expired, ended ones too)',
    { site: { type: 'string' }, expired: { type: 'boolean' }, limit: { type: 'string' } },
    0,
    async (api, v, _a, out) => {
      const page = await api.call(
        'GET',
        `/silences${query({ siteId: str(v.site), includeExpired: v.expired ? 'true' : undefined, limit: str(v.limit) })}`,
      );
      emit(out, page, () => {
        for (const s of page.items) out.line(describeSilence(s));
        if (page.items.length === 0) out.line('No silences');
      });
    },
  ),
  apiCommand(
    'silences:add',
    'silences:add --site <id> (--duration 2h | --ends <ISO>) [--starts <ISO>] [--zone <z>] [--sensor <id>] [--kind drone|cyber|theft] [--match <field>=<value> …] --reason <text>',
    {
      site: { type: 'string' },
      duration: { type: 'string' },
      ends: { type: 'string' },
      starts: { type: 'string' },
      zone: { type: 'string' },
      sensor: { type: 'string' },
      kind: { type: 'string' },
      match: { type: 'string', multiple: true },
      reason: { type: 'string' },
    },
    0,
    async (api, v, _a, out) => {
      if (v.duration !== undefined && v.ends !== undefined)
        throw new CliUsageError('give either --duration or --ends, not both');
      const startsAt = str(v.starts);
      const from = startsAt ? Date.parse(startsAt) : Date.now();
      const endsAt =
        v.duration !== undefined
          ? new Date((Number.isNaN(from) ? Date.now() : from) + parseDuration(String(v.duration))).toISOString()
          : str(v.ends);
      if (endsAt === undefined) throw new CliUsageError('--duration or --ends is required');
      let match: Record<string, string> | undefined;
      for (const m of (v.match as string[] | undefined) ?? []) {
        const at = m.indexOf('=');
        if (at < 1) throw new CliUsageError(`--match must be <field>=<value> (got ${m})`);
        (match ??= {})[m.slice(0, at)] = m.slice(at + 1);
      }
      const body = {
        siteId: requireOption(str(v.site), 'site'),
        startsAt,
        endsAt,
        zone: str(v.zone),
        sensorId: str(v.sensor),
        kind: str(v.kind),
        match,
        reason: requireOption(str(v.reason), 'reason'),
      };
      const created = await api.call('POST', '/silences', JSON.parse(JSON.stringify(body)));
      emit(out, created, () => out.line(`Silenced ${describeSilence(created)}`));
    },
  ),
  apiCommand(
    'silences:expire',
    'silences:expire <silenceId>   end a silence now (audited, pushed live)',
    {},
    1,
    async (api, _v, [id], out) => {
      const expired = await api.call('DELETE', `/silences/${seg(id)}`);
      emit(out, expired, () => out.line(`Expired ${describeSilence(expired)}`));
    },
  ),
  apiCommand(
    'posture:show',
    "posture:show <siteId>   the site's threat posture now",
    {},
    1,
    async (api, _v, [site], out) => {
      const posture = await api.call('GET', `/sites/${seg(site)}/posture`);
      emit(out, posture, () => out.line(describePosture(posture)));
    },
  ),
  apiCommand(
    'posture:set',
    'posture:set <siteId> --level <normal|elevated|high|exceptional> --scheme <fpcon|uk-response|ntas|isps|oreguard> --value <v> [--ref <text>] (--duration 12h | --expires <ISO>) --reason <text>   leads; a lowering waits for a second lead',
    {
      level: { type: 'string' },
      scheme: { type: 'string' },
      value: { type: 'string' },
      ref: { type: 'string' },
      duration: { type: 'string' },
      expires: { type: 'string' },
      reason: { type: 'string' },
    },
    1,
    async (api, v, [site], out) => {
      if (v.duration !== undefined && v.expires !== undefined)
        throw new CliUsageError('give either --duration or --expires, not both');
      const expiresAt =
        v.duration !== undefined
          ? new Date(Date.now() + parseDuration(String(v.duration))).toISOString()
          : str(v.expires);
      const source = {
        scheme: requireOption(str(v.scheme), 'scheme'),
        value: requireOption(str(v.value), 'value'),
        ...(str(v.ref) ? { ref: str(v.ref) } : {}),
      };
      const body = {
        level: requireOption(str(v.level), 'level'),
        reason: requireOption(str(v.reason), 'reason'),
        source,
        ...(expiresAt ? { expiresAt } : {}),
      };
      const result = await api.call('PUT', `/sites/${seg(site)}/posture`, body);
      emit(out, result, () =>
        out.line(
          result.status === 'pending'
            ? `Lowering ${result.id} to ${result.level} awaits a second lead`
            : describePosture(result),
        ),
      );
    },
  ),
  apiCommand(
    'posture:approve',
    "posture:approve <siteId> <loweringId>   approve another lead's lowering",
    {},
    2,
    async (api, _v, [site, id], out) => {
      const posture = await api.call('POST', `/sites/${seg(site)}/posture/lowerings/${seg(id)}/approve`);
      emit(out, posture, () => out.line(describePosture(posture)));
    },
  ),
  apiCommand(
    'posture:ack',
    "posture:ack <siteId> <changeId>   acknowledge a posture change (the site's operators)",
    {},
    2,
    async (api, _v, [site, id], out) => {
      const posture = await api.call('POST', `/sites/${seg(site)}/posture/acknowledge`, { changeId: id });
      emit(out, posture, () => out.line(describePosture(posture)));
    },
  ),
  apiCommand('rules:list', 'rules:list   the correlation rules OreGuard loaded', {}, 0, async (api, _v, _a, out) => {
    const rules = await api.call('GET', '/rules');
    emit(out, rules, () => {
      for (const r of rules.items)
        out.line(`${r.id}  ${String(r.type).padEnd(14)} ${String(r.level ?? '-').padEnd(8)} ${r.title}  (${r.file})`);
    });
  }),
  apiCommand(
    'rules:backtest',
    'rules:backtest --site <id> --from <ISO> --to <ISO> [--file <rules.yml> …]   replay stored events through the loaded rules (or the given files)',
    {
      site: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      file: { type: 'string', multiple: true },
    },
    0,
    async (api, v, _a, out) => {
      const files = (v.file as string[] | undefined) ?? [];
      const rules = files.length
        ? await Promise.all(files.map(async (f) => ({ name: basename(f), text: await readFile(f, 'utf8') })))
        : undefined;
      const result = await api.call('POST', '/rules/backtest', {
        siteId: requireOption(str(v.site), 'site'),
        from: requireOption(str(v.from), 'from'),
        to: requireOption(str(v.to), 'to'),
        rules,
      });
      emit(out, result, () => {
        out.line(
          `${result.eventsReplayed} events replayed; ${result.wouldOpen.length} incidents would open; ${result.existing.length} exist in the window`,
        );
        for (const [rule, n] of Object.entries(result.byRule ?? {})) out.line(`  ${rule}: ${n}`);
      });
    },
  ),
  apiCommand(
    'gateways:health',
    "gateways:health <siteId>   each gateway's state, last heard, last seq and seq gaps",
    {},
    1,
    async (api, _v, [site], out) => {
      const health = await api.call('GET', `/sites/${seg(site)}/gateways`);
      emit(out, health, () => {
        for (const g of health.items) {
          out.line(
            `${g.gatewayId}  ${g.state ?? 'unknown'}${g.stateReason ? ` (${g.stateReason})` : ''}  last heard ${g.lastHeardAt ?? 'never'}  last seq ${g.lastSeq ?? '-'}  gaps ${g.seqGaps.count} (${g.seqGaps.missing} missing), pending ${g.seqGaps.pending.count}`,
          );
        }
        if (health.items.length === 0) out.line('No gateways');
      });
    },
  ),
  apiCommand(
    'gateways:seq-gaps',
    'gateways:seq-gaps <siteId>   the seq ranges each gateway lost (reported) or may yet fill (pending)',
    {},
    1,
    async (api, _v, [site], out) => {
      const health = await api.call('GET', `/sites/${seg(site)}/gateways`);
      const gaps = health.items.map((g: any) => ({ gatewayId: g.gatewayId, ...g.seqGaps }));
      emit(out, { items: gaps }, () => {
        for (const g of gaps) {
          for (const r of g.recent)
            out.line(
              `${g.gatewayId}  lost     ${r.fromSeq}–${r.toSeq}  detected ${r.detectedAt}  reported ${r.reportedAt}`,
            );
          for (const r of g.pending.ranges)
            out.line(`${g.gatewayId}  pending  ${r.fromSeq}–${r.toSeq}  detected ${r.detectedAt}`);
        }
        if (gaps.every((g: any) => g.recent.length === 0 && g.pending.ranges.length === 0)) out.line('No seq gaps');
      });
    },
  ),
  apiCommand(
    'dead-letters:list',
    'dead-letters:list [--site <id>] [--limit <n>] [--cursor <c>]   events whose fold failed every attempt (admins)',
    { site: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
    0,
    async (api, v, _a, out) => {
      const page = await api.call(
        'GET',
        `/dead-letters${query({ siteId: str(v.site), limit: str(v.limit), cursor: str(v.cursor) })}`,
      );
      emit(out, page, () => {
        for (const d of page.items) out.line(describeDeadLetter(d));
        if (page.items.length === 0) out.line('No dead letters');
        if (page.nextCursor) out.line(`more: --cursor ${page.nextCursor}`);
      });
    },
  ),
  apiCommand(
    'dead-letters:retry',
    'dead-letters:retry (--ids <id>,<id> | --site <id>)   fold them again, once the cause is fixed (admins, audited)',
    { ids: { type: 'string' }, site: { type: 'string' } },
    0,
    async (api, v, _a, out) => {
      if ((v.ids === undefined) === (v.site === undefined)) throw new CliUsageError('give --ids or --site');
      const body = v.ids !== undefined ? { ids: listOption(String(v.ids)).map(Number) } : { siteId: String(v.site) };
      const result = await api.call('POST', '/dead-letters/retry', body);
      emit(out, result, () =>
        out.line(
          `Retried ${result.retried} dead letter${result.retried === 1 ? '' : 's'}${result.queued ? '' : ' (not queued: the re-queue sweep will fold them)'}${result.ids.length ? `: ${result.ids.join(',')}` : ''}`,
        ),
      );
    },
  ),
];
