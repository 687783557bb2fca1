/**
 * Checks a saved evidence bundle (GET /incidents/{id}/evidence) offline, with no database,
 * against an evidence public key the checker trusts: recomputes every timeline hash and link,
 * the chain proof, the checkpoint, the payload hash of each event its timeline entry recorded,
 * the bundle hash and the signature, and re-derives each event from its raw payload.
 *
 *   npm run evidence:verify -- bundle.json --key evidence-key.pem      (a public key from GET /evidence/keys)
 *   npm run evidence:verify -- bundle.json --fingerprint <64 hex>      (the key's pinned fingerprint)
 *
 * Prints one line, `OK <file>: …` or `FAULT <file>: <first fault>`, and exits 0 (verified),
 * 1 (a fault: not what OreGuard signed) or 2 (not run: bad arguments, no trusted key given).
 * (After npm run build.)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkEvidenceBundle, type EvidenceTrust } from 'src/audit/evidence-bundle';

const USAGE = 'usage: npm run evidence:verify -- <bundle.json> (--key <public-key.pem> | --fingerprint <sha256 hex>)';

function main(argv: string[]): number {
  let file: string | undefined;
  let trust: EvidenceTrust;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { key: { type: 'string' }, fingerprint: { type: 'string' } },
      allowPositionals: true,
    });
    file = positionals[0];
    if (!file || positionals.length > 1) throw new Error('give one bundle file');
    if (values.key && values.fingerprint) throw new Error('give --key or --fingerprint, not both');
    if (values.key) {
      trust = { publicKey: readFileSync(values.key, 'utf8') };
    } else if (values.fingerprint) {
      if (!/^[0-9a-fA-F]{64}$/.test(values.fingerprint))
        throw new Error('--fingerprint: 64 hex digits (SHA-256 of the raw public key)');
      trust = { fingerprint: values.fingerprint };
    } else {
      throw new Error(
        'refusing to check without a trusted key: anyone can sign a bundle with a key of their own, so give the ' +
          'OreGuard evidence key it must be signed with (--key, a public key from GET /api/v1/evidence/keys) or its fingerprint (--fingerprint)',
      );
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stdout.write(`FAULT ${file}: not a readable JSON file (${(error as Error).message})\n`);
    return 1;
  }
  const result = checkEvidenceBundle(bundle, trust);
  if (!result.ok) {
    process.stdout.write(`FAULT ${file}: ${result.fault}\n`);
    return 1;
  }
  process.stdout.write(
    `OK ${file}: signed by evidence key ${result.keyId}; ${result.timelineEntries} timeline entries chained to ${result.headHash}, ` +
      `checkpoint at ${result.checkpoint.seq} of ${result.checkpoint.at}; ` +
      `${result.eventsChecked} events match their raw payloads` +
      (result.eventsNotDerivable ? `, ${result.eventsNotDerivable} not derivable offline (Remote ID, health)` : '') +
      '\n',
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
