import { spawnSync } from 'node:child_process';

/** Whether promtool (Debian package prometheus; .ci/run installs it when missing) is on the PATH. */
export const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
