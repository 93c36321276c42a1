import { readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { LocaleSchema, OpeningHoursSchema } from '../api/contract';

const DevicePath = z
  .string()
  .regex(/^\/\S+$/, 'must be an absolute device path such as /dev/serial/by-id/…')
  .nullable();

const OfficeConfigSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes only'),
  name: z.string().min(1),
  address: z.string().min(1),
  phone: z.string().min(1),
  email: z.email(),
  staffed: z.boolean(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  hours: z.array(OpeningHoursSchema),
});

export const ConfigSchema = z
  .object({
    $comment: z.string().optional(),
    comune: z.object({
      name: z.string().min(1),
      istat: z.string().regex(/^\d{6}$/, 'the ISTAT code has 6 digits'),
      catastale: z.string().regex(/^[A-Z]\d{3}$/, 'the codice catastale is a letter and 3 digits'),
      province: z.string().regex(/^[A-Z]{2}$/, 'two capital letters'),
      cap: z.string().regex(/^\d{5}$/, 'the CAP has 5 digits'),
      frazioni: z.array(z.string().min(1)).min(1),
    }),
    frazione: z.string().min(1),
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
    locales: z.object({ default: LocaleSchema, available: z.array(LocaleSchema).min(1) }),
    /** Where the store and logs live; SPORTELLO_DATA_DIR overrides it. Relative to the working directory. */
    dataDir: z.string().min(1).default('./var'),
    devices: z.object({
      printer: DevicePath,
      barcode: DevicePath,
      magstripe: DevicePath,
      mrz: DevicePath,
    }),
    hub: z.object({ url: z.url({ protocol: /^https?$/ }) }),
    /** Technician mode. A PIN set on the kiosk (technician-cli.ts set-pin) overrides `pinHash`. */
    technician: z
      .object({
        $comment: z.string().optional(),
        /** scrypt hash of the technician PIN (`scrypt$N$r$p$salt$hash`); null: PIN entry disabled until one is set. */
        pinHash: z
          .string()
          .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'a hash made by technician-cli.ts hash-pin')
          .nullable()
          .default(null),
        /** A technician session ends after this long without a technician action. */
        sessionIdleS: z.number().int().min(30).max(3600).default(300),
      })
      .prefault({}),
    /** When the kiosk puts itself out of service (kiosk-shell/runtime/status.ts). */
    service: z
      .object({
        /** Out of service below this much free disk, in MB. */
        minFreeMb: z.number().nonnegative().default(200),
        /** Every configured device failing for this long puts the kiosk out of service. */
        deviceGraceS: z.number().nonnegative().default(60),
        /** How often disk and devices are looked at again. */
        checkIntervalS: z.number().positive().max(3600).default(15),
      })
      .prefault({}),
    supportPhone: z.string().min(1),
    exampleData: z.boolean(),
    info: z.object({
      offices: z.array(OfficeConfigSchema),
      contacts: z.array(
        z.object({
          topic: z.string().regex(/^[a-z][a-zA-Z]*$/),
          phone: z.string().min(1),
          email: z.email(),
        }),
      ),
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.comune.frazioni.includes(c.frazione)) {
      ctx.addIssue({
        code: 'custom',
        path: ['frazione'],
        message: `must be one of the comune's frazioni (${c.comune.frazioni.join(', ')})`,
      });
    }
    if (!c.locales.available.includes(c.locales.default)) {
      ctx.addIssue({
        code: 'custom',
        path: ['locales', 'default'],
        message: 'must be one of locales.available',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** A configuration that cannot be used; `fields` names every bad field by its dotted path. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly fields: string[],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** Parses an already-read configuration object; throws ConfigError naming each bad field. */
export function parseConfig(raw: unknown, file: string, env: NodeJS.ProcessEnv = {}): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => fieldPath(i.path));
    const lines = parsed.error.issues.map((i) => `  ${fieldPath(i.path)}: ${i.message}`);
    throw new ConfigError(file, fields, `invalid configuration in ${file}:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  const dataDir = env.SPORTELLO_DATA_DIR?.trim() || config.dataDir;
  return { ...config, dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir) };
}

/** Reads and validates the configuration file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [], `cannot read configuration ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [], `configuration ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, file, env);
}

/**
 * What a technician changed on the kiosk's screen (technician.configure): kept
 * in the store and laid over the configuration file at every start, so it
 * survives restarts and updates of the file. Never holds an enrollment code.
 */
export const ConfigOverrideSchema = z
  .object({
    hubUrl: ConfigSchema.shape.hub.shape.url.optional(),
    devices: z
      .object({
        printer: DevicePath.optional(),
        barcode: DevicePath.optional(),
        magstripe: DevicePath.optional(),
        mrz: DevicePath.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ConfigOverride = z.infer<typeof ConfigOverrideSchema>;

export const DEVICE_FIELDS = ['printer', 'barcode', 'magstripe', 'mrz'] as const;
export type DeviceField = (typeof DEVICE_FIELDS)[number];

/** The configuration with a technician's override laid over it. */
export function applyOverride(config: Config, override: ConfigOverride | null): Config {
  if (!override) return config;
  const devices = { ...config.devices };
  for (const field of DEVICE_FIELDS) {
    const path = override.devices?.[field];
    if (path !== undefined) devices[field] = path;
  }
  return { ...config, hub: { url: override.hubUrl ?? config.hub.url }, devices };
}

/** Two overrides merged, the later one winning field by field. */
export function mergeOverrides(base: ConfigOverride | null, next: ConfigOverride): ConfigOverride {
  const devices = { ...base?.devices, ...next.devices };
  const hubUrl = next.hubUrl ?? base?.hubUrl;
  return {
    ...(hubUrl !== undefined && { hubUrl }),
    ...(Object.keys(devices).length > 0 && { devices }),
  };
}

/** Why a device path cannot be used, or null when it is a character device (a serial port, a PTY). */
export function devicePathProblem(path: string): 'path-missing' | 'not-a-device' | null {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return 'path-missing';
  }
  return stat.isCharacterDevice() ? null : 'not-a-device';
}
