import { z } from 'zod';

/** TLP 2.0 (FIRST), least to most restricted. */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export const TlpSchema = z.enum(TLP_LEVELS);
export type Tlp = z.infer<typeof TlpSchema>;

export function tlpRank(tlp: Tlp): number {
  return TLP_LEVELS.indexOf(tlp);
}

/** True when `tlp` may go to someone cleared up to `ceiling`. */
export function tlpWithin(tlp: Tlp, ceiling: Tlp): boolean {
  return tlpRank(tlp) <= tlpRank(ceiling);
}

/** Above TLP:GREEN an object waits for a lead's release before any partner sees it. */
export function needsRelease(tlp: Tlp): boolean {
  return tlpRank(tlp) > tlpRank('green');
}

/** The OASIS TLP 2.0 marking extension (cti-stix-common-objects, tlp-2.0). */
export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

const MARKING_UUIDS: Record<Tlp, string> = {
  clear: '94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: '55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': '939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'e828b379-4e03-4974-9ac4-e53a884c97c1',
};

export function tlpMarkingId(tlp: Tlp): string {
  return `marking-definition--${MARKING_UUIDS[tlp]}`;
}

export function tlpOfMarkingId(id: string): Tlp | undefined {
  return TLP_LEVELS.find((tlp) => tlpMarkingId(tlp) === id);
}

/** The marking-definition object of a TLP 2.0 level, exactly as OASIS publishes it. */
export function tlpMarking(tlp: Tlp) {
  return {
    type: 'marking-definition' as const,
    spec_version: '2.1' as const,
    id: tlpMarkingId(tlp),
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension' as const, tlp_2_0: tlp } },
  };
}
