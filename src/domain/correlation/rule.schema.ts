import { z } from 'zod';
import { TimespanSchema } from './timespan';

/**
 * The rule language: Sigma rules and Sigma correlation rules (specification v2), as YAML
 * documents, plus a few OreGuard extensions that Sigma lacks, each marked below.
 *
 * Sigma's descriptive attributes (status, author, date, references, tags, falsepositives,
 * logsource, …) are accepted and ignored; the parts that change behaviour are checked strictly.
 */

/** Sigma levels; `informational` becomes OreGuard's `info` severity. */
export const LevelSchema = z.enum(['informational', 'low', 'medium', 'high', 'critical']);
export type Level = z.infer<typeof LevelSchema>;

const RuleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits and _ . : - (a UUID or a slug)');
const RuleNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits and _ . -');

const ScalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof ScalarSchema>;
/** `field|modifier: value` or a list of values (any of them). */
const SelectionValueSchema = z.union([ScalarSchema, z.array(ScalarSchema).min(1)]);
const SelectionMapSchema = z.record(z.string().min(1), SelectionValueSchema);
/** A map (all of its fields match) or a list of maps (any of them matches). */
export const SelectionSchema = z.union([SelectionMapSchema, z.array(SelectionMapSchema).min(1)]);
export type Selection = z.infer<typeof SelectionSchema>;

const DetectionSchema = z
  .record(z.string(), z.unknown())
  .superRefine((detection, ctx) => {
    if (typeof detection.condition !== 'string' || detection.condition.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: 'a condition naming the selections, such as "selection and not filter"',
      });
    }
    for (const [name, selection] of Object.entries(detection)) {
      if (name === 'condition') continue;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'a selection name is letters, digits and _' });
        continue;
      }
      // Checked field by field, so a fault names its field rather than the whole selection.
      const maps = Array.isArray(selection) ? selection : [selection];
      if (maps.length === 0)
        ctx.addIssue({ code: 'custom', path: [name], message: 'a selection lists at least one map' });
      maps.forEach((map, i) => {
        const at = Array.isArray(selection) ? [name, i] : [name];
        if (map === null || typeof map !== 'object' || Array.isArray(map)) {
          ctx.addIssue({
            code: 'custom',
            path: at,
            message: 'a selection is a map of field: value, or a list of such maps',
          });
          return;
        }
        for (const [field, value] of Object.entries(map)) {
          if (!SelectionValueSchema.safeParse(value).success) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, field],
              message: 'a value is a string, number, boolean or null, or a list of them',
            });
          }
        }
      });
    }
  })
  .transform((detection) => {
    const { condition, ...selections } = detection;
    return { condition: condition as string, selections: selections as Record<string, Selection> };
  });

/**
 * OreGuard extension on a Sigma rule (not in Sigma): `zone-blind: true` matches only events
 * whose zone is blind (a camera or sensor covering it offline) at the event's time, as the
 * correlation context reports; `raise-severity: n` makes each match the event's own severity
 * raised n levels (capped at critical), never below the rule's `level`.
 */
export const DetectionExtensionSchema = z.strictObject({
  'zone-blind': z.boolean().optional(),
  'raise-severity': z.int().min(1).max(4).optional(),
});

const metadata = {
  title: z.string().min(1).max(256),
  id: RuleIdSchema,
  name: RuleNameSchema.optional(),
  description: z.string().optional(),
  level: LevelSchema.optional(),
};

export const DetectionRuleSchema = z.looseObject({
  ...metadata,
  detection: DetectionSchema,
  oreguard: DetectionExtensionSchema.optional(),
});
export type DetectionRuleDocument = z.infer<typeof DetectionRuleSchema>;

const count = z.int().min(0);
const CountConditionSchema = z
  .strictObject({
    gt: count.optional(),
    gte: count.optional(),
    lt: count.optional(),
    lte: count.optional(),
    eq: count.optional(),
    field: z.string().min(1).optional(),
  })
  .refine((c) => ['gt', 'gte', 'lt', 'lte', 'eq'].some((k) => c[k as keyof typeof c] !== undefined), {
    message: 'at least one of gt, gte, lt, lte, eq',
  });
export type CountCondition = z.infer<typeof CountConditionSchema>;

/** OreGuard extension (not in Sigma): `duration`'s condition, the least time a group must be seen. */
const DurationConditionSchema = z.strictObject({ gte: TimespanSchema });

export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'duration'] as const;

const CorrelationSchema = z
  .strictObject({
    /** `duration` is an OreGuard extension; the others are Sigma's. */
    type: z.enum(CORRELATION_TYPES),
    rules: z.array(z.string().min(1)).min(1),
    'group-by': z.array(z.string().min(1)).optional(),
    timespan: TimespanSchema,
    condition: z.unknown().optional(),
    aliases: z.record(z.string().min(1), z.record(z.string().min(1), z.string().min(1))).optional(),
    /** Sigma's `generate`: also report the referenced rules' own matches. */
    generate: z.boolean().optional(),
  })
  .transform((c, ctx) => {
    const condition = parseCondition(c.type, c.condition, c.rules.length, ctx);
    return { ...c, groupBy: c['group-by'] ?? [], aliases: c.aliases ?? {}, generate: c.generate ?? false, condition };
  });

export type ParsedCondition =
  { kind: 'count'; bounds: CountCondition; field?: string } | { kind: 'duration'; minMs: number };

function parseCondition(
  type: (typeof CORRELATION_TYPES)[number],
  raw: unknown,
  ruleCount: number,
  ctx: z.RefinementCtx,
): ParsedCondition {
  const fail = (message: string): ParsedCondition => {
    ctx.addIssue({ code: 'custom', path: ['condition'], message });
    return { kind: 'count', bounds: { gte: 1 } };
  };
  if (type === 'duration') {
    const parsed = DurationConditionSchema.safeParse(raw);
    return parsed.success
      ? { kind: 'duration', minMs: parsed.data.gte }
      : fail('duration takes {gte: <timespan>}, such as {gte: 10m}');
  }
  if (type === 'temporal_ordered') {
    if (raw !== undefined) return fail('temporal_ordered takes no condition: every rule must match, in order');
    return { kind: 'count', bounds: { gte: ruleCount } };
  }
  if (raw === undefined) {
    if (type === 'temporal') return { kind: 'count', bounds: { gte: ruleCount } };
    return fail(`${type} needs a condition, such as {gte: 10}`);
  }
  const parsed = CountConditionSchema.safeParse(raw);
  if (!parsed.success) return fail(parsed.error.issues.map((i) => i.message).join('; '));
  const { field, ...bounds } = parsed.data;
  if (type === 'value_count' && !field) return fail('value_count needs the field whose distinct values it counts');
  if (type !== 'value_count' && field) return fail(`field belongs to value_count, not ${type}`);
  return { kind: 'count', bounds, field };
}

export const CorrelationRuleSchema = z.looseObject({
  ...metadata,
  correlation: CorrelationSchema,
});
export type CorrelationRuleDocument = z.infer<typeof CorrelationRuleSchema>;
