/**
 * `npm run sim -- <command> [args]`: drives the virtual devices of a kiosk
 * started with `npm start`, found through SPORTELLO_DATA_DIR (default ./var).
 *
 *   scan <text>                      the barcode scanner reads <text>
 *   swipe <tracks>                   a card is swiped through the magstripe reader
 *   mrz <line1> <line2> [line3]      a document is laid on the MRZ reader
 *   paper ok|near-end|out            the printer's paper
 *   cover open|closed                the printer's cover
 *   unplug|plug <printer|scanner|magstripe|mrz>
 *   headphones in|out              headphones plugged into the jack (speech output)
 */
import { resolve } from 'node:path';
import { sendSimCommand, simSocketPath } from './control';

const dataDir = resolve(process.env.SPORTELLO_DATA_DIR?.trim() || 'var');
const argv = process.argv.slice(2);

if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
  process.stdout.write(
    'usage: npm run sim -- scan <text> | swipe <tracks> | mrz <line1> <line2> [line3] | paper ok|near-end|out | cover open|closed | unplug|plug <printer|scanner|magstripe|mrz> | headphones in|out\n',
  );
  process.exit(argv.length === 0 ? 2 : 0);
}

try {
  const reply = await sendSimCommand(simSocketPath(dataDir), argv);
  (reply.ok ? process.stdout : process.stderr).write(`${reply.message}\n`);
  process.exit(reply.ok ? 0 : 1);
} catch {
  process.stderr.write(
    `No kiosk with virtual devices is running on ${dataDir}. Start one with \`npm start\` (and the same SPORTELLO_DATA_DIR).\n`,
  );
  process.exit(1);
}
