import { sharedId } from './stix-ids';
import type { StixObject } from './stix.schema';
import { tlpMarkingId } from './tlp';

/**
 * OreGuard's `uas` cyber-observable: no OASIS extension covers drones, so (STIX 2.1 §7.3) a
 * new-sco extension definition describes one, its properties named after OCSF's
 * unmanned_aerial_system: `uid` is the Remote ID serial (CTA-2063-A) or the registration. The
 * operator's id and position are personal data and are never part of it.
 */
export const UAS_EXTENSION_ID = sharedId('extension-definition', 'uas', '1.0.0');

export function uasExtensionDefinition(createdByRef: string): StixObject {
  return {
    type: 'extension-definition',
    spec_version: '2.1',
    id: UAS_EXTENSION_ID,
    created_by_ref: createdByRef,
    created: '2026-12-01T00:00:00.000Z',
    modified: '2026-12-01T00:00:00.000Z',
    name: 'uas',
    description:
      'An unmanned aircraft system seen by its Remote ID broadcast. uid: its serial number (ANSI/CTA-2063-A) or registration; model: as broadcast or identified. Named after OCSF unmanned_aerial_system.',
    schema: 'https://oreguard.io/stix/uas-1.0.0.json',
    version: '1.0.0',
    extension_types: ['new-sco'],
    object_marking_refs: [tlpMarkingId('clear')],
  };
}
