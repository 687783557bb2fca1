import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { UserTokenVersion1764500000000 } from './1764500000000-user-token-version';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [InitialSchema1764400000000, UserTokenVersion1764500000000];
