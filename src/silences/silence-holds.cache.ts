import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ChannelListener } from 'src/database/channel-listener';
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
  private readonly listener: ChannelListener;

  constructor(
    private readonly repository: SilenceHoldsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.listener = new ChannelListener({
      url: config.database.url,
      channel: SILENCES_CHANGED_CHANNEL,
      applicationName: 'oreguard-silences',
      name: 'Silence listener',
      logger: this.logger,
      onNotification: (payload) => this.invalidate(payload),
      onLost: () => this.invalidate(),
    });
  }

  /** The holds of the sites that have any; a site without silences or drones is absent. */
  async forSites(siteIds: readonly string[]): Promise<Map<string, SiteHolds>> {
    await (this.listening ??= this.listener.start());
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

  async onModuleDestroy(): Promise<void> {
    await this.listener.stop();
  }
}
