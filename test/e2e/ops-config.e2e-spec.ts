import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { requirePromtool } from '../support/promtool';

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'ops', 'grafana', 'oreguard.json');
const ALERTS = join(ROOT, 'ops', 'prometheus', 'alerts.yml');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  panels: Panel[];
  templating: { list: { definition?: string }[] };
};
const rules = (parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Grafana's variables, replaced by what they stand for, so the expression is plain PromQL. */
const promql = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*');

/** The metric names a PromQL expression reads. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b(?:oreguard|http|process|nodejs)_[a-z0-9_]+\b/g)) names.add(m[0]);
  // Any other name used as a selector (name{…} or name[…]) counts too, so a typo outside those prefixes is caught.
  for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g))
    if (!/^(by|without|on|ignoring)$/.test(m[1])) names.add(m[1]);
  return [...names];
}

/** The shipped Grafana dashboard and Prometheus alert rules read only what OreGuard exports, in valid PromQL. */
describe('ops/grafana and ops/prometheus', () => {
  const og = oreGuardForFile('ops-config');

  it('ships a dashboard with panels on ingest, folding, correlation, HTTP, the pool and the process', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      'Ingest rate',
      'Rejections by kind',
      'Fold backlog',
      'Queue depth',
      'Dead letters',
      'Seq gaps',
      'Correlator',
      'Requests by route',
      'PostgreSQL pool',
      'CPU',
      'Memory',
    ]) {
      expect(titles).toContain(title);
    }
    expect(dashboardExprs.length).toBeGreaterThan(20);
  });

  it('ships alert rules for the failures that matter, each explained', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        'OreGuardDeadLetters',
        'OreGuardDependencyDown',
        'OreGuardFoldBacklogGrowing',
        'OreGuardFoldQueueBacklog',
        'OreGuardGatewaySeqGaps',
        'OreGuardHttpErrors',
        'OreGuardIngestBatchesFailing',
        'OreGuardIngestStalled',
        'OreGuardMaterialReconciliationStalled',
        'OreGuardNoCorrelator',
      ].sort(),
    );
    for (const rule of rules) {
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
    }
  });

  it('names in its expressions only metrics a running OreGuard exports', async () => {
    const text = await (await fetch(`${og.oreguard.baseUrl}/api/v1/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]));
    const exists = (name: string) => exported.has(name) || exported.has(name.replace(/_(bucket|count|sum)$/, ''));
    const used = new Set(
      [
        ...dashboardExprs,
        ...rules.map((r) => r.expr),
        ...dashboard.templating.list.map((v) => v.definition ?? ''),
      ].flatMap(metricNames),
    );
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((name) => !exists(name))).toEqual([]);
  });

  it('passes promtool check rules, for the alerts and for every dashboard expression', () => {
    requirePromtool();
    const alerts = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8', timeout: 30_000 });
    expect(alerts.stderr).toBe('');
    expect(alerts.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(alerts.status).toBe(0);

    // The dashboard's expressions as recording rules: promtool parses each one.
    const dir = mkdtempSync(join(tmpdir(), 'oreguard-dashboard-'));
    try {
      const file = join(dir, 'dashboard-rules.yml');
      const records = dashboardExprs.map((expr, i) => ({
        record: `oreguard_dashboard:panel_${i}`,
        expr: promql(expr),
      }));
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: records }] }));
      const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
