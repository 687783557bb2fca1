import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import type { Principal } from 'src/auth/principal';
import { requireLead } from 'src/auth/site-scope';
import { LoadedRules } from 'src/correlation/loaded-rules';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { parseRuleFiles, RuleSetError, type CompiledRule, type RuleSet } from 'src/domain/correlation';
import { ApplicationError } from 'src/platform/application-error';
import { runBacktest, UnknownSiteError } from './backtest.use-case';
import type { BacktestBody } from './rules.http';

/** A rule as GET /rules shows it: enough to read the set, not its compiled predicates. */
export function ruleView(rule: CompiledRule) {
  const base = {
    id: rule.id,
    ...(rule.name ? { name: rule.name } : {}),
    title: rule.title,
    file: rule.file,
    reported: rule.standalone,
  };
  if (rule.type === 'detection') {
    return { ...base, type: 'event' as const, ...(rule.level ? { level: rule.level } : {}), zoneBlind: rule.zoneBlind };
  }
  return {
    ...base,
    type: rule.correlationType,
    level: rule.severity,
    timespanMs: rule.timespanMs,
    groupBy: rule.groupBy,
    rules: rule.refs.map((r) => r.id),
  };
}

/** The rule set loaded at start, and backtests of it or of a candidate set. */
@Injectable()
export class RulesService {
  constructor(
    private readonly rules: LoadedRules,
    private readonly db: Db,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get loaded(): RuleSet {
    return this.rules.ruleSet;
  }

  list(principal: Principal) {
    requireLead(principal);
    return { items: this.loaded.rules.map(ruleView) };
  }

  async backtest(principal: Principal, body: BacktestBody, ip?: string) {
    requireLead(principal);
    let rules = this.loaded;
    if (body.rules) {
      try {
        rules = parseRuleFiles(body.rules);
      } catch (error) {
        if (!(error instanceof RuleSetError)) throw error;
        throw new ApplicationError(
          'request.invalid',
          `rules: the candidate rule set is invalid (${error.problems.length} problems)`,
          {
            problems: error.problems,
          },
        );
      }
    }
    await this.audit.record({
      actor: principal,
      action: 'rules.backtest',
      target: body.siteId,
      details: {
        siteId: body.siteId,
        from: body.from.toISOString(),
        to: body.to.toISOString(),
        candidateFiles: body.rules?.map((f) => f.name) ?? null,
      },
      ip,
    });
    try {
      return await runBacktest(this.db, rules, {
        siteId: body.siteId,
        from: body.from,
        to: body.to,
        profiles: this.config.posture.profiles,
      });
    } catch (error) {
      if (error instanceof UnknownSiteError)
        throw new ApplicationError('resource.not-found', `siteId: no site ${body.siteId}`);
      throw error;
    }
  }
}
