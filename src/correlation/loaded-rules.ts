import { resolve } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { RuleSetError, type RuleSet } from 'src/domain/correlation';
import { loadRules } from './load-rules';

/**
 * The rule set of RULES_DIR, loaded once at start for live correlation and the rules API. A
 * broken rule set stops start-up with errors naming the file, rule and field; so does a folder
 * with no rule at all (a wrong path, an empty mount), unless RULES_ALLOW_EMPTY says it is meant,
 * and then it is logged as a warning.
 */
@Injectable()
export class LoadedRules {
  private readonly logger = new Logger(LoadedRules.name);
  readonly ruleSet: RuleSet;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    try {
      this.ruleSet = loadRules(config.rules.dir);
    } catch (error) {
      if (error instanceof RuleSetError)
        throw new Error(`RULES_DIR ${config.rules.dir}: invalid rule set:\n${error.message}`, { cause: error });
      throw new Error(`RULES_DIR ${config.rules.dir}: ${(error as Error).message}`, { cause: error });
    }
    if (this.ruleSet.rules.length === 0) {
      const message = `RULES_DIR ${resolve(config.rules.dir)} holds no correlation rule (*.yml, *.yaml): nothing would be correlated`;
      if (!config.rules.allowEmpty) throw new Error(`${message}; set RULES_ALLOW_EMPTY=true to start without rules`);
      this.logger.warn(`${message} (RULES_ALLOW_EMPTY)`);
      return;
    }
    this.logger.log(`Loaded ${this.ruleSet.rules.length} rules from ${config.rules.dir}`);
  }
}
