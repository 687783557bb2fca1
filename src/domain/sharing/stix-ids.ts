import { canonicalJson } from '../audit/canonical-json';
import { uuidV5 } from '../events/uuid-v5';

/** STIX 2.1 §2.9: the namespace of deterministic cyber-observable ids, the same for every producer. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/**
 * OreGuard's namespace for the ids of the objects it shares. Fixed forever: changing it
 * changes every shared id. It is uuidV5('https://oreguard.io/ns/sharing', URL_NAMESPACE).
 */
export const SHARING_NAMESPACE = '0c3b6a7e-0013-5bc2-aedd-8ef16ab86d3e';

/**
 * A cyber observable's id as any STIX producer derives it (§2.9): UUIDv5 of the canonical JSON of
 * its ID contributing properties, so a partner's own sighting of the same address has the same id.
 */
export function scoId(type: string, contributing: Record<string, unknown>): string {
  return `${type}--${uuidV5(canonicalJson(contributing), STIX_SCO_NAMESPACE)}`;
}

/**
 * The id of an object OreGuard makes from stable inputs: a re-export gives the same id. The name
 * is hashed, so an internal id that is part of it cannot be read back from the shared id.
 */
export function sharedId(type: string, ...name: readonly string[]): string {
  return `${type}--${uuidV5(`${type}|${name.join('|')}`, SHARING_NAMESPACE)}`;
}
