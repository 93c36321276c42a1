import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger };

/**
 * Field names that may carry personal data. They are censored wherever they
 * appear (one level of nesting, which is how handlers log inputs); a module
 * should never log them in the first place, this is the second line.
 */
const PERSONAL_FIELDS = [
  'codiceFiscale',
  'cf',
  'fiscalCode',
  'name',
  'givenName',
  'surname',
  'familyName',
  'birthDate',
  'email',
  'phone',
  'address',
  'track',
  'tracks',
  'mrz',
  'card',
  'pin',
  'input',
  'token',
];
const REDACT_PATHS = PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`]);

/** A codice fiscale (omocodia letters included) anywhere in a message. */
const CODICE_FISCALE = /\b[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z]\b/gi;

/** Replaces anything shaped like a codice fiscale in a free-text message. */
export function scrub(text: string): string {
  return text.replace(CODICE_FISCALE, '[codice fiscale]');
}

/**
 * The runtime's root logger. Each module takes a child with `module` set and
 * logs an `event` name with ids only.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { app: 'sportello-runtime' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      formatters: {
        log(object) {
          // Error messages can quote input back (zod, SQLite); scrub them too.
          const err = object.err as { message?: unknown } | undefined;
          if (err && typeof err.message === 'string') {
            return { ...object, err: { ...err, message: scrub(err.message) } };
          }
          return object;
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
