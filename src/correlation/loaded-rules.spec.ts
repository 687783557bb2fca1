import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig } from 'src/config/app-config';
import { LoadedRules } from './loaded-rules';

describe('LoadedRules', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'oreguard-rules-'))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('refuses a RULES_DIR with no rule (a wrong path, an empty mount) unless RULES_ALLOW_EMPTY', () => {
    writeFileSync(join(dir, 'README.md'), 'not a rule');
    expect(() => new LoadedRules(loadConfig({ RULES_DIR: dir }))).toThrow(
      /holds no correlation rule .*set RULES_ALLOW_EMPTY=true/,
    );

    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(new LoadedRules(loadConfig({ RULES_DIR: dir, RULES_ALLOW_EMPTY: 'true' })).ruleSet.rules).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/holds no correlation rule .*\(RULES_ALLOW_EMPTY\)/));
  });

  it('loads the shipped rules', () => {
    expect(
      new LoadedRules(loadConfig({ RULES_DIR: join(__dirname, '..', '..', 'rules') })).ruleSet.rules.length,
    ).toBeGreaterThan(0);
  });
});
