import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from './wait-for';

/** The machine's PostgreSQL binaries (initdb, pg_ctl), newest version first. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL binaries under ${root}`);
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL server of the test's own, on its own port and data folder, for tests that stop
 * it (`pg_ctl stop -m immediate`, as a crash would) while OreGuard runs. Never the shared one.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export class PostgresServer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'oreguard-pg-'));
  private readonly bin = binDir();
  private readonly asUser: string[] = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];

  constructor(readonly port: number) {}

  /** The URL of `database` on this server (trust authentication: any password is accepted). */
  url(database: string, password?: string): string {
    return `postgres://postgres${password ? `:${password}` : ''}@127.0.0.1:${this.port}/${database}`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]): void {
    const [command, ...rest] = [...this.asUser, join(this.bin, tool), ...args];
    const result = spawnSync(command, rest, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  }

  /** Creates the cluster (once) and starts the server; resolves when it accepts connections. */
  async start(): Promise<void> {
    if (this.asUser.length > 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir, uid, gid);
    }
    if (!readdirSync(this.dir).includes('data')) {
      this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '-N']);
    }
    // fsync off keeps it fast on a busy machine and loses nothing when only the server dies (the
    // OS still has what it wrote); every commit is still written before it is confirmed.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    this.run('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
    await waitFor(
      async () => {
        const client = new Client({ connectionString: this.url('postgres') });
        client.on('error', () => undefined);
        const ok = await client.connect().then(
          () => true,
          () => false,
        );
        await client.end().catch(() => undefined);
        return ok;
      },
      { timeoutMs: 30_000, what: `PostgreSQL on port ${this.port}` },
    );
  }

  /** Stops the server; `immediate` cuts every connection at once, as a crash would. */
  stop(mode: 'immediate' | 'fast' = 'immediate'): void {
    this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  dispose(): void {
    try {
      this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
