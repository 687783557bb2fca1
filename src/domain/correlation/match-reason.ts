import type { CompiledCorrelationRule } from './rule-set';
import type { CountCondition } from './rule.schema';
import { formatTimespan } from './timespan';

/**
 * The sentence an incident timeline shows for a correlation match, such as
 * "brute-force fired: 10 or more events of auth_failure within 2m, for cyber.srcIp 10.0.0.9".
 * It depends only on the rule and the group, so it reads the same however the events arrived.
 */
export function describeMatch(rule: CompiledCorrelationRule, group: Readonly<Record<string, string>>): string {
  const names = rule.refs.map((r) => r.name ?? r.id);
  const within = formatTimespan(rule.timespanMs);
  const c = rule.condition;
  let what: string;
  if (c.kind === 'duration') {
    what = `${names.join(' or ')} seen for ${formatTimespan(c.minMs)} or more with no gap over ${within}`;
  } else {
    switch (rule.correlationType) {
      case 'event_count':
        what = `${bounds(c.bounds)} events of ${names.join(' or ')} within ${within}`;
        break;
      case 'value_count':
        what = `${bounds(c.bounds)} distinct ${rule.valueField} in ${names.join(' or ')} within ${within}`;
        break;
      case 'temporal':
        what =
          c.bounds.gte === rule.refs.length && Object.keys(c.bounds).length === 1
            ? `${names.join(' and ')} within ${within}`
            : `${bounds(c.bounds)} of ${names.join(', ')} within ${within}`;
        break;
      default:
        what = `${names.join(' then ')} within ${within}`;
    }
  }
  const entries = Object.entries(group);
  const forGroup = entries.length > 0 ? `, for ${entries.map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
  return `${rule.id} fired: ${what}${forGroup}`;
}

function bounds(b: CountCondition): string {
  const parts: string[] = [];
  if (b.eq !== undefined) parts.push(`exactly ${b.eq}`);
  if (b.gte !== undefined) parts.push(`${b.gte} or more`);
  if (b.gt !== undefined) parts.push(`more than ${b.gt}`);
  if (b.lte !== undefined) parts.push(`at most ${b.lte}`);
  if (b.lt !== undefined) parts.push(`fewer than ${b.lt}`);
  return parts.join(' and ');
}
