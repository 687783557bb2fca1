import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFiles, type RuleSet } from '../domain/correlation/rule-set';

/**
 * Reads every *.yml and *.yaml file of a directory (not its subdirectories) as one rule set.
 * Throws RuleSetError naming each faulty file, document, rule id and field.
 */
export function loadRules(dir: string): RuleSet {
  const names = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return parseRuleFiles(names.map((name) => ({ name: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })));
}
