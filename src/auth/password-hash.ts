import * as argon2 from 'argon2';

/**
 * A hash verified against when the account (a user, a partner) does not exist, so timing does
 * not reveal which names do.
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=65536,p=4,t=3$XMXFAiKnSUKZExBsGP9pzA$GfD7dGTTSKOuUhiJlghobh3AJUlFDndC4o4yekXAQic';

/** Passwords are kept as argon2id hashes only; REST, the bootstrap admin and the CLI all hash here. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** False for a wrong password and for a hash argon2 cannot read. */
export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password).catch(() => false);
}
