import { useState } from 'preact/hooks';
import type { Api } from './api';
import type { Incident, Site } from './types';

interface Stats {
  total: number;
  bySite: Record<string, number>;
  byKind: Record<string, number>;
  bySeverity: Record<string, number>;
  byDay: Record<string, number>;
  meanTimeToAcknowledgeS: number | null;
  meanTimeToResolveS: number | null;
}

const STATUSES = ['open', 'acknowledged', 'resolved'];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const KINDS = ['drone', 'cyber', 'theft'];

/** One filter of the search: a labelled select whose first option (`any`) sets no filter. */
function Choice(props: {
  label: string;
  value: string;
  onChange: (e: Event) => void;
  options: string[];
  any?: string;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={props.onChange}>
        <option value="">{props.any ?? 'Any'}</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

interface Filters {
  siteId: string;
  status: string;
  severity: string;
  kind: string;
  from: string;
  to: string;
  q: string;
}

const EMPTY: Filters = { siteId: '', status: '', severity: '', kind: '', from: '', to: '', q: '' };

/** The REST filters of the form, as a query string (times from the browser's zone to ISO 8601). */
function query(filters: Filters, only?: (keyof Filters)[]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [keyof Filters, string][]) {
    if (!value || (only && !only.includes(key))) continue;
    params.set(key, key === 'from' || key === 'to' ? new Date(value).toISOString() : value);
  }
  return params.toString();
}

/**
 * Leads' history: incidents by the REST filters, page by page; the same filters exported as CSV
 * or NDJSON; and the statistics (counts by site, kind, severity and day; mean times to
 * acknowledge and resolve) drawn as bar charts.
 */
export function HistoryView({ api, sites }: { api: Api; sites: Site[] }) {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<Incident[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState('');
  const set = (key: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });

  const search = async (after?: string) => {
    try {
      const q = query(filters);
      const page = await api.request<{ items: Incident[]; nextCursor: string | null }>(
        'GET',
        `/incidents?${q}&limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`,
      );
      setItems(after ? [...(items ?? []), ...page.items] : page.items);
      setCursor(page.nextCursor);
      if (!after)
        setStats(
          await api.request<Stats>(
            'GET',
            `/stats?${query(filters, ['siteId', 'severity', 'kind', 'status', 'q', 'from', 'to'])}`,
          ),
        );
      setError('');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const exportAs = (format: 'csv' | 'ndjson') =>
    api
      .download(
        `/incidents/export?${query(filters)}${query(filters) ? '&' : ''}format=${format}`,
        `incidents.${format}`,
      )
      .catch((err) => setError((err as Error).message));

  return (
    <section class="history" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <Choice
          label="Site"
          value={filters.siteId}
          onChange={set('siteId')}
          any="All my sites"
          options={sites.map((s) => s.id)}
        />
        <Choice label="Status" value={filters.status} onChange={set('status')} options={STATUSES} />
        <Choice label="Minimum severity" value={filters.severity} onChange={set('severity')} options={SEVERITIES} />
        <Choice label="Kind" value={filters.kind} onChange={set('kind')} options={KINDS} />
        <label>
          From
          <input type="datetime-local" value={filters.from} onInput={set('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" value={filters.to} onInput={set('to')} />
        </label>
        <label>
          Title contains
          <input type="search" value={filters.q} onInput={set('q')} />
        </label>
        <button type="submit">Search</button>
        <button type="button" onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportAs('ndjson')}>
          Export NDJSON
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      {stats && <StatsView stats={stats} />}
      {items && (
        <table class="results">
          <caption>
            Search results ({items.length}
            {cursor ? '+' : ''})
          </caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Site</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td>
                  <a href={`#/incidents/${i.id}`}>{i.title}</a>
                </td>
                <td>{i.siteId}</td>
                <td>{i.severity}</td>
                <td>{i.status}</td>
                <td>
                  <time dateTime={i.openedAt}>{new Date(i.openedAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void search(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}

function StatsView({ stats }: { stats: Stats }) {
  const duration = (s: number | null) =>
    s === null
      ? 'n/a'
      : s < 120
        ? `${Math.round(s)} s`
        : s < 7200
          ? `${Math.round(s / 60)} min`
          : `${(s / 3600).toFixed(1)} h`;
  return (
    <section class="stats" aria-labelledby="stats-heading">
      <h3 id="stats-heading">Statistics</h3>
      <p>
        {stats.total} incidents · mean time to acknowledge <strong>{duration(stats.meanTimeToAcknowledgeS)}</strong> ·
        mean time to resolve <strong>{duration(stats.meanTimeToResolveS)}</strong>
      </p>
      <div class="charts">
        <BarChart title="By site" counts={stats.bySite} />
        <BarChart title="By kind" counts={stats.byKind} />
        <BarChart title="By severity" counts={stats.bySeverity} />
        <BarChart title="By day" counts={stats.byDay} />
      </div>
    </section>
  );
}

/** A horizontal bar chart whose bars are list items: read as text by a screen reader. */
function BarChart({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <ul aria-label={title}>
        {entries.map(([key, n]) => (
          <li key={key}>
            <span class="bar-label">{key}</span>
            <span class="chart-bar" style={{ width: `${(n / max) * 100}%` }} />
            <span class="bar-value">{n}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
