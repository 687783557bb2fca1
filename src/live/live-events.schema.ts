import { z } from 'zod';
import { IncidentSchema } from 'src/incidents/incidents.http';

/**
 * The server → client events of /live that tell a client its missed messages are gone, for
 * the AsyncAPI document (contract section 2 describes `incident`). A client that resumes after
 * a seq whose following messages retention has dropped gets `gap`, then `snapshot`, then every
 * message after `continueFrom`, before anything else of that site.
 */
export const LiveGapSchema = z.strictObject({
  siteId: z.string(),
  /** The seq the client resumed after. */
  after: z.int().min(0),
  /** The oldest seq of the site still in the log after `after` (the next seq when none is kept). */
  retainedFrom: z.int().min(1),
  /** The seq after which the stream continues: the `seq` of the snapshot that follows. */
  continueFrom: z.int().min(0),
  reason: z.literal('retention'),
});
export type LiveGap = z.infer<typeof LiveGapSchema>;

/** The site's state when the stream continues: its open and acknowledged incidents at `seq`. */
export const LiveSnapshotSchema = z.strictObject({
  siteId: z.string(),
  seq: z.int().min(0),
  incidents: z.array(IncidentSchema),
});
