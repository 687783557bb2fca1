import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import type { Severity } from '../events/canonical-event.schema';
import { compileDetection, DetectionError, type EventPredicate } from './detection';
import { fieldGetter, type FieldGetter } from './field-path';
import {
  CorrelationRuleSchema,
  DetectionRuleSchema,
  type CorrelationRuleDocument,
  type DetectionRuleDocument,
  type Level,
  type ParsedCondition,
} from './rule.schema';

/** One fault in a rule file: which file, which document and rule, which field, and why. */
export interface RuleProblem {
  file: string;
  /** 1-based position of the YAML document in its file. */
  document: number;
  ruleId?: string;
  /** Dotted path of the field at fault, such as `correlation.timespan`; empty for the whole document. */
  field: string;
  message: string;
}

export class RuleSetError extends Error {
  constructor(readonly problems: readonly RuleProblem[]) {
    super(problems.map(describeProblem).join('\n'));
    this.name = 'RuleSetError';
  }
}

export function describeProblem(p: RuleProblem): string {
  const rule = p.ruleId ? `, rule ${p.ruleId}` : '';
  const field = p.field ? `, ${p.field}` : '';
  return `${p.file} (document ${p.document}${rule}${field}): ${p.message}`;
}

/** A rule document as parsed from a file, before references are resolved. */
export type RuleDocument =
  | { type: 'detection'; file: string; document: number; rule: DetectionRuleDocument }
  | { type: 'correlation'; file: string; document: number; rule: CorrelationRuleDocument };

export const SEVERITY_OF_LEVEL: Record<Level, Severity> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

interface CompiledRuleBase {
  id: string;
  name?: string;
  title: string;
  description?: string;
  file: string;
  /** Whether this rule's own matches are reported (Sigma: not when only a correlation uses it, unless `generate`). */
  standalone: boolean;
  /** The correlations that use this rule's matches. */
  consumers: { rule: CompiledCorrelationRule; ref: number }[];
}

export interface CompiledDetectionRule extends CompiledRuleBase {
  type: 'detection';
  level?: Severity;
  matches: EventPredicate;
  zoneBlind: boolean;
  raiseSeverity: number;
}

export type CorrelationType = CorrelationRuleDocument['correlation']['type'];

export interface CompiledCorrelationRule extends CompiledRuleBase {
  type: 'correlation';
  correlationType: CorrelationType;
  severity: Severity;
  refs: CompiledRule[];
  /** Output names of the group-by entries (a field path or an alias). */
  groupBy: string[];
  /** groupGetters[ref][i]: reads group-by entry i from a match of referenced rule `ref`. */
  groupGetters: FieldGetter[][];
  /** value_count: reads the counted field from a match of each referenced rule. */
  valueGetters?: FieldGetter[];
  valueField?: string;
  timespanMs: number;
  condition: ParsedCondition;
  /** How far back from a match's end its window can reach. */
  horizonMs: number;
  /**
   * True when more events can only add matches (no lt, lte or eq): such a rule is decided as
   * events arrive. Otherwise a window is decided once the watermark has passed it.
   */
  monotone: boolean;
}

export type CompiledRule = CompiledDetectionRule | CompiledCorrelationRule;

export interface RuleSet {
  /** Every rule, each after the rules it references. */
  rules: readonly CompiledRule[];
  detections: readonly CompiledDetectionRule[];
  correlations: readonly CompiledCorrelationRule[];
  byId: ReadonlyMap<string, CompiledRule>;
}

/** Parses one YAML file (one or more `---`-separated documents); throws RuleSetError naming every fault. */
export function parseRuleFile(text: string, file: string): RuleDocument[] {
  const problems: RuleProblem[] = [];
  const documents: RuleDocument[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((doc, index) => {
    const document = index + 1;
    if (doc.errors.length > 0) {
      problems.push({ file, document, field: '', message: `not valid YAML: ${doc.errors[0].message}` });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ file, document, field: '', message: 'a rule is a YAML mapping' });
      return;
    }
    const record = value as Record<string, unknown>;
    const ruleId = typeof record.id === 'string' ? record.id : undefined;
    const isCorrelation = 'correlation' in record;
    if (isCorrelation && 'detection' in record) {
      problems.push({
        file,
        document,
        ruleId,
        field: '',
        message: 'a rule has either detection or correlation, not both',
      });
      return;
    }
    if (!isCorrelation && !('detection' in record)) {
      problems.push({
        file,
        document,
        ruleId,
        field: '',
        message: 'a rule needs a detection or a correlation section',
      });
      return;
    }
    const result = isCorrelation ? CorrelationRuleSchema.safeParse(record) : DetectionRuleSchema.safeParse(record);
    if (!result.success) {
      problems.push(...issuesToProblems(result.error.issues, file, document, ruleId));
      return;
    }
    documents.push(
      isCorrelation
        ? { type: 'correlation', file, document, rule: result.data as CorrelationRuleDocument }
        : { type: 'detection', file, document, rule: result.data as DetectionRuleDocument },
    );
  });
  if (problems.length > 0) throw new RuleSetError(problems);
  return documents;
}

function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  document: number,
  ruleId?: string,
): RuleProblem[] {
  return issues.map((issue) => ({
    file,
    document,
    ruleId,
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses several files into one rule set. */
export function parseRuleFiles(files: readonly { name: string; text: string }[]): RuleSet {
  const documents: RuleDocument[] = [];
  const problems: RuleProblem[] = [];
  for (const f of files) {
    try {
      documents.push(...parseRuleFile(f.text, f.name));
    } catch (error) {
      if (!(error instanceof RuleSetError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  return buildRuleSet(documents);
}

/** For tests and one-file sets: parse and build in one step. */
export function parseRules(text: string, file = 'rules.yml'): RuleSet {
  return buildRuleSet(parseRuleFile(text, file));
}

/**
 * Compiles the documents and resolves references (by id or name). Unknown references, cycles,
 * duplicate ids or names, and aliases that do not cover every referenced rule are errors.
 */
export function buildRuleSet(documents: readonly RuleDocument[]): RuleSet {
  const problems: RuleProblem[] = [];
  const where = (d: RuleDocument, field: string, message: string) =>
    problems.push({ file: d.file, document: d.document, ruleId: d.rule.id, field, message });

  const byKey = new Map<string, RuleDocument>();
  for (const d of documents) {
    for (const [key, field] of [
      [d.rule.id, 'id'],
      [d.rule.name, 'name'],
    ] as const) {
      if (key === undefined) continue;
      const other = byKey.get(key);
      if (other && other !== d) {
        where(d, field, `"${key}" is already the id or name of a rule in ${other.file} (document ${other.document})`);
      } else byKey.set(key, d);
    }
  }

  // References and cycles, before compiling anything.
  const state = new Map<RuleDocument, 'visiting' | 'done'>();
  const ordered: RuleDocument[] = [];
  const visit = (d: RuleDocument, trail: string[]): void => {
    if (state.get(d) === 'done') return;
    if (state.get(d) === 'visiting') {
      where(d, 'correlation.rules', `references form a cycle: ${[...trail, d.rule.id].join(' → ')}`);
      return;
    }
    state.set(d, 'visiting');
    if (d.type === 'correlation') {
      d.rule.correlation.rules.forEach((ref, i) => {
        const target = byKey.get(ref);
        if (!target) where(d, `correlation.rules.${i}`, `"${ref}" is not the id or name of any loaded rule`);
        else visit(target, [...trail, d.rule.id]);
      });
    }
    state.set(d, 'done');
    ordered.push(d);
  };
  for (const d of documents) visit(d, []);
  if (problems.length > 0) throw new RuleSetError(problems);

  const compiled = new Map<RuleDocument, CompiledRule>();
  const generated = new Set<RuleDocument>();
  const referenced = new Set<RuleDocument>();
  for (const d of ordered) {
    if (d.type === 'detection') {
      const rule = compileDetectionRule(d, where);
      if (rule) compiled.set(d, rule);
      continue;
    }
    const refs = d.rule.correlation.rules.map((ref) => byKey.get(ref)!);
    for (const r of refs) {
      referenced.add(r);
      if (d.rule.correlation.generate) generated.add(r);
    }
    const refRules = refs.map((r) => compiled.get(r));
    if (refRules.some((r) => r === undefined)) continue; // a referenced rule already failed
    const rule = compileCorrelationRule(d, refRules as CompiledRule[], where);
    if (rule) compiled.set(d, rule);
  }
  if (problems.length > 0) throw new RuleSetError(problems);

  const rules = ordered.map((d) => compiled.get(d)!);
  for (const d of ordered) {
    const rule = compiled.get(d)!;
    rule.standalone = !referenced.has(d) || generated.has(d);
    if (rule.type === 'correlation') rule.refs.forEach((ref, i) => ref.consumers.push({ rule, ref: i }));
  }
  return {
    rules,
    detections: rules.filter((r): r is CompiledDetectionRule => r.type === 'detection'),
    correlations: rules.filter((r): r is CompiledCorrelationRule => r.type === 'correlation'),
    byId: new Map(rules.map((r) => [r.id, r])),
  };
}

type Report = (d: RuleDocument, field: string, message: string) => void;

function compileDetectionRule(
  d: RuleDocument & { type: 'detection' },
  report: Report,
): CompiledDetectionRule | undefined {
  const { rule } = d;
  let matches: EventPredicate;
  try {
    matches = compileDetection(rule.detection.selections, rule.detection.condition);
  } catch (error) {
    if (!(error instanceof DetectionError)) throw error;
    report(d, ['detection', ...error.path].join('.'), error.message);
    return undefined;
  }
  return {
    type: 'detection',
    id: rule.id,
    name: rule.name,
    title: rule.title,
    description: rule.description,
    file: d.file,
    level: rule.level ? SEVERITY_OF_LEVEL[rule.level] : undefined,
    matches,
    zoneBlind: rule.oreguard?.['zone-blind'] ?? false,
    raiseSeverity: rule.oreguard?.['raise-severity'] ?? 0,
    standalone: true,
    consumers: [],
  };
}

function compileCorrelationRule(
  d: RuleDocument & { type: 'correlation' },
  refs: CompiledRule[],
  report: Report,
): CompiledCorrelationRule | undefined {
  const { rule } = d;
  const c = rule.correlation;
  let ok = true;
  const fail = (field: string, message: string) => {
    ok = false;
    report(d, field, message);
  };

  /** The field that `name` stands for in matches of `ref`: its alias, or itself. */
  const resolve = (name: string, ref: CompiledRule, field: string): FieldGetter => {
    const alias = c.aliases[name];
    let path = name;
    if (alias) {
      const mapped = (ref.name !== undefined ? alias[ref.name] : undefined) ?? alias[ref.id];
      if (mapped === undefined) {
        fail(`correlation.aliases.${name}`, `gives no field for referenced rule "${ref.name ?? ref.id}"`);
        return () => undefined;
      }
      path = mapped;
    }
    if (ref.type === 'correlation') {
      // A correlation's matches carry only its own group-by values.
      if (!ref.groupBy.includes(path)) {
        fail(
          field,
          `"${path}" is not grouped by referenced correlation "${ref.name ?? ref.id}" (it groups by ${ref.groupBy.join(', ') || 'site only'})`,
        );
      }
      return (values) => (values as Record<string, unknown>)[path];
    }
    return fieldGetter(path);
  };

  for (const aliasName of Object.keys(c.aliases)) {
    for (const refName of Object.keys(c.aliases[aliasName])) {
      if (!refs.some((r) => r.name === refName || r.id === refName)) {
        fail(`correlation.aliases.${aliasName}.${refName}`, `"${refName}" is not one of this correlation's rules`);
      }
    }
  }
  const groupGetters = refs.map((ref) => c.groupBy.map((name, i) => resolve(name, ref, `correlation.group-by.${i}`)));
  let valueGetters: FieldGetter[] | undefined;
  const valueField = c.condition.kind === 'count' ? c.condition.field : undefined;
  if (valueField) valueGetters = refs.map((ref) => resolve(valueField, ref, 'correlation.condition.field'));
  if ((c.type === 'temporal' || c.type === 'temporal_ordered') && refs.length < 2) {
    fail('correlation.rules', `${c.type} relates two or more rules`);
  }
  if (!ok) return undefined;

  const monotone =
    c.condition.kind === 'duration' ||
    (c.condition.bounds.lt === undefined &&
      c.condition.bounds.lte === undefined &&
      c.condition.bounds.eq === undefined);
  return {
    type: 'correlation',
    id: rule.id,
    name: rule.name,
    title: rule.title,
    description: rule.description,
    file: d.file,
    correlationType: c.type,
    severity: rule.level ? SEVERITY_OF_LEVEL[rule.level] : 'medium',
    refs,
    groupBy: c.groupBy,
    groupGetters,
    valueGetters,
    valueField,
    timespanMs: c.timespan,
    condition: c.condition,
    horizonMs: c.condition.kind === 'duration' ? c.condition.minMs + c.timespan : c.timespan,
    monotone,
    standalone: true,
    consumers: [],
  };
}
