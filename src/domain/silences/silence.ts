import { z } from 'zod';
import { storableText } from '../storable-text';
import { KindSchema, type Kind } from '../events/canonical-event.schema';
import { IdentifierSchema } from '../events/identifiers';
import { WeeklyRecurrenceSchema, type WeeklyRecurrence } from './weekly-window';

/** A canonical field path: the kind object, then its fields (`cyber.signatureId`, `drone.position.altM`). */
export const FIELD_PATH_PATTERN = /^(drone|cyber|theft)(\.[A-Za-z][A-Za-z0-9]{0,63}){1,3}$/;

const MatchValueSchema = z.union([storableText().min(1).max(500), z.number(), z.boolean()]);
export type MatchValue = z.infer<typeof MatchValueSchema>;

/** Field path → the value, or any of the values, it must have. */
export const SilenceMatchSchema = z
  .record(
    z.string().regex(FIELD_PATH_PATTERN, 'a field path such as cyber.signatureId or theft.category'),
    z.union([MatchValueSchema, z.array(MatchValueSchema).min(1).max(100)]),
  )
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 fields');
export type SilenceMatch = z.infer<typeof SilenceMatchSchema>;

const InstantSchema = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

/**
 * What a lead asks to silence. The site is required; every other matcher narrows it. When it
 * applies: from `startsAt` (default: now) until `endsAt`, or a weekly recurrence (optionally
 * bounded by `startsAt`/`endsAt` too). A silence with neither an end nor a recurrence would
 * hold back forever: the company's own drones are what the allowlist is for, so one is required.
 */
export const SilenceSpecSchema = z
  .strictObject({
    siteId: IdentifierSchema,
    zone: IdentifierSchema.optional(),
    sensorId: IdentifierSchema.optional(),
    kind: KindSchema.optional(),
    match: SilenceMatchSchema.optional(),
    startsAt: InstantSchema.optional(),
    endsAt: InstantSchema.optional(),
    recurrence: WeeklyRecurrenceSchema.optional(),
    reason: storableText().trim().min(1).max(2000),
  })
  .superRefine((s, ctx) => {
    if (!s.endsAt && !s.recurrence) {
      ctx.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: 'required unless a weekly recurrence is given',
        input: s.endsAt,
      });
    }
    if (s.startsAt && s.endsAt && s.endsAt <= s.startsAt) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt', input: s.endsAt });
    }
    for (const path of Object.keys(s.match ?? {})) {
      if (s.kind && !path.startsWith(`${s.kind}.`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['match', path],
          message: `names a ${path.split('.')[0]} field, but kind is ${s.kind}`,
          input: path,
        });
      }
    }
  });
export type SilenceSpec = z.infer<typeof SilenceSpecSchema>;

/** A silence as the matcher sees it. */
export interface Silence {
  id: string;
  siteId: string;
  zone?: string;
  sensorId?: string;
  kind?: Kind;
  match?: SilenceMatch;
  startsAt?: Date;
  endsAt?: Date;
  recurrence?: WeeklyRecurrence;
}

/** One of the company's own drones at a site: its detections raise nothing. */
export interface AuthorizedDrone {
  id: string;
  siteId: string;
  uasId: string;
}
