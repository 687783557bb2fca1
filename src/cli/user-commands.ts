import { userInfo } from 'node:os';
import { AuditService } from 'src/audit/audit.service';
import { LoginThrottlesRepository, type LoginThrottle } from 'src/auth/login-throttles.repository';
import { UserAccountsService, type UpdateUserInput } from 'src/auth/user-accounts.service';
import { UsersRepository, type User } from 'src/auth/users.repository';
import { SystemClock } from 'src/platform/clock';
import { CreateUserSchema, UpdateUserSchema } from 'src/platform/query.schemas';
import { emit, type CliCommand, type CliOutput } from './cli-command';
import { withDatabase } from './cli-database';
import { CliUsageError } from './cli-error';
import { listOption, parseCliInput, parseOptions, requireOption } from './cli-options';
import { passwordFrom } from './password-input';

/** CLI option names of the fields of CreateUserSchema / UpdateUserSchema, for error messages. */
const OPTION_OF = {
  username: '--username',
  password: 'password',
  role: '--role',
  siteIds: '--sites',
  disabled: '--disabled',
};

function withAccounts<T>(fn: (accounts: UserAccountsService) => Promise<T>): Promise<T> {
  return withDatabase((db) =>
    fn(
      new UserAccountsService(
        new UsersRepository(db),
        new AuditService(db, new SystemClock()),
        new LoginThrottlesRepository(db),
      ),
    ),
  );
}

/** Who the audit record names for a change made from the CLI: the operating-system user. */
const CLI_ACTOR = { username: `cli:${userInfo().username}` };

function describeUser(user: User): string {
  const sites = user.role === 'operator' ? ` sites=${user.siteIds.join(',') || '(none)'}` : '';
  return `${user.username} (${user.role}${user.disabled ? ', disabled' : ''})${sites} id=${user.id}`;
}

/** A user as --json shows it: never the password hash or token version. */
function userJson(user: User) {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    siteIds: user.siteIds,
    disabled: user.disabled,
    createdAt: user.createdAt,
  };
}

function describeThrottle(t: LoginThrottle): string {
  const blocked = t.blockedUntil && t.blockedUntil > new Date() ? ` waiting until ${t.blockedUntil.toISOString()}` : '';
  return `${t.username} from ${t.address ?? 'every address'}: ${t.failures} failed${blocked} (last ${t.lastFailureAt?.toISOString() ?? '-'})`;
}

/**
 * A change to an existing account: the same rules and revocation as PATCH /users/{id}, so
 * the account's tokens stop working and its live sockets close on every instance.
 */
function changeCommand(
  name: string,
  usage: string,
  options: Record<string, { type: 'string' | 'boolean' }>,
  changes: (values: Record<string, string | boolean | undefined>) => Promise<Record<string, unknown>>,
  done: string,
): CliCommand {
  return {
    name,
    usage,
    async run(args: readonly string[], out: CliOutput) {
      const values = parseOptions(args, { username: { type: 'string' }, ...options }) as Record<
        string,
        string | boolean | undefined
      >;
      const username = requireOption(values.username as string | undefined, 'username');
      const input = parseCliInput(UpdateUserSchema, await changes(values), OPTION_OF) as UpdateUserInput;
      const user = await withAccounts(async (accounts) =>
        accounts.update((await accounts.byUsername(username)).id, input, CLI_ACTOR),
      );
      emit(out, userJson(user), () => out.line(`${done}: ${describeUser(user)}`));
    },
  };
}

export const userCommands: CliCommand[] = [
  {
    name: 'users:create',
    usage: 'users:create --username <name> --role operator|lead|admin [--sites <id>,<id>] --password-stdin',
    async run(args, out) {
      const values = parseOptions(args, {
        username: { type: 'string' },
        role: { type: 'string' },
        sites: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        password: { type: 'string' },
      });
      const input = parseCliInput(
        CreateUserSchema,
        {
          username: requireOption(values.username, 'username'),
          role: requireOption(values.role, 'role'),
          siteIds: listOption(values.sites ?? ''),
          password: await passwordFrom(values),
        },
        OPTION_OF,
      );
      const user = await withAccounts((accounts) => accounts.create(input, CLI_ACTOR));
      emit(out, userJson(user), () => out.line(`Created ${describeUser(user)}`));
    },
  },
  {
    name: 'users:list',
    usage: 'users:list',
    async run(args, out) {
      parseOptions(args, {});
      const users = await withAccounts((accounts) => accounts.list());
      emit(out, { items: users.map(userJson) }, () => {
        for (const user of users) out.line(describeUser(user));
        if (users.length === 0) out.line('No users yet');
      });
    },
  },
  {
    name: 'users:login-throttles',
    usage: 'users:login-throttles',
    async run(args, out) {
      parseOptions(args, {});
      const throttles = await withAccounts((accounts) => accounts.loginThrottles());
      emit(out, { items: throttles }, () => {
        for (const throttle of throttles) out.line(describeThrottle(throttle));
        if (throttles.length === 0) out.line('No failed logins counted');
      });
    },
  },
  {
    name: 'users:clear-login-throttle',
    usage: 'users:clear-login-throttle --username <name>   (any name tried, existing or not)',
    async run(args, out) {
      const values = parseOptions(args, { username: { type: 'string' } });
      const username = requireOption(values.username, 'username');
      const { cleared } = await withAccounts((accounts) => accounts.clearLoginThrottles(username, CLI_ACTOR));
      emit(out, { username, cleared }, () =>
        out.line(`Cleared ${cleared} login throttle${cleared === 1 ? '' : 's'} of ${username}`),
      );
    },
  },
  changeCommand(
    'users:set-role',
    'users:set-role --username <name> --role operator|lead|admin',
    { role: { type: 'string' } },
    async (v) => ({ role: requireOption(v.role as string | undefined, 'role') }),
    'Role set',
  ),
  changeCommand(
    'users:set-sites',
    'users:set-sites --username <name> --sites <id>,<id>   (--sites "" for none)',
    { sites: { type: 'string' } },
    async (v) => {
      if (typeof v.sites !== 'string') throw new CliUsageError('--sites is required');
      return { siteIds: listOption(v.sites) };
    },
    'Sites set',
  ),
  changeCommand(
    'users:disable',
    'users:disable --username <name>',
    {},
    async () => ({ disabled: true }),
    'Disabled (sessions ended)',
  ),
  changeCommand('users:enable', 'users:enable --username <name>', {}, async () => ({ disabled: false }), 'Enabled'),
  changeCommand(
    'users:reset-password',
    'users:reset-password --username <name> --password-stdin',
    { 'password-stdin': { type: 'boolean' }, password: { type: 'string' } },
    async (v) => ({ password: await passwordFrom(v as { password?: string; 'password-stdin'?: boolean }) }),
    'Password reset (sessions ended)',
  ),
];
