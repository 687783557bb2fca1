// The correlation engine's public surface, for the fold workers and the rules API.
export { contextFromOutages, type CorrelationContext, type SensorOutage } from './blind-zones';
export { collectMatches, correlate, type CorrelationMatch } from './correlate';
export {
  CorrelationEngine,
  type EngineOptions,
  type EngineStats,
  type KeyedSiteEvent,
  type MatchUpdate,
  type PushResult,
} from './correlation-engine';
export {
  buildRuleSet,
  describeProblem,
  parseRuleFile,
  parseRuleFiles,
  parseRules,
  RuleSetError,
  type CompiledRule,
  type RuleProblem,
  type RuleSet,
} from './rule-set';
