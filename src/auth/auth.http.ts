import { z } from 'zod';

export const TokensSchema = z
  .object({
    accessToken: z.string(),
    expiresIn: z.int().meta({ description: 'Seconds (JWT_EXPIRES_IN_S)' }),
    refreshToken: z
      .string()
      .meta({ description: 'Opaque, single use: exchange it at /auth/refresh before refreshExpiresIn' }),
    refreshExpiresIn: z.int().meta({ description: 'Seconds (REFRESH_TOKEN_EXPIRES_IN_S)' }),
    role: z
      .enum(['operator', 'lead', 'admin'])
      .meta({ description: "The account's role when issued: what a console offers (OreGuard checks every request)" }),
  })
  .meta({ id: 'Tokens' });

export const UserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role: z.enum(['operator', 'lead', 'admin']),
    siteIds: z.array(z.string()).meta({ description: 'The sites an operator sees' }),
    disabled: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export const LoginThrottleSchema = z
  .object({
    username: z.string(),
    address: z.string().nullable().meta({ description: 'null: the count over every address' }),
    failures: z.int(),
    lastFailureAt: z.iso.datetime().nullable(),
    blockedUntil: z.iso.datetime().nullable(),
  })
  .meta({ id: 'LoginThrottle' });

export const ThrottlesClearedSchema = z.object({ username: z.string(), cleared: z.int().min(0) });
