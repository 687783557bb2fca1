import { errorResponse } from 'src/platform/error.http';
import { listOf } from 'src/platform/page.http';
import {
  CreateUserSchema,
  LoginSchema,
  LoginUsernameParamSchema,
  NoBodySchema,
  NoQuerySchema,
  RefreshSchema,
  UpdateUserSchema,
  UuidParamSchema,
} from 'src/platform/query.schemas';
import { route } from 'src/platform/route-contract';
import { LoginThrottleSchema, ThrottlesClearedSchema, TokensSchema, UserSchema } from './auth.http';

const TOKENS_EXAMPLE = {
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3YzBlIn0.c2ln',
  expiresIn: 900,
  refreshToken: 'b3JlZ3VhcmQtcmVmcmVzaA',
  refreshExpiresIn: 604800,
  role: 'operator',
};
const USER_EXAMPLE = {
  id: '7c0e2a5b-3f1d-4e8a-9b6c-2d4f6a8b0c1e',
  username: 'amani',
  role: 'operator',
  siteIds: ['kolwezi-1'],
  disabled: false,
  createdAt: '2026-11-01T08:00:00.000Z',
};
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait (also details.retryAfterS)', schema: { type: 'integer' } },
};

export const authRoutes = {
  login: route({
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    summary: 'Exchange a username and password for an access token; opens a session with a refresh token',
    tags: ['auth'],
    auth: 'none',
    body: LoginSchema,
    responses: {
      200: { description: 'Tokens', schema: TokensSchema, example: TOKENS_EXAMPLE },
      401: errorResponse('Invalid username or password: the same answer whether or not the username exists'),
      429: {
        ...errorResponse(
          'Throttled after failed logins for this username (from this address, or from every address but the ones the user logged in from), ' +
            'or too many attempts from this address (LOGIN_RATE_PER_MINUTE); the same for names that exist or not. The account is never locked',
        ),
        headers: retryAfter,
      },
    },
  }),
  refresh: route({
    method: 'post',
    path: '/auth/refresh',
    operationId: 'refreshTokens',
    summary: 'Exchange a refresh token for a new access token and the next refresh token',
    description: 'Each refresh token works once: one presented again revokes its session.',
    tags: ['auth'],
    auth: 'none',
    body: RefreshSchema,
    responses: {
      200: { description: 'Tokens', schema: TokensSchema, example: TOKENS_EXAMPLE },
      401: errorResponse('Unknown, used or expired refresh token'),
    },
  }),
  logout: route({
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    summary:
      "End the caller's session: its access and refresh tokens are refused from the next request on, and its live sockets close",
    tags: ['auth'],
    auth: 'bearer',
    body: NoBodySchema,
    responses: { 204: { description: 'Logged out' } },
  }),
};

export const userRoutes = {
  list: route({
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    summary: 'Accounts',
    tags: ['users'],
    auth: 'bearer',
    roles: ['admin'],
    query: NoQuerySchema,
    responses: { 200: { description: 'Users', schema: listOf(UserSchema), example: { items: [USER_EXAMPLE] } } },
  }),
  loginThrottles: route({
    method: 'get',
    path: '/users/login-throttles',
    operationId: 'listLoginThrottles',
    summary: 'Failed-login throttles, most recent first (at most 500)',
    description:
      'Every username tried, existing or not, per client address and from every address (address null), with its failures and until when it must wait. ' +
      'Partner authentication on /taxii2/ and /misp/ is throttled alike under `partner:<name>` (HTTP Basic) and `partner-token:<id>` (bearer token).',
    tags: ['users'],
    auth: 'bearer',
    roles: ['admin'],
    query: NoQuerySchema,
    responses: {
      200: {
        description: 'Throttles',
        schema: listOf(LoginThrottleSchema),
        example: {
          items: [
            {
              username: 'amani',
              address: '10.20.0.14',
              failures: 3,
              lastFailureAt: '2026-11-29T03:10:00.000Z',
              blockedUntil: null,
            },
          ],
        },
      },
    },
  }),
  clearLoginThrottles: route({
    method: 'delete',
    path: '/users/login-throttles/{username}',
    operationId: 'clearLoginThrottles',
    summary: "Clear a username's failed logins and waits, from every address; audited as auth.login-throttle-cleared",
    tags: ['users'],
    auth: 'bearer',
    roles: ['admin'],
    params: { username: LoginUsernameParamSchema },
    responses: {
      200: {
        description: 'What was cleared',
        schema: ThrottlesClearedSchema,
        example: { username: 'amani', cleared: 2 },
      },
    },
  }),
  create: route({
    method: 'post',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create an account: role operator, lead or admin; siteIds for operators',
    tags: ['users'],
    auth: 'bearer',
    roles: ['admin'],
    body: CreateUserSchema,
    responses: {
      201: { description: 'The user', schema: UserSchema, example: USER_EXAMPLE },
      409: errorResponse('The username is taken'),
    },
  }),
  update: route({
    method: 'patch',
    path: '/users/{id}',
    operationId: 'updateUser',
    summary: 'Change an account; its tokens and live sockets stop working at once',
    tags: ['users'],
    auth: 'bearer',
    roles: ['admin'],
    params: { id: UuidParamSchema },
    body: UpdateUserSchema,
    responses: {
      200: { description: 'The user', schema: UserSchema, example: USER_EXAMPLE },
      404: errorResponse('No such user'),
    },
  }),
};
