/**
 * Technician PIN administration, run on the kiosk by whoever installs it:
 *
 *   tsx kiosk-shell/runtime/technician-cli.ts set-pin   < pin.txt   # stores the hash in this kiosk's store
 *   tsx kiosk-shell/runtime/technician-cli.ts hash-pin  < pin.txt   # prints a hash for `technician.pinHash`
 *   tsx kiosk-shell/runtime/technician-cli.ts unlock                 # clears a PIN lockout
 *
 * The PIN is read from standard input (4 to 12 digits), never from the command
 * line (it would stay in the shell history and the process list). The store is
 * the one of SPORTELLO_CONFIG / SPORTELLO_DATA_DIR, as the runtime uses it; run
 * it with the runtime stopped or running (SQLite serialises the write).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, openStore } from '../../sync/store/db';
import { TECH_KEYS, appendAudit, setTechState } from '../../sync/store/technician';
import { loadConfig } from './config';
import { configPath } from './paths';
import { STORE_FILE } from './runtime';
import { hashPin } from './technician-auth';

function readPin(): string {
  const pin = readFileSync(0, 'utf8').trim();
  if (!/^\d{4,12}$/.test(pin)) throw new Error('the PIN must be 4 to 12 digits, on standard input');
  return pin;
}

function main(argv: string[]): void {
  const [command] = argv;
  if (command === 'hash-pin') {
    process.stdout.write(`${hashPin(readPin())}\n`);
    return;
  }
  if (command !== 'set-pin' && command !== 'unlock') {
    throw new Error('usage: technician-cli.ts set-pin|hash-pin|unlock (the PIN on standard input)');
  }
  const config = loadConfig(configPath());
  const hash = command === 'set-pin' ? hashPin(readPin()) : null;
  const store = openStore(join(config.dataDir, STORE_FILE));
  try {
    const at = Date.now();
    if (hash !== null) setTechState(store.db, TECH_KEYS.pinHash, hash, at);
    setTechState(store.db, TECH_KEYS.lockout, null, at);
    appendAudit(store.db, { at, actor: 'cli', action: command });
  } finally {
    closeStore(store);
  }
  process.stdout.write(command === 'set-pin' ? 'technician PIN set on this kiosk\n' : 'PIN lockout cleared\n');
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
