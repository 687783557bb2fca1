import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFile } from 'src/domain/correlation/rule-set';
import type { SharableRule } from 'src/domain/sharing/incident-stix';

/**
 * The loaded rule files by rule id, each with the whole text of its file (a Sigma correlation
 * travels with the rules it counts). Whether one may leave is decided in the domain.
 */
export function readSharableRules(dir: string): Map<string, SharableRule> {
  const rules = new Map<string, SharableRule>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  } catch {
    return rules;
  }
  for (const name of names) {
    const text = readFileSync(join(dir, name), 'utf8');
    try {
      for (const doc of parseRuleFile(text, name))
        rules.set(doc.rule.id, { id: doc.rule.id, title: doc.rule.title, text });
    } catch {
      // A file the correlation refused is not shared either.
    }
  }
  return rules;
}
