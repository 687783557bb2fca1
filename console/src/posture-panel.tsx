import { useState } from 'preact/hooks';
import type { Api, Session } from './api';
import type { Board } from './board';
import { approvableLowering, awaitingAcknowledgement, byPosture, needsAttention, postureLine } from './posture';
import type { PostureView, Site } from './types';

const time = (at: string) => <time dateTime={at}>{new Date(at).toLocaleString()}</time>;

/**
 * The threat posture of the user's sites, above every view: a site raised above normal, or with
 * a change or a lowering waiting, has a line of its own, coloured by level and saying the level
 * in words; the others are named together as normal. The site's operators acknowledge a change
 * here, and a lead approves another lead's lowering. Everything shown is what OreGuard last said
 * (REST on each connection, then the `posture` event), never kept in the browser.
 */
export function PosturePanel({
  api,
  board,
  sites,
  session,
}: {
  api: Api;
  board: Board;
  sites: Site[];
  session: Session;
}) {
  const postures = sites.map((s) => board.postures.get(s.id)).filter((p): p is PostureView => p !== undefined);
  if (postures.length === 0) return null;
  const names = new Map(sites.map((s) => [s.id, s.name]));
  const attention = postures.filter(needsAttention).sort(byPosture);
  const normal = postures.filter((p) => !needsAttention(p));
  return (
    <section class="posture-panel" aria-labelledby="posture-heading" aria-live="polite">
      <h2 id="posture-heading">Threat posture</h2>
      {attention.length > 0 && (
        <ul aria-label="Threat posture" class="postures">
          {attention.map((posture) => (
            <PostureItem
              key={posture.siteId}
              api={api}
              board={board}
              session={session}
              posture={posture}
              name={names.get(posture.siteId) ?? posture.siteId}
            />
          ))}
        </ul>
      )}
      {normal.length > 0 && (
        <p class="posture-normal">
          <span class="posture-badge posture-normal-badge">Normal</span>{' '}
          {normal.map((p) => `${names.get(p.siteId) ?? p.siteId} (${p.siteId})`).join(', ')}
        </p>
      )}
    </section>
  );
}

function PostureItem({
  api,
  board,
  session,
  posture,
  name,
}: {
  api: Api;
  board: Board;
  session: Session;
  posture: PostureView;
  name: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const line = postureLine(posture);
  const changeId = awaitingAcknowledgement(posture);
  const lowering = approvableLowering(posture, session.role, session.username);
  const site = encodeURIComponent(posture.siteId);
  // A session kept from before OreGuard gave the role has none until its next refresh: it is
  // offered Acknowledge, and OreGuard answers a lead's with 403.

  const act = async (path: string, body?: unknown) => {
    setBusy(true);
    setError('');
    try {
      board.setPosture(await api.request<PostureView>('POST', `/sites/${site}${path}`, body));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class={`posture posture-${line.level}`}>
      <p class="posture-head">
        <span class={`posture-badge posture-${line.level}-badge`}>
          {line.raised ? `Posture raised: ${line.level}` : `Posture ${line.level}`}
        </span>{' '}
        <strong>
          {name} ({posture.siteId})
        </strong>
        {line.scheme && <> · {line.scheme}</>}
        {line.floorScope && <> · floor of {line.floorScope === 'company' ? 'the whole company' : line.floorScope}</>}
        {line.expiresAt && <> · until {time(line.expiresAt)}</>}
      </p>
      {line.reason && <p class="posture-reason">{line.reason}</p>}
      {changeId && posture.change && (
        <p class="posture-ack">
          <strong>Not acknowledged yet:</strong> {posture.change.level} set by {posture.change.setBy} at{' '}
          {time(posture.change.validFrom)}.{' '}
          {session.role !== 'lead' && session.role !== 'admin' ? (
            <button type="button" disabled={busy} onClick={() => void act('/posture/acknowledge', { changeId })}>
              Acknowledge
            </button>
          ) : (
            <>Waiting for the site's operators.</>
          )}
        </p>
      )}
      {!changeId && posture.change?.acknowledgedBy && posture.change.acknowledgedAt && (
        <p class="posture-acked">
          Acknowledged by {posture.change.acknowledgedBy} at {time(posture.change.acknowledgedAt)}
        </p>
      )}
      {posture.pendingLowering && (
        <p class="posture-lowering">
          <strong>Lowering to {posture.pendingLowering.level} requested</strong> by{' '}
          {posture.pendingLowering.requestedBy}: {posture.pendingLowering.reason}.{' '}
          {lowering ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act(`/posture/lowerings/${encodeURIComponent(lowering.id)}/approve`)}
            >
              Approve
            </button>
          ) : (
            <>Waiting for a second lead's approval.</>
          )}
        </p>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}
