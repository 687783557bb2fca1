import { parse } from 'yaml';
import { z } from 'zod';
import { KindSchema } from '../events/canonical-event.schema';
import { IdentifierSchema } from '../events/identifiers';
import { EscalationLimitsSchema, type EscalationLimits } from '../incidents/escalation-limits';
import { POSTURE_LEVELS, type PostureLevel } from './posture-level';

/** Raise the severity of events of these kinds (any, if absent) in these zones (any, if absent). */
const SeverityBumpSchema = z.strictObject({
  kinds: z.array(KindSchema).min(1).optional(),
  zones: z.array(IdentifierSchema).min(1).optional(),
  raise: z.int().min(1).max(4),
});

/**
 * What a level changes, planned in advance (as a facility security plan pre-defines the
 * measures to move to ISPS level 2 or 3 without delay):
 * - `escalateAfter`: escalation limits in ESCALATE_AFTER's format; each severity named waits
 *   at most this long (never longer than the configured limit); one not named keeps its limit.
 * - `severity`: events of chosen kinds and zones open and grow incidents this many levels higher.
 * - `rules.countFactor` (≤ 1): a rule's count thresholds multiplied (rounded up, at least 1);
 *   `rules.timespanFactor` (≥ 1): its time windows multiplied. Both tighten detection.
 * - `suspendSilences`: silences hold nothing back at this level.
 * - `reconciliationFactor` (≤ 1): multiplies the tolerance material reconciliation allows.
 */
export const PostureProfileSchema = z.strictObject({
  escalateAfter: z.string().optional(),
  severity: z.array(SeverityBumpSchema).max(50).default([]),
  rules: z
    .strictObject({
      countFactor: z.number().gt(0).max(1).default(1),
      timespanFactor: z.number().min(1).max(10).default(1),
    })
    .default({ countFactor: 1, timespanFactor: 1 }),
  suspendSilences: z.boolean().default(false),
  reconciliationFactor: z.number().gt(0).max(1).default(1),
});

export interface PostureProfile {
  escalateAfter: EscalationLimits | null;
  severity: z.infer<typeof SeverityBumpSchema>[];
  rules: { countFactor: number; timespanFactor: number };
  suspendSilences: boolean;
  reconciliationFactor: number;
}

export type PostureProfiles = Readonly<Record<PostureLevel, PostureProfile>>;

const ProfilesSchema = z
  .strictObject(
    Object.fromEntries(POSTURE_LEVELS.map((l) => [l, PostureProfileSchema.optional()])) as Record<
      PostureLevel,
      z.ZodOptional<typeof PostureProfileSchema>
    >,
  )
  .transform((raw, ctx): PostureProfiles => {
    const profiles = {} as Record<PostureLevel, PostureProfile>;
    for (const level of POSTURE_LEVELS) {
      const p = PostureProfileSchema.parse(raw[level] ?? {});
      let escalateAfter: EscalationLimits | null = null;
      if (p.escalateAfter !== undefined) {
        const limits = EscalationLimitsSchema.safeParse(p.escalateAfter);
        if (!limits.success) {
          ctx.addIssue({ code: 'custom', path: [level, 'escalateAfter'], message: limits.error.issues[0].message });
          return z.NEVER;
        }
        escalateAfter = limits.data;
      }
      profiles[level] = { ...p, escalateAfter };
    }
    return profiles;
  });

/**
 * OreGuard's profiles unless a file replaces them (POSTURE_PROFILES_FILE). Normal changes
 * nothing; each level above chases operators sooner and looks harder. Measures stay inside
 * OreGuard, like the plans they stand for ("should not be made public").
 */
export const DEFAULT_POSTURE_PROFILES_YAML = `
normal: {}
elevated:
  escalateAfter: low=2h,medium=30m,high=10m,critical=5m
  rules: { countFactor: 0.8, timespanFactor: 1.5 }
  reconciliationFactor: 0.8
high:
  escalateAfter: low=1h,medium=15m,high=5m,critical=2m
  severity:
    - { kinds: [drone, theft], raise: 1 }
  rules: { countFactor: 0.5, timespanFactor: 2 }
  reconciliationFactor: 0.5
exceptional:
  escalateAfter: info=1h,low=30m,medium=10m,high=2m,critical=1m
  severity:
    - { raise: 1 }
  rules: { countFactor: 0.3, timespanFactor: 3 }
  suspendSilences: true
  reconciliationFactor: 0.3
`;

export type ProfilesResult = { ok: true; profiles: PostureProfiles } | { ok: false; error: string };

/** Reads profiles from YAML (a level left out changes nothing); the error names the level and field. */
export function parsePostureProfiles(yamlText: string): ProfilesResult {
  let raw: unknown;
  try {
    raw = parse(yamlText) ?? {};
  } catch (error) {
    return { ok: false, error: `not YAML: ${(error as Error).message}` };
  }
  const parsed = ProfilesSchema.safeParse(raw);
  if (parsed.success) return { ok: true, profiles: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue.path.join('.')}: ${issue.message}` };
}

export function defaultPostureProfiles(): PostureProfiles {
  const result = parsePostureProfiles(DEFAULT_POSTURE_PROFILES_YAML);
  if (!result.ok) throw new Error(`The built-in posture profiles do not parse: ${result.error}`);
  return result.profiles;
}
