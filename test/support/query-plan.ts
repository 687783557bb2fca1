/** Every node of an `EXPLAIN (FORMAT JSON)` plan, with or without ANALYZE, depth first. */
export function planNodes(plan: unknown): Record<string, unknown>[] {
  const nodes: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      nodes.push(node as Record<string, unknown>);
      Object.values(node).forEach(walk);
    }
  };
  walk(plan);
  return nodes;
}

/**
 * The relations a plan reads whose name matches `pattern`, each once, sorted. With ANALYZE, those
 * the executor read at least once: a partition pruned at execution time stays in the plan,
 * "never executed" (no loops), and is left out. Without it, every relation planned.
 */
export function relationsRun(plan: unknown, pattern: RegExp): string[] {
  const run = planNodes(plan).flatMap((node) => {
    const name = node['Relation Name'];
    return typeof name === 'string' && pattern.test(name) && node['Actual Loops'] !== 0 ? [name] : [];
  });
  return [...new Set(run)].sort();
}

/** The relations a plan reads whole, by sequential scan. */
export function scannedWhole(plan: unknown): string[] {
  return planNodes(plan)
    .filter((node) => node['Node Type'] === 'Seq Scan')
    .map((node) => String(node['Relation Name']));
}
