import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { UserTokenVersion1764500000000 } from './1764500000000-user-token-version';
import { LoginLockout1764600000000 } from './1764600000000-login-lockout';
import { Sessions1764720000000 } from './1764720000000-sessions';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [InitialSchema1764400000000, UserTokenVersion1764500000000, LoginLockout1764600000000, Sessions1764720000000];
