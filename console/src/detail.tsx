import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api, Session } from './api';
import type { Board } from './board';
import { SiteMapView } from './site-map';
import type { IncidentDetail, IncidentEvent, TimelineEntry } from './types';

/**
 * One incident: what it is, why (its rules and the reasons its timeline gives), its timeline,
 * its events (raw payload on demand) and the lifecycle actions. Read again from REST whenever a
 * live message names it, so an action taken on another console shows here too.
 */
export function IncidentDetailView(props: {
  api: Api;
  board: Board;
  id: string;
  session: Session;
  onClose: () => void;
}) {
  const { api, board, id } = props;
  const [detail, setDetail] = useState<IncidentDetail | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [resolution, setResolution] = useState('true_positive');
  const heading = useRef<HTMLHeadingElement>(null);
  const focused = useRef(false);
  // Opened from the board: keyboard focus moves to the incident (once, not on each live update).
  useEffect(() => {
    if (detail && !focused.current && heading.current) {
      focused.current = true;
      heading.current.focus();
    }
  }, [detail]);

  const load = async () => {
    try {
      setDetail(await api.request<IncidentDetail>('GET', `/incidents/${id}`));
      setError('');
    } catch (err) {
      setError(`Could not read the incident: ${(err as Error).message}`);
    }
  };
  useEffect(() => {
    void load();
    return board.onMessage((m) => {
      if (m.incident.id === id) void load();
    });
  }, [id]);

  const act = async (path: string, body?: unknown) => {
    setBusy(true);
    try {
      await api.request('POST', `/incidents/${id}/${path}`, body ?? {});
      setError('');
      await load();
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (!detail) {
    return (
      <section class="detail" aria-label="Incident detail">
        {error ? <p role="alert">{error}</p> : <p>Loading…</p>}
      </section>
    );
  }
  const reasons = detail.timeline.map((t) => t.details?.reason).filter((r): r is string => typeof r === 'string');
  const open = detail.status === 'open';
  const resolved = detail.status === 'resolved';
  return (
    <section class="detail" aria-labelledby="detail-title">
      <header>
        <h2 id="detail-title" ref={heading} tabIndex={-1}>
          {detail.title}
        </h2>
        <button type="button" onClick={props.onClose}>
          Close detail
        </button>
      </header>
      <dl class="facts">
        <dt>Severity</dt>
        <dd class={`badge sev-${detail.severity}`}>{detail.severity}</dd>
        <dt>Status</dt>
        <dd data-testid="status">{detail.status}</dd>
        <dt>Site</dt>
        <dd>{detail.siteId}</dd>
        <dt>Kinds</dt>
        <dd>{detail.kinds.join(', ')}</dd>
        <dt>Rules</dt>
        <dd>{detail.ruleIds.join(', ')}</dd>
        <dt>Assignee</dt>
        <dd>
          {detail.assignee === null
            ? 'nobody'
            : detail.assignee === props.session.userId
              ? `you (${props.session.username})`
              : detail.assignee}
        </dd>
        {detail.resolution && (
          <>
            <dt>Resolution</dt>
            <dd>{detail.resolution}</dd>
          </>
        )}
      </dl>
      {reasons.length > 0 && (
        <>
          <h3>Why</h3>
          <ul>
            {reasons.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </>
      )}
      {error && <p role="alert">{error}</p>}
      <div class="actions" role="group" aria-label="Actions">
        <button type="button" disabled={busy || !open} onClick={() => void act('acknowledge')}>
          Acknowledge
        </button>
        <button
          type="button"
          disabled={busy || resolved}
          title="Assign to me"
          onClick={() => void act('assign', { userId: props.session.userId })}
        >
          Assign
        </button>
        <button type="button" disabled={busy || !resolved} onClick={() => void act('reopen')}>
          Reopen
        </button>
      </div>
      <form
        class="note"
        onSubmit={(e) => {
          e.preventDefault();
          void act('notes', { text: note }).then((ok) => ok && setNote(''));
        }}
      >
        <label>
          Note
          <textarea name="note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy || note.trim() === ''}>
          Add note
        </button>
      </form>
      <form
        class="resolve"
        onSubmit={(e) => {
          e.preventDefault();
          void act('resolve', { resolution });
        }}
      >
        <label>
          Resolution
          <select name="resolution" value={resolution} onChange={(e) => setResolution(e.currentTarget.value)}>
            <option value="true_positive">True positive</option>
            <option value="false_positive">False positive</option>
            <option value="duplicate">Duplicate</option>
          </select>
        </label>
        <button type="submit" disabled={busy || resolved}>
          Resolve
        </button>
      </form>
      <Evidence api={api} id={id} />
      <h3>Site map</h3>
      <SiteMapView api={api} board={board} detail={detail} />
      <h3>Timeline</h3>
      <ol aria-label="Timeline" class="timeline">
        {detail.timeline.map((entry, i) => (
          <TimelineItem key={i} entry={entry} />
        ))}
      </ol>
      <h3>Events</h3>
      <ul aria-label="Events" class="events">
        {detail.events.map((event) => (
          <EventItem key={event.eventId} event={event} />
        ))}
      </ul>
    </section>
  );
}

function TimelineItem({ entry }: { entry: TimelineEntry }) {
  const details = entry.details && Object.keys(entry.details).length > 0 ? summary(entry.details) : '';
  return (
    <li>
      <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time> <strong>{entry.action}</strong>
      {entry.actor && <> by {entry.actor}</>}
      {details && <span class="details"> · {details}</span>}
    </li>
  );
}

function EventItem({ event }: { event: IncidentEvent }) {
  const [open, setOpen] = useState(false);
  const payloadId = `payload-${event.eventId}`;
  return (
    <li>
      <span>
        <time dateTime={event.occurredAt}>{new Date(event.occurredAt).toLocaleTimeString()}</time> {event.kind}
        {event.severity && <> · {event.severity}</>}
        {event.zone && <> · zone {event.zone}</>} · {event.gatewayId}/{event.sensorId}
      </span>{' '}
      <button type="button" aria-expanded={open} aria-controls={payloadId} onClick={() => setOpen(!open)}>
        {open ? 'Hide payload' : 'Raw payload'}
      </button>
      {open && (
        <pre id={payloadId} tabIndex={0} aria-label={`Payload of event ${event.eventId}`}>
          {JSON.stringify(event, null, 2)}
        </pre>
      )}
    </li>
  );
}

function summary(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([k]) => k !== 'reason' && k !== 'events' && k !== 'eventIds')
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ')
    .slice(0, 300);
}

type ChainReport =
  | { intact: true; entries: number; checkpoint: { signatureValid?: boolean } | null }
  | { intact: false; entries: number; firstBroken: { reason: string } };

/** The evidence bundle, downloaded, and the hash-chain check of the timeline it rests on. */
function Evidence({ api, id }: { api: Api; id: string }) {
  const [report, setReport] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    const r = await api.request<ChainReport>('GET', `/incidents/${id}/verify`);
    return r.intact
      ? `Timeline verified: its hash chain of ${r.entries} entries is intact.`
      : `Timeline does NOT verify: ${r.firstBroken.reason}`;
  };
  const run = async (download: boolean) => {
    setBusy(true);
    try {
      if (download) await api.download(`/incidents/${id}/evidence`, `incident-${id}-evidence.json`);
      setReport((download ? 'Evidence bundle downloaded. ' : '') + (await verify()));
    } catch (err) {
      setReport(`Failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="evidence">
      <button type="button" disabled={busy} onClick={() => void run(false)}>
        Verify timeline
      </button>{' '}
      <button type="button" disabled={busy} onClick={() => void run(true)}>
        Download evidence
      </button>
      {report && <p role="status">{report}</p>}
    </div>
  );
}
