/**
 * The REST client: bearer tokens, one refresh when the access token is refused, and a sign-out
 * (the sign-in form back, with the reason) when the session cannot be renewed.
 */
export interface Session {
  accessToken: string;
  refreshToken: string;
  username: string;
  userId: string;
  /** The role OreGuard gave with the tokens: what the console offers (OreGuard checks every request). */
  role?: 'operator' | 'lead' | 'admin';
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  role?: Session['role'];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STORAGE_KEY = 'oreguard.session';

export class Api {
  private refreshing?: Promise<boolean>;
  session: Session | null = load();
  onSignedOut: (reason: string) => void = () => undefined;
  onSession: (session: Session) => void = () => undefined;

  async login(username: string, password: string): Promise<Session> {
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok)
      throw new ApiError(res.status, res.status === 401 ? 'Wrong username or password' : await errorText(res));
    const pair = (await res.json()) as Tokens;
    return this.keep(pair, username);
  }

  signOut(reason: string): void {
    const refreshToken = this.session?.refreshToken;
    const accessToken = this.session?.accessToken;
    this.session = null;
    sessionStorage.removeItem(STORAGE_KEY);
    if (accessToken && refreshToken && reason === '') {
      void fetch('/api/v1/auth/logout', {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: '{}',
      }).catch(() => undefined);
    }
    this.onSignedOut(reason);
  }

  /** A fresh access token (refreshing if needed), or null when the session is over. */
  async token(): Promise<string | null> {
    return this.session?.accessToken ?? null;
  }

  /** Exchanges the refresh token once for a new pair; false (and signed out) when refused. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const session = this.session;
      if (!session) return false;
      try {
        const res = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
        if (res.ok) {
          this.keep((await res.json()) as Tokens, session.username);
          return true;
        }
        if (res.status >= 500) return false; // OreGuard away: keep the session, try again later
        this.signOut('Your session has ended; sign in again.');
        return false;
      } catch {
        return false; // network down: keep the session
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session;
      if (!session) throw new ApiError(401, 'Signed out');
      const res = await fetch(`/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 401 && attempt === 0 && (await this.refresh())) continue;
      if (res.status === 401) {
        if (this.session) this.signOut('Your session has ended; sign in again.');
        throw new ApiError(401, 'Signed out');
      }
      if (!res.ok) throw new ApiError(res.status, await errorText(res));
      if (res.status === 204) return undefined as T;
      return (await res.json()) as T;
    }
  }

  /** Fetches a file with the bearer token and hands it to the browser as a download. */
  async download(path: string, filename: string): Promise<Blob> {
    for (let attempt = 0; ; attempt++) {
      const session = this.session;
      if (!session) throw new ApiError(401, 'Signed out');
      const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${session.accessToken}` } });
      if (res.status === 401 && attempt === 0 && (await this.refresh())) continue;
      if (!res.ok) throw new ApiError(res.status, await errorText(res));
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return blob;
    }
  }

  private keep(pair: Tokens, username: string): Session {
    const session: Session = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      username,
      userId: subject(pair.accessToken),
      role: pair.role,
    };
    this.session = session;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.onSession(session);
    return session;
  }
}

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

/** The user id (`sub`) of a JWT: read, not verified (OreGuard verifies it). */
function subject(token: string): string {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return (JSON.parse(atob(payload)) as { sub?: string }).sub ?? '';
  } catch {
    return '';
  }
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: string };
    return body.message ?? `${res.status} ${res.statusText}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}
