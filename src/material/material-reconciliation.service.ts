import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { FoldQueue } from 'src/correlation/fold-queue';
import { FoldProcessor } from 'src/correlation/fold.processor';
import { PeriodicTask } from 'src/platform/periodic-task';
import { ReconcileMaterialUseCase } from './reconcile-material.use-case';

/**
 * Runs material reconciliation in the worker role every MATERIAL_RECONCILE_INTERVAL_MS. Every
 * worker instance may run it: a finding is kept once by its key, and its theft event once by
 * the id derived from that key. The events raised go to folding like any other (in this
 * process, else queued; the re-queue sweep finds any that were not).
 */
@Injectable()
export class MaterialReconciliationService implements OnModuleDestroy {
  private readonly logger = new Logger(MaterialReconciliationService.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly reconcileMaterial: ReconcileMaterialUseCase,
    private readonly foldProcessor: FoldProcessor,
    private readonly foldQueue: FoldQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('Material reconciliation', () => this.run(), this.logger);
  }

  start(): void {
    this.task.start(this.config.material.intervalMs);
  }

  private async run(): Promise<number> {
    const raised = await this.reconcileMaterial.execute();
    const ids = [...raised.values()].flat();
    if (ids.length > 0 && !this.foldProcessor.foldNow(raised)) {
      await this.foldQueue
        .enqueue('ingest', ids)
        .catch((error: Error) =>
          this.logger.warn(
            `Could not queue ${ids.length} discrepancy events to fold (the re-queue sweep will): ${error.message}`,
          ),
        );
    }
    return ids.length;
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
