import { Controller } from '@nestjs/common';
import { Route } from 'src/platform/route-contract';
import { evidenceKeyRoutes } from './audit.routes';
import { EvidenceKeyStore } from './evidence-keys';

/**
 * The evidence public keys, current and retired, with their fingerprints: what a checker of an
 * evidence bundle verifies its signature with. Public, like any public key: whoever holds a
 * bundle (a court, an insurer, an auditor) may need the key without an OreGuard account, and
 * nothing here helps forge a signature. The trust comes from comparing the fingerprint with one
 * obtained out of band (pinned), not from this route (still rate-limited like all of REST).
 */
@Controller()
export class EvidenceKeysController {
  constructor(private readonly keys: EvidenceKeyStore) {}

  @Route(evidenceKeyRoutes.list)
  async list() {
    return { items: await this.keys.list() };
  }
}
