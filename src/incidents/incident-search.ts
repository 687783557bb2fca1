import { severityRank } from 'src/domain/events/canonical-event.schema';
import type { IncidentSearch } from 'src/platform/query.schemas';
import type { SqlFilter } from 'src/platform/sql-filter';

/**
 * The incident search conditions shared by the list, the export and the statistics (the
 * caller adds site scope and its own window). Zones and rules are matched by containment
 * (`@>`), which their GIN indexes serve; `= ANY(…)` would not use them.
 */
export function addIncidentSearch(filter: SqlFilter, query: IncidentSearch): SqlFilter {
  return filter
    .add('status = ?', query.status)
    .add('severity_rank >= ?', query.severity && severityRank(query.severity))
    .add('? = ANY(kinds)', query.kind)
    .add('zones @> ARRAY[?]::text[]', query.zone)
    .add('rule_ids @> ARRAY[?]::text[]', query.ruleId)
    .add('resolution = ?', query.resolution)
    .add('assignee = ?', query.assignee)
    .add('opened_at >= ?', query.openedFrom)
    .add('opened_at <= ?', query.openedTo)
    .add('acknowledged_at >= ?', query.acknowledgedFrom)
    .add('acknowledged_at <= ?', query.acknowledgedTo)
    .add('resolved_at >= ?', query.resolvedFrom)
    .add('resolved_at <= ?', query.resolvedTo)
    .add(
      `title ILIKE '%' || ? || '%'`,
      query.q?.replace(/[\\%_]/g, (c) => `\\${c}`),
    );
}
