import type { StixObject } from './stix.schema';
import type { Tlp } from './tlp';

/** One STIX object OreGuard would share, with the TLP 2.0 level it is marked with. */
export interface SharedObject {
  object: StixObject;
  tlp: Tlp;
}
