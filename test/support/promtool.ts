import { spawnSync } from 'node:child_process';

/**
 * promtool (Debian package prometheus), which the metrics and alert-rule tests run: .ci/run
 * installs it when missing; elsewhere `apt-get install prometheus`. Without it those tests fail
 * saying so, rather than pass unseen.
 */
export function requirePromtool(): void {
  if (spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error('promtool is not installed: apt-get install --no-install-recommends prometheus (.ci/run does it)');
  }
}
