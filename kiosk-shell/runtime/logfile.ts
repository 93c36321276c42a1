import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLogger } from './log';
import type { Logger } from './log';

/** The runtime's logger for a data dir: everything to logs/runtime.log, warnings also to stderr. */
export function createFileLogger(dataDir: string): Logger {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return createLogger({
    destination: pino.multistream([
      // Synchronous: low volume, and the last lines before a crash are the ones a technician needs.
      { level: 'info', stream: pino.destination({ dest: join(dir, 'runtime.log'), mkdir: true, sync: true }) },
      { level: 'warn', stream: process.stderr },
    ]),
  });
}
