import { z } from 'zod';
import { INCIDENT_EXAMPLE, IncidentSchema } from 'src/incidents/incidents.http';
import type { ChannelDeclaration } from 'src/platform/asyncapi';
import type { LiveMessage } from './live-log';
import { LiveAheadGapSchema, LiveRetentionGapSchema, LiveSnapshotSchema } from './live-events.schema';
import { PostureViewSchema } from 'src/posture/posture.http';
import { POSTURE_EXAMPLE } from 'src/posture/posture.routes';
import { ResumeSchema, type ServerToClientEvents } from './live.gateway';

/** The `incident` message (contract §2): what happened to an incident, and the incident as it now is. */
export const LiveMessageSchema = z
  .object({
    siteId: z.string(),
    seq: z.int().min(1).meta({
      description: 'Counts the messages of one site: 1, 2, 3, … with no gap and no reordering, in commit order',
    }),
    type: z.enum(['opened', 'updated', 'escalated', 'acknowledged', 'assigned', 'noted', 'resolved', 'reopened']),
    incident: IncidentSchema,
  })
  .meta({ id: 'LiveMessage' });

/** The acknowledgement of `resume`. */
const ResumeAckSchema = z.object({
  ok: z.boolean(),
  sites: z.array(z.string()).optional().meta({ description: 'The sites resumed: those named that the client may see' }),
  error: z.string().optional().meta({ description: 'Why not: the field at fault, or not connected' }),
});

/** The `posture` event: a site's threat posture changed, expired, was acknowledged or went unacknowledged. Not numbered. */
export const LivePostureSchema = z.object({
  siteId: z.string(),
  type: z.enum(['changed', 'expired', 'floor-changed', 'lowering-requested', 'acknowledged', 'unacknowledged']),
  posture: PostureViewSchema,
});

export const LiveErrorSchema = z.object({ code: z.string(), message: z.string(), retryAfterS: z.int().optional() });

/** The /live socket.io events of contract §2. */
export const LIVE_CHANNELS: ChannelDeclaration[] = [
  {
    id: 'liveIncident',
    server: 'live',
    address: 'incident',
    description:
      'Incident changes of the sites the client may see (operators: their own sites; leads and admins: all).',
    action: 'send',
    operationId: 'sendIncidentMessage',
    summary: 'Push an incident change',
    messages: [
      {
        name: 'IncidentMessage',
        title: 'Incident change',
        summary: 'opened, updated (events joined), escalated, acknowledged, assigned, noted, resolved or reopened',
        schema: LiveMessageSchema,
        io: 'output',
        example: { siteId: 'kolwezi-1', seq: 1042, type: 'opened', incident: INCIDENT_EXAMPLE },
      },
    ],
  },
  {
    id: 'liveResume',
    server: 'live',
    address: 'resume',
    description:
      'A client that reconnects names the last seq it holds per site; it gets every message after it, in order, then the live ones.',
    action: 'receive',
    operationId: 'receiveResume',
    summary: 'Replay what a reconnecting client missed',
    messages: [
      {
        name: 'Resume',
        title: 'Resume',
        summary: 'The last seq held per site',
        schema: ResumeSchema,
        io: 'input',
        example: { after: { 'kolwezi-1': 1037, 'tarkwa-2': 0 } },
      },
    ],
    reply: {
      name: 'ResumeAck',
      title: 'Resume acknowledgement',
      summary: 'The sites resumed, or why not',
      schema: ResumeAckSchema,
      io: 'output',
      example: { ok: true, sites: ['kolwezi-1'] },
    },
  },
  {
    id: 'liveError',
    server: 'live',
    address: 'error',
    description:
      'A refused client message (over RATE_LIMIT_WS_PER_MINUTE); a client that keeps flooding is disconnected.',
    action: 'send',
    operationId: 'sendLiveError',
    summary: 'Tell a client its message was refused',
    messages: [
      {
        name: 'LiveError',
        title: 'Refusal',
        summary: 'code, message and (rate-limited) when to retry',
        schema: LiveErrorSchema,
        io: 'output',
        example: {
          code: 'rate-limited',
          message: 'Too many messages: at most 120 a minute; retry in 12 s',
          retryAfterS: 12,
        },
      },
    ],
  },
  {
    id: 'liveGap',
    server: 'live',
    address: 'gap',
    description:
      'Sent instead of a silent gap or a silent wait when a client resumes after a seq the stream cannot go on from: one whose following messages retention has dropped (`retention`), or one the site has not reached, as after the database was restored from a backup (`ahead`). Then `snapshot`, then every message after `continueFrom`.',
    action: 'send',
    operationId: 'sendLiveGap',
    summary: 'Tell a resuming client its stream cannot go on from where it was',
    messages: [
      {
        name: 'LiveGap',
        title: 'Messages no longer kept',
        summary: 'The seq asked, the oldest kept, and where the stream continues',
        schema: LiveRetentionGapSchema,
        io: 'output',
        example: { siteId: 'kolwezi-1', after: 1037, retainedFrom: 5200, continueFrom: 5311, reason: 'retention' },
      },
      {
        name: 'LiveAheadGap',
        title: 'Resumed ahead of the site',
        summary: "The seq asked, beyond the site's last, and the site's last seq, where the stream continues",
        schema: LiveAheadGapSchema,
        io: 'output',
        example: { siteId: 'kolwezi-1', after: 1037, continueFrom: 980, reason: 'ahead' },
      },
    ],
  },
  {
    id: 'liveSnapshot',
    server: 'live',
    address: 'snapshot',
    description:
      "The site's open and acknowledged incidents at `seq`, after a `gap`: the state the stream continues from.",
    action: 'send',
    operationId: 'sendLiveSnapshot',
    summary: "Give a resuming client the site's current state",
    messages: [
      {
        name: 'LiveSnapshot',
        title: 'Current state',
        summary: 'Open and acknowledged incidents, as REST shows them',
        schema: LiveSnapshotSchema,
        io: 'output',
        example: { siteId: 'kolwezi-1', seq: 5311, incidents: [INCIDENT_EXAMPLE] },
      },
    ],
  },
  {
    id: 'livePosture',
    server: 'live',
    address: 'posture',
    description:
      "A site's threat posture changed, expired, was acknowledged, or waits for a lowering's approval: to everyone who may see the site; `unacknowledged` to leads and admins only. Not numbered (the incident seq is untouched): a client that was away reads GET /sites/{siteId}/posture.",
    action: 'send',
    operationId: 'sendPostureNotice',
    summary: "Push a site's posture",
    messages: [
      {
        name: 'PostureNotice',
        title: 'Posture notice',
        summary: 'What happened, and the posture as it now stands',
        schema: LivePostureSchema,
        io: 'output',
        example: { siteId: 'kolwezi-1', type: 'changed', posture: POSTURE_EXAMPLE },
      },
    ],
  },
];

/** Compile-time: the `incident` message the gateway emits is what LiveMessageSchema declares. */
const liveMessageMatches: LiveMessage extends z.infer<typeof LiveMessageSchema> ? true : never = true;
void liveMessageMatches;

/** Compile-time: the `error` event the gateway emits is what LiveErrorSchema declares. */
const liveErrorMatches: Parameters<ServerToClientEvents['error']>[0] extends z.infer<typeof LiveErrorSchema>
  ? true
  : never = true;
void liveErrorMatches;

/** Compile-time: the `posture` event the gateway emits is what LivePostureSchema declares. */
const livePostureMatches: Parameters<ServerToClientEvents['posture']>[0] extends z.infer<typeof LivePostureSchema>
  ? true
  : never = true;
void livePostureMatches;
