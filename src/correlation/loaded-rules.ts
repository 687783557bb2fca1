import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { RuleSetError, type RuleSet } from 'src/domain/correlation';
import { loadRules } from './load-rules';

/**
 * The rule set of RULES_DIR, loaded once at start for live correlation and the rules API. A
 * broken rule set stops start-up with errors naming the file, rule and field.
 */
@Injectable()
export class LoadedRules {
  private readonly logger = new Logger(LoadedRules.name);
  readonly ruleSet: RuleSet;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    try {
      this.ruleSet = loadRules(config.rules.dir);
    } catch (error) {
      if (error instanceof RuleSetError) throw new Error(`RULES_DIR ${config.rules.dir}: invalid rule set:\n${error.message}`);
      throw new Error(`RULES_DIR ${config.rules.dir}: ${(error as Error).message}`);
    }
    this.logger.log(`Loaded ${this.ruleSet.rules.length} rules from ${config.rules.dir}`);
  }
}
