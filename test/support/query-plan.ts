/**
 * The relations an `EXPLAIN (ANALYZE, FORMAT JSON)` plan ran whose name matches `pattern`:
 * those the executor read at least once. A partition pruned at execution time stays in the
 * plan, "never executed" (no loops), and is left out.
 */
export function relationsRun(plan: unknown, pattern: RegExp): string[] {
  const run = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const fields = node as Record<string, unknown>;
      const name = fields['Relation Name'];
      if (typeof name === 'string' && pattern.test(name) && fields['Actual Loops'] !== 0) run.add(name);
      Object.values(fields).forEach(walk);
    }
  };
  walk(plan);
  return [...run].sort();
}
