import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ChannelListener } from 'src/database/channel-listener';
import { Db } from 'src/database/db';
import type { SitePostureHistory } from 'src/domain/posture/posture-at';
import { Clock } from 'src/platform/clock';
import { POSTURE_CHANNEL, type PostureNotice } from './posture-notice';
import { toPostureEntry, toPostureFloor, type PostureChangeRow, type PostureFloorRow } from './posture.repository';

/** How long a site's history is trusted without a change notice: the bound on staleness if notices are lost. */
const TTL_MS = 15_000;

/**
 * The fold's view of each site's posture history (entries and the floors over it), in memory,
 * so judging an event by the posture at its own time costs a lookup. Every posture notice
 * (PostgreSQL NOTIFY on commit) drops the site's entry; a floor change names each site it
 * covers. As with the silences' cache, a lost listener drops everything and the TTL bounds
 * staleness meanwhile. A site that has never had a posture or a floor over it is absent.
 */
@Injectable()
export class PostureHistoryCache implements OnModuleDestroy {
  private readonly logger = new Logger(PostureHistoryCache.name);
  private readonly entries = new Map<string, { history: SitePostureHistory | null; loadedAt: number }>();
  private generation = 0;
  private listening?: Promise<void>;
  private readonly listener: ChannelListener;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.listener = new ChannelListener({
      url: config.database.url,
      channel: POSTURE_CHANNEL,
      applicationName: 'oreguard-posture',
      name: 'Posture listener',
      logger: this.logger,
      onNotification: (payload) => this.invalidate(siteOf(payload)),
      onLost: () => this.invalidate(),
    });
  }

  async forSites(siteIds: readonly string[]): Promise<Map<string, SitePostureHistory>> {
    await (this.listening ??= this.listener.start());
    const now = this.clock.now().getTime();
    const missing = siteIds.filter((s) => {
      const entry = this.entries.get(s);
      return !entry || now - entry.loadedAt > TTL_MS;
    });
    let loaded = new Map<string, SitePostureHistory>();
    if (missing.length > 0) {
      const generation = this.generation;
      loaded = await this.load(missing);
      // A load that raced a change notice is used this once, not kept.
      if (generation === this.generation)
        for (const siteId of missing) this.entries.set(siteId, { history: loaded.get(siteId) ?? null, loadedAt: now });
    }
    const result = new Map<string, SitePostureHistory>();
    for (const siteId of siteIds) {
      const history = missing.includes(siteId) ? loaded.get(siteId) : this.entries.get(siteId)?.history;
      if (history) result.set(siteId, history);
    }
    return result;
  }

  invalidate(siteId?: string): void {
    this.generation++;
    if (siteId === undefined) this.entries.clear();
    else this.entries.delete(siteId);
  }

  private async load(siteIds: readonly string[]): Promise<Map<string, SitePostureHistory>> {
    const changes = await this.db.query<PostureChangeRow>(
      'SELECT * FROM posture_changes WHERE site_id = ANY($1) ORDER BY valid_from',
      [siteIds],
    );
    const floors = await this.db.query<PostureFloorRow>('SELECT * FROM posture_floors ORDER BY valid_from');
    const result = new Map<string, SitePostureHistory>();
    for (const siteId of siteIds) {
      const entries = changes.filter((c) => c.site_id === siteId).map(toPostureEntry);
      const over = floors.filter((f) => f.site_ids === null || f.site_ids.includes(siteId)).map(toPostureFloor);
      if (entries.length > 0 || over.length > 0) result.set(siteId, { entries, floors: over });
    }
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener.stop();
  }
}

/** The site a posture notice names; undefined (every site) when it cannot be read. */
function siteOf(payload: string | undefined): string | undefined {
  try {
    return (JSON.parse(payload ?? '') as PostureNotice).siteId;
  } catch {
    return undefined;
  }
}
