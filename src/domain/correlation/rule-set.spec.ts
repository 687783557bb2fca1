import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../correlation/load-rules';
import { parseRuleFiles, parseRules, RuleSetError, type RuleProblem } from './rule-set';

function problemsOf(files: { name: string; text: string }[]): RuleProblem[] {
  try {
    parseRuleFiles(files);
  } catch (error) {
    if (error instanceof RuleSetError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the rules to be refused');
}

const breach = `
title: Perimeter breach
id: perimeter-breach
name: perimeter_breach
detection:
  breach: { kind: theft, theft.category: perimeter_breach }
  condition: breach
`;

describe('loading rules', () => {
  it('loads the default rule set, each correlation after the rules it uses', () => {
    const rules = loadRules(join(__dirname, '../../../rules'));
    const ids = rules.rules.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'coordinated-intrusion',
        'ot-cyber-then-theft',
        'drone-loitering',
        'brute-force',
        'port-scan',
        'material-loss-after-tamper',
        'breach-in-blind-zone',
      ]),
    );
    for (const rule of rules.correlations) {
      for (const ref of rule.refs) expect(ids.indexOf(ref.id)).toBeLessThan(ids.indexOf(rule.id));
    }
    // Only what a correlation uses is silent on its own (Sigma's generate: false).
    expect(
      rules.rules
        .filter((r) => r.standalone)
        .map((r) => r.id)
        .sort(),
    ).toEqual([
      'breach-in-blind-zone',
      'brute-force',
      'coordinated-intrusion',
      'drone-loitering',
      'material-discrepancy-under-drone',
      'material-loss-after-tamper',
      'ot-cyber-then-theft',
      'port-scan',
    ]);
  });

  it('names the file, rule id and field of a bad timespan', () => {
    const problems = problemsOf([
      {
        name: 'rules/site.yml',
        text: `${breach}---
title: Many breaches
id: many-breaches
correlation:
  type: event_count
  rules: [perimeter_breach]
  timespan: 15 minutes
  condition: { gte: 3 }
`,
      },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'rules/site.yml',
        document: 2,
        ruleId: 'many-breaches',
        field: 'correlation.timespan',
      }),
    ]);
    expect(new RuleSetError(problems).message).toMatch(
      /^rules\/site\.yml \(document 2, rule many-breaches, correlation\.timespan\): a number and a unit/,
    );
  });

  it('refuses an unknown reference, naming the reference', () => {
    const [problem] = problemsOf([
      {
        name: 'a.yml',
        text: `title: x\nid: x\ncorrelation: { type: event_count, rules: [no_such_rule], timespan: 1m, condition: { gte: 2 } }\n`,
      },
    ]);
    expect(problem).toMatchObject({
      file: 'a.yml',
      ruleId: 'x',
      field: 'correlation.rules.0',
      message: expect.stringContaining('"no_such_rule"'),
    });
  });

  it('refuses a cycle of correlations', () => {
    const problems = problemsOf([
      {
        name: 'cycle.yml',
        text: `title: a\nid: a\ncorrelation: { type: event_count, rules: [b], timespan: 1m, condition: { gte: 2 } }
---
title: b\nid: b\ncorrelation: { type: event_count, rules: [a], timespan: 1m, condition: { gte: 2 } }\n`,
      },
    ]);
    expect(problems[0]).toMatchObject({
      field: 'correlation.rules',
      message: expect.stringMatching(/cycle: a → b → a/),
    });
  });

  it('refuses a duplicate id across files, naming both places', () => {
    const problems = problemsOf([
      { name: 'one.yml', text: breach },
      { name: 'two.yml', text: breach.replace('name: perimeter_breach', 'name: other_breach') },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'two.yml',
        ruleId: 'perimeter-breach',
        field: 'id',
        message: expect.stringContaining('one.yml'),
      }),
    ]);
  });

  it('names the field of a bad selection, modifier, condition or level', () => {
    const problems = problemsOf([
      {
        name: 'bad.yml',
        text: `title: t1\nid: t1\nlevel: severe\ndetection: { sel: { kind: drone }, condition: sel }\n---\ntitle: t2\nid: t2\ndetection: { sel: { kind|regex: drone }, condition: sel }\n---\ntitle: t3\nid: t3\ndetection: { sel: { kind: drone }, condition: sel and filter }\n---\ntitle: t4\nid: t4\ndetection: { sel: { kind: { nested: map } }, condition: sel }\n`,
      },
    ]);
    expect(problems.map((p) => [p.ruleId, p.field])).toEqual([
      ['t1', 'level'],
      ['t4', 'detection.sel.kind'],
    ]);
    // Compile faults come once the schema is satisfied.
    const compile = problemsOf([
      {
        name: 'bad.yml',
        text: `title: t2\nid: t2\ndetection: { sel: { kind|regex: drone }, condition: sel }\n---\ntitle: t3\nid: t3\ndetection: { sel: { kind: drone }, condition: sel and filter }\n`,
      },
    ]);
    expect(compile.map((p) => [p.ruleId, p.field, p.message])).toEqual([
      ['t2', 'detection.sel.kind|regex', expect.stringContaining('unknown modifier "regex"')],
      ['t3', 'detection.condition', expect.stringContaining('"filter", which is not a selection')],
    ]);
  });

  it("checks each correlation type's condition and aliases", () => {
    const problems = problemsOf([
      {
        name: 'c.yml',
        text: `${breach}---
title: v
id: v
correlation: { type: value_count, rules: [perimeter_breach], timespan: 1m, condition: { gte: 2 } }
---
title: o
id: o
correlation: { type: temporal_ordered, rules: [perimeter_breach, perimeter-breach], timespan: 1m, condition: { gte: 2 } }
---
title: al
id: al
correlation: { type: temporal, rules: [perimeter_breach, v2], group-by: [who], timespan: 1m, aliases: { who: { perimeter_breach: zone } } }
---
title: v2
id: v2
name: v2
detection: { s: { kind: drone }, condition: s }
`,
      },
    ]);
    expect(problems.map((p) => [p.ruleId, p.field])).toEqual([
      ['v', 'correlation.condition'],
      ['o', 'correlation.condition'],
    ]);
    const alias = problemsOf([
      {
        name: 'c.yml',
        text: `${breach}---
title: al
id: al
correlation: { type: temporal, rules: [perimeter_breach, v2], group-by: [who], timespan: 1m, aliases: { who: { perimeter_breach: zone } } }
---
title: v2
id: v2
name: v2
detection: { s: { kind: drone }, condition: s }
`,
      },
    ]);
    expect(alias).toEqual([
      expect.objectContaining({
        ruleId: 'al',
        field: 'correlation.aliases.who',
        message: expect.stringContaining('"v2"'),
      }),
    ]);
  });

  it('reports YAML that does not parse, and documents that are not rules', () => {
    expect(problemsOf([{ name: 'y.yml', text: 'title: [unclosed\n' }])[0]).toMatchObject({
      file: 'y.yml',
      document: 1,
      message: expect.stringContaining('not valid YAML'),
    });
    expect(problemsOf([{ name: 'y.yml', text: 'title: nothing\nid: nothing\n' }])[0]).toMatchObject({
      ruleId: 'nothing',
      message: expect.stringContaining('detection or a correlation'),
    });
  });

  it('loadRules reads every .yml and .yaml file of a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oreguard-rules-'));
    try {
      writeFileSync(join(dir, 'a.yml'), breach);
      writeFileSync(join(dir, 'b.yaml'), 'title: Drone\nid: drone\ndetection: { d: { kind: drone }, condition: d }\n');
      writeFileSync(join(dir, 'notes.txt'), 'not a rule');
      expect(
        loadRules(dir)
          .rules.map((r) => r.id)
          .sort(),
      ).toEqual(['drone', 'perimeter-breach']);
      writeFileSync(join(dir, 'c.yml'), 'title: Bad\nid: bad\ndetection: { d: { kind: drone } }\n');
      expect(() => loadRules(dir)).toThrow(/c\.yml \(document 1, rule bad, detection\.condition\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses conditions with not, or, parentheses and "1 of"', () => {
    const rules = parseRules(`title: c\nid: c\ndetection:
  drone: { kind: drone }
  ot: { kind: cyber, cyber.network: ot }
  authorized: { drone.uasId|startswith: KOL- }
  condition: (drone and not authorized) or ot
`);
    const rule = rules.detections[0];
    expect(rule.matches({ kind: 'drone', drone: { uasId: 'X-1' } })).toBe(true);
    expect(rule.matches({ kind: 'drone', drone: { uasId: 'kol-7' } })).toBe(false);
    expect(rule.matches({ kind: 'cyber', cyber: { network: 'OT' } })).toBe(true);
    const anyOf = parseRules(
      `title: c\nid: c\ndetection:\n  sel_a: { zone: a }\n  sel_b: { severity: [high, critical] }\n  condition: 1 of sel_*\n`,
    ).detections[0];
    expect([anyOf.matches({ zone: 'b', severity: 'critical' }), anyOf.matches({ zone: 'b', severity: 'low' })]).toEqual(
      [true, false],
    );
  });
});
