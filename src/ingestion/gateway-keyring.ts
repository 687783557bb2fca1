import { Logger } from '@nestjs/common';
import type { GatewayKey } from 'src/sites/site-registry';

/** How often the keyring re-reads the registry: the bound on how long another instance's change takes to apply. */
export const KEYRING_REFRESH_MS = 5_000;

/**
 * Which gateways must sign, and their decrypted secrets, held in memory so the per-message
 * check is a map lookup and one HMAC. Re-read every few seconds (a change made on another
 * instance applies within that); a change made through this process applies at once (refresh).
 */
export class GatewayKeyring {
  private readonly logger = new Logger(GatewayKeyring.name);
  private keys = new Map<string, GatewayKey>();
  private timer?: NodeJS.Timeout;
  private readonly unreadable = new Set<string>();
  private running = false;

  constructor(
    private readonly load: (onUnreadable: (siteId: string, gatewayId: string) => void) => Promise<GatewayKey[]>,
  ) {}

  /** The gateway's key when it must sign; undefined when its events need no signature. */
  signingKey(siteId: string, gatewayId: string): GatewayKey | undefined {
    const key = this.keys.get(`${siteId}/${gatewayId}`);
    return key?.requireSigned ? key : undefined;
  }

  async start(refreshMs = KEYRING_REFRESH_MS): Promise<void> {
    this.running = true;
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) =>
        this.logger.warn(`Could not re-read gateway keys (keeping the last): ${error.message}`),
      );
    }, refreshMs);
    this.timer.unref();
  }

  /** Re-reads the registry now; a no-op until started (this process does not ingest). */
  async refresh(): Promise<void> {
    if (!this.running) return;
    const keys = await this.load((siteId, gatewayId) => {
      const id = `${siteId}/${gatewayId}`;
      if (this.unreadable.has(id)) return;
      this.unreadable.add(id);
      this.logger.error({
        msg: 'The secret of a gateway does not decrypt under GATEWAY_SECRET_KEY; its signed events are rejected',
        siteId,
        gatewayId,
      });
    });
    this.keys = new Map(keys.map((k) => [`${k.siteId}/${k.gatewayId}`, k]));
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
