/**
 * Checks a saved evidence bundle (GET /incidents/{id}/evidence) offline, with no database:
 * recomputes every timeline hash and link, the chain proof and the bundle hash, and re-derives
 * each event from its raw payload. Prints OK or the first fault; exits 0 or 1.
 *
 *   npm run evidence:verify -- bundle.json      (after npm run build)
 */
import { readFileSync } from 'node:fs';
import { checkEvidenceBundle } from 'src/audit/evidence-bundle';

function main(argv: string[]): number {
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: npm run evidence:verify -- <bundle.json>\n');
    return 1;
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stdout.write(`FAULT ${file}: not a readable JSON file (${(error as Error).message})\n`);
    return 1;
  }
  const result = checkEvidenceBundle(bundle);
  if (!result.ok) {
    process.stdout.write(`FAULT ${file}: ${result.fault}\n`);
    return 1;
  }
  process.stdout.write(
    `OK ${file}: ${result.timelineEntries} timeline entries chained to ${result.headHash}; ` +
      `${result.eventsChecked} events match their raw payloads` +
      (result.eventsNotDerivable ? `, ${result.eventsNotDerivable} not derivable offline (Remote ID)` : '') +
      '\n',
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
