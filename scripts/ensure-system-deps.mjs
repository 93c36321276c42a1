#!/usr/bin/env node
/**
 * `npm test` needs a few things from outside npm: Debian's Chromium (driven by
 * Playwright, never downloaded), socat (virtual serial devices) and espeak-ng
 * (speech output). Run as
 * root it installs what is missing with apt-get; otherwise it stops at once
 * and prints the exact command to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDS = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'socat', present: () => onPath('socat') },
  // Speech output for residents who cannot see the screen (on-device, offline).
  { pkg: 'espeak-ng', present: () => onPath('espeak-ng') },
  { pkg: 'fonts-dejavu-core', present: () => existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf') },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  process.stderr.write(
    `The tests need ${missing.join(', ')} from the system. Install with:\n\n  sudo sh -c '${command}'\n\n`,
  );
  process.exit(1);
}

process.stdout.write(`Installing ${missing.join(', ')} with apt-get…\n`);
const result = spawnSync('sh', ['-c', command], {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
if (result.status !== 0) {
  process.stderr.write(`apt-get failed; run it yourself:\n\n  ${command}\n\n`);
  process.exit(1);
}
