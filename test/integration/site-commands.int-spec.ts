import { siteCommands } from '../../src/cli/site-commands';
import { createTestContext, type TestContext } from '../support/test-context';

/** The registry commands against a database of the test's own (the CLI reads its configuration from the environment). */
describe('the sites and gateways CLI commands', () => {
  let ctx: TestContext;
  const saved = { ...process.env };
  const run = async (name: string, ...args: string[]) => {
    const lines: string[] = [];
    await siteCommands.find((c) => c.name === name)!.run(args, { line: (text) => lines.push(text) });
    return lines;
  };

  beforeAll(async () => {
    ctx = await createTestContext('site-commands');
    process.env.DATABASE_URL = ctx.databaseUrl;
    process.env.GATEWAY_SECRET_KEY = Buffer.alloc(32, 3).toString('base64');
  });

  afterAll(async () => {
    process.env = saved;
    await ctx?.dispose();
  });

  it('creates and lists a site, and refuses it twice', async () => {
    expect(await run('sites:create', 'kolwezi-1', 'Kolwezi concentrator', 'Africa/Lubumbashi')).toEqual([
      'Registered site kolwezi-1 (Kolwezi concentrator, Africa/Lubumbashi)',
    ]);
    await expect(run('sites:create', 'kolwezi-1', 'Again', 'UTC')).rejects.toThrow(
      'id: site kolwezi-1 is already registered',
    );
    await expect(run('sites:create', 'mine-9', 'Mine 9', 'Nowhere/Else')).rejects.toThrow(/^timeZone: /);
    expect(await run('sites:list')).toEqual([
      'kolwezi-1\tKolwezi concentrator\tAfrica/Lubumbashi\tregistered\t0 gateway(s)',
    ]);
  });

  it('creates a gateway and prints its secret once, stored sealed', async () => {
    const lines = await run('gateways:create', 'kolwezi-1', 'gw-1', '--require-signed');
    expect(lines[0]).toBe('Created gateway kolwezi-1/gw-1 (signed events required)');
    const secret = /^secret\s+([0-9a-f]{64})$/.exec(lines[1])?.[1];
    expect(secret).toBeDefined();
    const [row] = await ctx.db.query<{ secret_ciphertext: string; require_signed: boolean }>(
      "SELECT secret_ciphertext, require_signed FROM gateways WHERE id = 'gw-1'",
    );
    expect(row.require_signed).toBe(true);
    expect(row.secret_ciphertext).not.toContain(secret!);
    await expect(run('gateways:create', 'kolwezi-1', 'gw-1')).rejects.toThrow('already has a secret');
    await expect(run('gateways:create', 'nowhere', 'gw-1')).rejects.toThrow('Site nowhere not found');
  });
});
