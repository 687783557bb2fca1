import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import type { SiteHolds } from 'src/domain/silences/held-back';
import { Clock } from 'src/platform/clock';
import { SILENCES_CHANGED_CHANNEL, SilenceHoldsRepository } from './silence-holds.repository';

/** How long a site's holds are trusted without a change notice: the bound on staleness if notices are lost. */
const TTL_MS = 15_000;

interface Entry {
  holds: SiteHolds;
  loadedAt: number;
}

/**
 * The fold's view of each site's silences and authorized drones, kept in memory so the fold
 * asks PostgreSQL only when a site's entry is missing or older than the TTL. Leads' changes
 * are announced by NOTIFY on commit; every instance listening drops that site's entry, so a
 * new silence applies at once everywhere. If the listener loses its connection the whole
 * cache is dropped (notices may have been missed), and the TTL bounds staleness meanwhile.
 */
@Injectable()
export class SilenceHoldsCache implements OnModuleDestroy {
  private readonly logger = new Logger(SilenceHoldsCache.name);
  private readonly entries = new Map<string, Entry>();
  /** Moves on at every invalidation; a load that raced one is not stored. */
  private generation = 0;
  private listening?: Promise<void>;
  private listener?: Client;
  private stopped = false;

  constructor(
    private readonly repository: SilenceHoldsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The holds of the sites that have any; a site without silences or drones is absent. */
  async forSites(siteIds: readonly string[]): Promise<Map<string, SiteHolds>> {
    await (this.listening ??= this.listen());
    const now = this.clock.now();
    const missing = siteIds.filter((s) => {
      const entry = this.entries.get(s);
      return !entry || now.getTime() - entry.loadedAt > TTL_MS;
    });
    if (missing.length > 0) {
      const generation = this.generation;
      const loaded = await this.repository.load(missing, now);
      if (generation === this.generation) {
        for (const [siteId, holds] of loaded) this.entries.set(siteId, { holds, loadedAt: now.getTime() });
      }
      return this.pick(siteIds, loaded);
    }
    return this.pick(siteIds);
  }

  private pick(siteIds: readonly string[], fresh?: Map<string, SiteHolds>): Map<string, SiteHolds> {
    const result = new Map<string, SiteHolds>();
    for (const siteId of siteIds) {
      const holds = fresh?.get(siteId) ?? this.entries.get(siteId)?.holds;
      if (holds && (holds.silences.length > 0 || holds.authorizedDrones.length > 0)) result.set(siteId, holds);
    }
    return result;
  }

  /** Drops a site's entry (or all of them): the next fold reloads it. */
  invalidate(siteId?: string): void {
    this.generation++;
    if (siteId === undefined) this.entries.clear();
    else this.entries.delete(siteId);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.database.url, application_name: 'oreguard-silences' });
    client.on('notification', (n) => this.invalidate(n.payload || undefined));
    client.on('error', (error) => {
      this.logger.warn(`Silence listener lost its connection: ${error.message}`);
      this.invalidate();
      this.listener = undefined;
      void client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SILENCES_CHANGED_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      // The TTL keeps the fold correct meanwhile; keep trying to listen.
      this.logger.warn(`Silence listener could not connect: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1000);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }
}
