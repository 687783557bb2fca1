import { z } from 'zod';
import { IncidentSchema } from 'src/incidents/incidents.http';

/**
 * The server → client events of /live that tell a client its stream cannot simply go on from
 * where it resumed, for the AsyncAPI document (contract section 2 describes `incident`). A
 * client that resumes after a seq whose following messages retention has dropped, or after a
 * seq the site has not reached (the database was restored from a backup, or the client is at
 * fault), gets `gap`, then `snapshot`, then every message after `continueFrom`, before anything
 * else of that site.
 */
export const LiveRetentionGapSchema = z.strictObject({
  siteId: z.string(),
  /** The seq the client resumed after. */
  after: z.int().min(0),
  /** The oldest seq of the site still in the log after `after` (the next seq when none is kept). */
  retainedFrom: z.int().min(1),
  /** The seq after which the stream continues: the `seq` of the snapshot that follows. */
  continueFrom: z.int().min(0),
  reason: z.literal('retention'),
});

/** The client resumed after a seq beyond the site's last: its numbers are not the server's. */
export const LiveAheadGapSchema = z.strictObject({
  siteId: z.string(),
  /** The seq the client resumed after. */
  after: z.int().min(1),
  /** The site's last seq, after which the stream continues: the `seq` of the snapshot that follows. */
  continueFrom: z.int().min(0),
  reason: z.literal('ahead'),
});

export const LiveGapSchema = z.discriminatedUnion('reason', [LiveRetentionGapSchema, LiveAheadGapSchema]);
export type LiveGap = z.infer<typeof LiveGapSchema>;

/** The site's state when the stream continues: its open and acknowledged incidents at `seq`. */
export const LiveSnapshotSchema = z.strictObject({
  siteId: z.string(),
  seq: z.int().min(0),
  incidents: z.array(IncidentSchema),
});
