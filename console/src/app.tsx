import { Component } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Alerts } from './alerts';
import { Api, type Session } from './api';
import { Board, type Gap } from './board';
import { IncidentDetailView } from './detail';
import { HistoryView } from './history';
import { PosturePanel } from './posture-panel';
import { SignIn } from './sign-in';
import { SitePanel } from './site-panel';
import type { Incident } from './types';

const api = new Api();
const alerts = new Alerts();

/** The incident id in the location (`#/incidents/<id>`), so a detail can be linked and reloaded. */
function selectedFromHash(): string | null {
  const match = /^#\/incidents\/([0-9a-f-]{36})$/i.exec(location.hash);
  return match ? match[1] : null;
}

export function App() {
  const [session, setSession] = useState<Session | null>(api.session);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    api.onSignedOut = (reason) => {
      setNotice(reason);
      setSession(null);
    };
    api.onSession = (s) => setSession(s);
  }, []);
  if (!session) return <SignIn api={api} notice={notice} />;
  return <Console session={session} />;
}

function Console({ session }: { session: Session }) {
  const board = useMemo(() => new Board(api), []);
  const [, setVersion] = useState(0);
  const [selected, setSelected] = useState<string | null>(selectedFromHash());
  const [history, setHistory] = useState(location.hash === '#/history');
  const [muted, setMuted] = useState(alerts.muted);

  useEffect(() => {
    const offChange = board.subscribe(() => setVersion((v) => v + 1));
    const offMessage = board.onMessage((m) => alerts.onMessage(m));
    const onHash = () => {
      setSelected(selectedFromHash());
      setHistory(location.hash === '#/history');
    };
    window.addEventListener('hashchange', onHash);
    board.start();
    return () => {
      offChange();
      offMessage();
      window.removeEventListener('hashchange', onHash);
      board.stop();
    };
  }, [board]);

  const incidents = board.list();
  useEffect(() => {
    document.title = alerts.title(incidents);
  });

  return (
    <div class="console">
      <header class="bar">
        <h1>OreGuard</h1>
        <nav class="nav" aria-label="Views">
          <a href="#/" aria-current={history ? undefined : 'page'}>
            Board
          </a>
          <a href="#/history" aria-current={history ? 'page' : undefined}>
            History
          </a>
        </nav>
        <ConnectionState board={board} />
        <span class="user">Signed in as {session.username}</span>
        <button
          type="button"
          aria-pressed={muted}
          onClick={() => {
            alerts.setMuted(!muted);
            setMuted(!muted);
          }}
        >
          {muted ? 'Sound off' : 'Sound on'}
        </button>
        <button type="button" onClick={() => api.signOut('')}>
          Sign out
        </button>
      </header>
      <GapBanner gaps={board.gaps} />
      {board.error && (
        <p role="alert" class="error">
          {board.error}
        </p>
      )}
      <PosturePanel api={api} board={board} sites={board.sites} session={session} />
      {history ? (
        <main>
          <HistoryView api={api} sites={board.sites} />
        </main>
      ) : (
        <main class="layout">
          <section class="board" aria-labelledby="board-heading">
            <h2 id="board-heading">
              Open incidents <span class="count">({incidents.length})</span>
            </h2>
            <IncidentList incidents={incidents} selected={selected} />
            <SitePanel api={api} board={board} sites={board.sites} />
          </section>
          {selected && (
            <IncidentDetailView
              key={selected}
              api={api}
              board={board}
              id={selected}
              session={session}
              onClose={() => {
                location.hash = '';
              }}
            />
          )}
        </main>
      )}
    </div>
  );
}

function ConnectionState({ board }: { board: Board }) {
  const text = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Connection lost: reconnecting…',
    offline: 'Offline',
  }[board.connection];
  return (
    <span role="status" aria-label="Connection" class={`connection connection-${board.connection}`}>
      {text}
    </span>
  );
}

/**
 * The gaps of this session: never dismissed, only collapsed, so a board that lacks changes
 * always says so. Each names its site and the seq range missed.
 */
function GapBanner({ gaps }: { gaps: Gap[] }) {
  const [collapsed, setCollapsed] = useState(false);
  if (gaps.length === 0) return null;
  return (
    <section role="alert" aria-label="Gaps in the live record" class="gaps">
      <p>
        <strong>{gaps.length === 1 ? 'A gap' : `${gaps.length} gaps`} in the live record:</strong> the board shows the
        current state of the site, but the changes missed are not shown one by one.{' '}
        <button type="button" aria-expanded={!collapsed} onClick={() => setCollapsed(!collapsed)}>
          {collapsed ? 'Show gaps' : 'Collapse gaps'}
        </button>
      </p>
      {!collapsed && (
        <ul>
          {gaps.map((gap) => (
            <li key={`${gap.siteId}-${gap.from}-${gap.at}`}>
              Site {gap.siteId}: live messages {gap.from === gap.to ? gap.from : `${gap.from}–${gap.to}`}{' '}
              {gap.reason === 'ahead'
                ? "applied here are beyond OreGuard's record, which went back (a restored database?)"
                : `missed (${gap.reason === 'retention' ? 'no longer kept by OreGuard' : 'not sent again when asked'})`}
              , at {new Date(gap.at).toLocaleTimeString()}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function IncidentList({ incidents, selected }: { incidents: Incident[]; selected: string | null }) {
  if (incidents.length === 0) return <p class="empty">No open incidents on your sites.</p>;
  return (
    <ul aria-label="Incidents" class="incidents">
      {incidents.map((incident) => (
        <IncidentItem key={incident.id} incident={incident} selected={incident.id === selected} />
      ))}
    </ul>
  );
}

/**
 * One board item, drawn again only when its incident changed (each live message brings a new
 * incident object) or it was (un)selected: a busy board redraws the few items that changed.
 */
class IncidentItem extends Component<{ incident: Incident; selected: boolean }> {
  shouldComponentUpdate(next: { incident: Incident; selected: boolean }): boolean {
    return next.incident !== this.props.incident || next.selected !== this.props.selected;
  }

  render() {
    const { incident, selected } = this.props;
    return (
      <li
        class={`incident sev-${incident.severity}${selected ? ' selected' : ''}`}
        aria-current={selected ? 'true' : undefined}
      >
        <a href={`#/incidents/${incident.id}`}>
          <span class="title">{incident.title}</span>
        </a>
        <span class="meta">
          <span class={`badge sev-${incident.severity}`}>{incident.severity}</span> {incident.status} ·{' '}
          {incident.siteId} · {incident.eventCount} event{incident.eventCount === 1 ? '' : 's'} · last{' '}
          <time dateTime={incident.lastSeenAt}>{new Date(incident.lastSeenAt).toLocaleTimeString()}</time>
          {incident.assignee && <> · assigned</>}
        </span>
      </li>
    );
  }
}
