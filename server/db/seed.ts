/**
 * The demo comune: Castelnuovo Magra (SP), with its frazioni, the ANPR
 * certificate types, a service catalog, office information and a small
 * stradario. Written once, when the comune is not there yet; a real comune is
 * set up with the CLI instead (`comune create`, `frazione create`).
 *
 * EXAMPLE DATA: the street list, addresses, phone numbers, e-mails and hours
 * below are invented for the demo (the same ones the kiosk's config/demo.json
 * shows). Only the comune's name, ISTAT code, codice catastale, postcode and
 * frazioni are real.
 */
import type { Kysely } from 'kysely';
import type { HubDatabase } from './schema';
import { audit, insertComune, insertFrazione, putCatalog } from './comuni';
import type { CatalogBody } from './comuni';

export const DEMO_COMUNE = { istat: '011011', name: 'Castelnuovo Magra', catastale: 'C240' } as const;

export const DEMO_FRAZIONI = [
  { code: 'colombiera', name: 'Colombiera' },
  { code: 'molicciara', name: 'Molicciara' },
  { code: 'palvotrisia', name: 'Palvotrisia' },
  { code: 'vallecchia', name: 'Vallecchia' },
  { code: 'canale', name: 'Canale' },
  { code: 'marciano', name: 'Marciano' },
  { code: 'molino-del-piano', name: 'Molino del Piano' },
] as const;

/**
 * ANPR certificates. Registry (anagrafe) certificates carry the marca da bollo
 * unless an exemption is declared; civil-status extracts such as the birth
 * certificate are exempt (DPR 642/1972, tabella B).
 */
const CERTIFICATE_TYPES: CatalogBody<'catalog'>['certificateTypes'] = [
  {
    code: 'residenza',
    name: {
      it: 'Certificato di residenza',
      en: 'Certificate of residence',
      de: 'Wohnsitzbescheinigung',
      fr: 'Certificat de résidence',
      ar: 'شهادة الإقامة',
    },
    stampDuty: true,
  },
  {
    code: 'stato-di-famiglia',
    name: {
      it: 'Stato di famiglia',
      en: 'Family status',
      de: 'Familienstandsbescheinigung',
      fr: 'Certificat de composition de famille',
      ar: 'شهادة الحالة العائلية',
    },
    stampDuty: true,
  },
  {
    code: 'nascita',
    name: {
      it: 'Certificato di nascita',
      en: 'Birth certificate',
      de: 'Geburtsurkunde',
      fr: 'Acte de naissance',
      ar: 'شهادة الميلاد',
    },
    stampDuty: false,
  },
  {
    code: 'cittadinanza',
    name: {
      it: 'Certificato di cittadinanza',
      en: 'Certificate of citizenship',
      de: 'Staatsangehörigkeitsbescheinigung',
      fr: 'Certificat de nationalité',
      ar: 'شهادة الجنسية',
    },
    stampDuty: true,
  },
  {
    code: 'esistenza-in-vita',
    name: {
      it: 'Certificato di esistenza in vita',
      en: 'Proof of life',
      de: 'Lebensbescheinigung',
      fr: 'Certificat de vie',
      ar: 'شهادة إثبات الحياة',
    },
    stampDuty: true,
  },
  {
    code: 'stato-civile',
    name: {
      it: 'Certificato di stato civile',
      en: 'Civil status certificate',
      de: 'Personenstandsbescheinigung',
      fr: "Certificat d'état civil",
      ar: 'شهادة الحالة المدنية',
    },
    stampDuty: true,
  },
].map((c) => ({ ...c, enabled: true }));

/** Report services: the kiosk maps its six categories onto these codes (kiosk-shell/runtime/requests.ts). */
const SERVICES: CatalogBody<'catalog'>['services'] = [
  ...CERTIFICATE_TYPES.map((c) => ({ code: c.code, kind: 'certificate' as const, title: c.name, enabled: true })),
  {
    code: 'segnalazione-strade',
    kind: 'report',
    title: {
      it: 'Strade e marciapiedi',
      en: 'Roads and pavements',
      de: 'Straßen und Gehwege',
      fr: 'Routes et trottoirs',
      ar: 'الطرق والأرصفة',
    },
  },
  {
    code: 'segnalazione-illuminazione',
    kind: 'report',
    title: {
      it: 'Illuminazione pubblica',
      en: 'Street lighting',
      de: 'Straßenbeleuchtung',
      fr: 'Éclairage public',
      ar: 'الإنارة العامة',
    },
  },
  {
    code: 'segnalazione-rifiuti',
    kind: 'report',
    title: {
      it: 'Rifiuti e pulizia',
      en: 'Waste and cleaning',
      de: 'Abfall und Reinigung',
      fr: 'Déchets et propreté',
      ar: 'النفايات والنظافة',
    },
  },
  {
    code: 'segnalazione-verde',
    kind: 'report',
    title: {
      it: 'Verde pubblico',
      en: 'Parks and greenery',
      de: 'Grünanlagen',
      fr: 'Espaces verts',
      ar: 'المساحات الخضراء',
    },
  },
  {
    code: 'segnalazione-acqua',
    kind: 'report',
    title: {
      it: 'Acqua e fognature',
      en: 'Water and sewers',
      de: 'Wasser und Kanalisation',
      fr: 'Eau et égouts',
      ar: 'المياه والصرف الصحي',
    },
  },
  {
    code: 'segnalazione-altro',
    kind: 'report',
    title: { it: 'Altro', en: 'Other', de: 'Sonstiges', fr: 'Autre', ar: 'أخرى' },
  },
  {
    code: 'richiesta-informazioni',
    kind: 'info-request',
    title: {
      it: 'Richiesta di informazioni',
      en: 'Ask a question',
      de: 'Eine Frage stellen',
      fr: 'Poser une question',
      ar: 'طرح سؤال',
    },
  },
].map((s) => ({ ...s, enabled: true }) as CatalogBody<'catalog'>['services'][number]);

/** EXAMPLE DATA: a few plausible streets per frazione, not the comune's stradario. */
const EXAMPLE_STREETS: Record<string, string[]> = {
  colombiera: ['Via Aurelia', 'Via Carbonara', 'Via Colombiera'],
  molicciara: ['Piazza della Pace', 'Via Provinciale', 'Via delle Rose'],
  palvotrisia: ['Via Palvotrisia', 'Via della Pieve'],
  vallecchia: ['Via Vallecchia', 'Via dei Mulini'],
  canale: ['Via Canale', 'Via del Torrente'],
  marciano: ['Via Marciano', 'Via degli Ulivi'],
  'molino-del-piano': ['Via Molino del Piano', 'Via della Chiusa'],
};

const STRADARIO: CatalogBody<'stradario'> = {
  streets: [
    { code: 'ES-0001', name: 'Via Vittorio Veneto', frazione: null, postcode: '19033' },
    ...Object.entries(EXAMPLE_STREETS).flatMap(([frazione, names], f) =>
      names.map((name, i) => ({
        code: `ES-${String((f + 1) * 100 + i + 1).padStart(4, '0')}`,
        name,
        frazione,
        postcode: '19033',
      })),
    ),
  ],
};

const WEEKDAYS = [1, 2, 3, 4, 5] as const;
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** EXAMPLE DATA: offices and contacts as in config/demo.json. */
const OFFICES: CatalogBody<'offices'> = {
  offices: [
    {
      id: 'municipio-anagrafe',
      name: 'Municipio - Ufficio Anagrafe',
      address: 'Via Vittorio Veneto 1, 19033 Castelnuovo Magra (SP)',
      phone: '+39 0187 000 001',
      email: 'anagrafe@comune.esempio.it',
      staffed: true,
      lat: 44.1013,
      lon: 10.0171,
      hours: [
        ...WEEKDAYS.map((day) => ({ day, opens: '08:30', closes: '12:30' })),
        { day: 2, opens: '15:00', closes: '17:00' },
        { day: 4, opens: '15:00', closes: '17:00' },
        { day: 6, opens: '09:00', closes: '12:00' },
      ].sort((a, b) => a.day - b.day),
    },
    {
      id: 'sportello-molicciara',
      name: 'Sportello decentrato di Molicciara',
      address: 'Piazza della Pace 2, 19033 Molicciara (SP)',
      phone: '+39 0187 000 002',
      email: 'molicciara@comune.esempio.it',
      staffed: true,
      lat: 44.0839,
      lon: 10.0122,
      hours: [1, 3, 5].map((day) => ({ day, opens: '09:00', closes: '12:00' })),
    },
    {
      id: 'chiosco-colombiera',
      name: 'Sportello automatico di Colombiera',
      address: 'Via Aurelia 100, 19033 Colombiera (SP)',
      phone: '+39 0187 000 099',
      email: 'sportello@comune.esempio.it',
      staffed: false,
      lat: 44.0786,
      lon: 10.0063,
      hours: ALL_DAYS.map((day) => ({ day, opens: '00:00', closes: '23:59' })),
    },
  ],
  contacts: [
    { topic: 'registry', phone: '+39 0187 000 001', email: 'anagrafe@comune.esempio.it' },
    { topic: 'municipalPolice', phone: '+39 0187 000 010', email: 'polizialocale@comune.esempio.it' },
    { topic: 'publicWorks', phone: '+39 0187 000 020', email: 'lavoripubblici@comune.esempio.it' },
    { topic: 'kioskSupport', phone: '+39 0187 000 099', email: 'sportello@comune.esempio.it' },
  ],
};

/** The demo catalog: exported so tests can build catalog changes from it. */
export const DEMO_CATALOG: CatalogBody<'catalog'> = { services: SERVICES, certificateTypes: CERTIFICATE_TYPES };

/** Writes the demo comune unless it exists already (so a clerk's later changes are never overwritten). */
export async function seedDemo(db: Kysely<HubDatabase>, now: number): Promise<boolean> {
  if (!(await insertComune(db, DEMO_COMUNE, now))) return false;
  for (const frazione of DEMO_FRAZIONI) {
    await insertFrazione(db, { istat: DEMO_COMUNE.istat, ...frazione }, now);
  }
  await putCatalog(db, DEMO_COMUNE.istat, 'catalog', DEMO_CATALOG, now);
  await putCatalog(db, DEMO_COMUNE.istat, 'stradario', STRADARIO, now);
  await putCatalog(db, DEMO_COMUNE.istat, 'offices', OFFICES, now);
  await audit(db, { at: now, actor: 'seed', action: 'demo.seed', subject: DEMO_COMUNE.istat });
  return true;
}
