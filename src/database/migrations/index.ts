import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { UserTokenVersion1764500000000 } from './1764500000000-user-token-version';
import { LoginLockout1764600000000 } from './1764600000000-login-lockout';
import { AuditChains1764700000000 } from './1764700000000-audit-chains';
import { EscalationAndSearch1764730000000 } from './1764730000000-escalation-and-search';
import { RemoteId1764740000000 } from './1764740000000-remote-id';
import { BlindSpots1764760000000 } from './1764760000000-blind-spots';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [
  InitialSchema1764400000000,
  UserTokenVersion1764500000000,
  LoginLockout1764600000000,
  AuditChains1764700000000,
  EscalationAndSearch1764730000000,
  RemoteId1764740000000,
  BlindSpots1764760000000,
];
