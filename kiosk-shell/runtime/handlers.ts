import type { Database } from 'better-sqlite3';
import type { Info, KioskStatus, Office, SyncState } from '../api/contract';
import { readInfo } from '../../sync/store/info';
import type { StoredOffice } from '../../sync/store/info';
import { recordSessionEnd } from '../../sync/store/sessions';
import type { Config } from './config';
import type { DeviceManager } from './devices';
import { ApiFailure } from './dispatch';
import type { Handlers } from './dispatch';
import { distanceM } from './geo';
import type { RequestService } from './requests';
import type { Speech } from './speech';
import type { PickupService } from './pickup';
import type { TechnicianHandlers } from './technician';

export type HandlerContext = {
  config: Config;
  db: Database;
  devices: DeviceManager;
  requests: RequestService;
  speech: Speech;
  /** Headphones in the jack now. */
  headphones: () => boolean;
  /** Ritiro documenti (./pickup). */
  pickup: PickupService;
  sync: () => SyncState;
  status: () => KioskStatus;
  /** The contract's Technician section (./technician.ts). */
  technician: TechnicianHandlers;
  now: () => Date;
};

function nearestStaffed<T extends { staffed: boolean; lat: number; lon: number }>(
  offices: readonly T[],
  here: { lat: number; lon: number },
): T | null {
  let best: T | null = null;
  let bestM = Infinity;
  for (const o of offices) {
    if (!o.staffed) continue;
    const m = distanceM(here, o);
    if (m < bestM) [best, bestM] = [o, m];
  }
  return best;
}

function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The kiosk API's handlers: one per method of the contract. */
export function createHandlers(ctx: HandlerContext): Handlers {
  const { config, db } = ctx;

  function requireService(): void {
    if (!ctx.status().inService) {
      throw new ApiFailure('OUT_OF_SERVICE', 'the kiosk is out of service');
    }
  }

  return {
    'kiosk.describe': () => {
      const nearest = nearestStaffed(config.info.offices, config.location);
      return {
        comune: { name: config.comune.name, istat: config.comune.istat, province: config.comune.province },
        frazione: config.frazione,
        locales: config.locales.available,
        defaultLocale: config.locales.default,
        supportPhone: config.supportPhone,
        nearestCounter: nearest && { name: nearest.name, address: nearest.address, phone: nearest.phone },
        exampleData: config.exampleData,
        status: ctx.status(),
      };
    },

    'info.get': (): Info => {
      requireService();
      const { offices, contacts } = readInfo(db);
      const withDistance = (o: StoredOffice): Office => ({
        id: o.id,
        name: o.name,
        address: o.address,
        phone: o.phone,
        email: o.email,
        staffed: o.staffed,
        hours: o.hours,
        distanceM: distanceM(config.location, o),
      });
      const sorted = offices.map(withDistance).sort((a, b) => a.distanceM - b.distanceM);
      return {
        offices: sorted,
        nearestStaffedId: nearestStaffed(offices, config.location)?.id ?? null,
        contacts,
        exampleData: config.exampleData,
      };
    },

    'session.ended': ({ reason }) => {
      // Whatever the session kept for the resident goes now, whether or not it can be counted.
      ctx.requests.endSession();
      ctx.speech.stop();
      ctx.speech.changeVolume('reset');
      return { sessions: ctx.status().inService ? recordSessionEnd(db, localDay(ctx.now()), reason) : 0 };
    },

    'devices.status': () => ctx.devices.status(),
    'devices.testPrint': () => ctx.devices.testPrint(config.comune.name, ctx.now()),
    'devices.lastReads': () => ctx.devices.lastReads(),
    'sync.status': () => ctx.sync(),
    'speech.say': ({ text, locale }) => {
      // Answered at once; a kiosk without a sound card just stays silent.
      ctx.speech.say({ text, locale }).catch(() => undefined);
      return {};
    },
    'speech.repeat': () => {
      ctx.speech.repeat().catch(() => undefined);
      return {};
    },
    'speech.stop': () => {
      ctx.speech.stop();
      return {};
    },
    'speech.volume': ({ change }) => ({ headphones: ctx.headphones(), volume: ctx.speech.changeVolume(change) }),
    'audio.status': () => ({ headphones: ctx.headphones(), volume: ctx.speech.volume() }),
    'identity.checkCodiceFiscale': ({ codiceFiscale }) => ctx.requests.checkCodiceFiscale(codiceFiscale),
    'services.catalog': () => {
      requireService();
      return ctx.requests.catalog();
    },
    'requests.create': (request) => {
      requireService();
      return ctx.requests.create(request);
    },
    'requests.reprint': ({ receiptCode }) => {
      requireService();
      return ctx.requests.reprint(receiptCode);
    },
    'requests.lookup': ({ receiptCode }) => {
      requireService();
      return ctx.requests.lookup(receiptCode);
    },
    // Pickup.
    'pickup.find': ({ receiptCode }) => {
      requireService();
      return ctx.pickup.find(receiptCode);
    },
    'pickup.collect': (input) => {
      requireService();
      return ctx.pickup.collect(input);
    },
    ...ctx.technician,
  };
}
