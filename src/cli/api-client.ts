import { CliEnvSchema } from 'src/config/env.schema';
import { ConfigError } from 'src/config/app-config';
import { describeFirstIssue } from 'src/domain/events/describe-issue';

/** OreGuard could not be reached over HTTP (as opposed to refusing a request). */
export class ApiUnavailableError extends Error {}

/** What OreGuard answered with an error status: its message, with the status for the exit code. */
export class ApiRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The CLI's REST client. Actions that must be audited under a person's name and pushed live to
 * consoles (acknowledge, silences, dead-letter retries) go through the API, like a console's:
 * the audit entries, live messages and permission checks are the server's own. The token is
 * OREGUARD_TOKEN, or one from logging in as OREGUARD_USERNAME / OREGUARD_PASSWORD.
 */
export class ApiClient {
  private token?: string;

  private constructor(
    readonly baseUrl: string,
    private readonly credentials: { token?: string; username?: string; password?: string },
  ) {
    this.token = credentials.token;
  }

  static fromEnv(url: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiClient {
    const parsed = CliEnvSchema.safeParse({ ...pick(env), ...(url !== undefined ? { OREGUARD_URL: url } : {}) });
    if (!parsed.success)
      throw new ConfigError(`Invalid configuration: ${describeFirstIssue(parsed.error, env, 'env')}`);
    const e = parsed.data;
    if (!e.OREGUARD_TOKEN && !(e.OREGUARD_USERNAME && e.OREGUARD_PASSWORD)) {
      throw new ConfigError(
        'Invalid configuration: set OREGUARD_TOKEN, or OREGUARD_USERNAME and OREGUARD_PASSWORD, for commands that call the API',
      );
    }
    return new ApiClient(e.OREGUARD_URL.replace(/\/+$/, ''), {
      token: e.OREGUARD_TOKEN,
      username: e.OREGUARD_USERNAME,
      password: e.OREGUARD_PASSWORD,
    });
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.token ?? (this.token = await this.login());
    return this.send<T>(method, path, body, token);
  }

  private async login(): Promise<string> {
    const { username, password } = this.credentials;
    const answer = await this.send<{ accessToken: string }>('POST', '/auth/login', { username, password });
    return answer.accessToken;
  }

  private async send<T>(method: string, path: string, body: unknown, token?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiUnavailableError(
        `cannot reach OreGuard at ${this.baseUrl} (OREGUARD_URL or --url): ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const message = typeof json?.message === 'string' ? json.message : text.slice(0, 200) || res.statusText;
      throw new ApiRefusedError(res.status, `${res.status} ${message}`);
    }
    return json as T;
  }
}

function pick(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const keys = ['OREGUARD_URL', 'OREGUARD_TOKEN', 'OREGUARD_USERNAME', 'OREGUARD_PASSWORD'] as const;
  return Object.fromEntries(keys.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
}
