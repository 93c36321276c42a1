import { useSelector } from '@xstate/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { DeviceState, KioskDescription, LogLevel, TechnicianOverview } from '../../../kiosk-shell/api/contract';
import { AccessBar } from '../../access/AccessBar';
import { Button } from '../../components/Button';
import { PIN_MIN, SECTIONS } from '../../machines/technician';
import type { Section, TechnicianContext, TechnicianMachine } from '../../machines/technician';
import './technician.css';

type Send = ActorRefFrom<TechnicianMachine>['send'];
/** What every diagnostic section is drawn from. */
type SectionProps = { overview: TechnicianOverview; context: TechnicianContext; send: Send };
type Snapshot = SnapshotFrom<TechnicianMachine>;
type TFunction = ReturnType<typeof useTranslation>['t'];

const CONNECTION_KEY: Record<DeviceState['connection'], string> = {
  connected: 'technician.conn.connected',
  connecting: 'technician.conn.connecting',
  disconnected: 'technician.conn.disconnected',
  'not-answering': 'technician.conn.notAnswering',
  'not-configured': 'technician.conn.notConfigured',
};

const SECTION_KEY: Record<Section, string> = {
  status: 'technician.nav.status',
  devices: 'technician.nav.devices',
  network: 'technician.nav.network',
  storage: 'technician.nav.storage',
  logs: 'technician.nav.logs',
  config: 'technician.nav.config',
};

function formatBytes(bytes: number | null, t: TFunction): string {
  if (bytes === null) return t('technician.storage.unknown');
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} kB`;
}

function formatTime(iso: string | null, t: TFunction): string {
  if (iso === null) return t('technician.network.never');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('it-IT');
}

/** The PIN pad: digits only, shown as dots, never read back. */
function PinPad({ context, send }: { context: TechnicianContext; send: Send }) {
  const { t } = useTranslation();
  const problem =
    context.problem === 'wrong'
      ? t('technician.pin.wrong', { count: context.attemptsLeft ?? 0 })
      : context.problem === 'locked'
        ? t('technician.pin.locked', { time: formatTime(context.retryAt, t) })
        : context.problem === 'failed'
          ? t('technician.pin.failed')
          : context.problem === 'card' && context.cardProblem !== null
            ? `${t(`technician.pin.card.${context.cardProblem}`)} ${t('technician.pin.cardTries', { count: context.attemptsLeft ?? 0 })}`
            : null;
  return (
    <section aria-labelledby="pin-title">
      <h2 id="pin-title">{t('technician.pin.title')}</h2>
      <p>{t('technician.pin.hint')}</p>
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
      {/* The count only: the digits themselves are never shown nor announced. */}
      <p className="pin-dots" aria-live="polite">
        <span aria-hidden="true">{'●'.repeat(context.pin.length)}</span>
        <span className="tech-visually-hidden">{t('technician.pin.entered', { count: context.pin.length })}</span>
      </p>
      {/* Never spoken (EN 301 549 5.1.3.8): the digit under focus would say the PIN aloud. */}
      <div className="pin-pad" data-speech="secret">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <Button key={d} variant="secondary" onClick={() => send({ type: 'pin.digit', digit: d })}>
            {d}
          </Button>
        ))}
        <Button variant="secondary" onClick={() => send({ type: 'pin.erase' })}>
          {t('technician.pin.erase')}
        </Button>
        <Button variant="secondary" onClick={() => send({ type: 'pin.digit', digit: '0' })}>
          0
        </Button>
        <Button disabled={context.pin.length < PIN_MIN} onClick={() => send({ type: 'pin.submitted' })}>
          {t('technician.pin.submit')}
        </Button>
      </div>
      <Button variant="secondary" onClick={() => send({ type: 'exit.requested' })}>
        {t('technician.pin.cancel')}
      </Button>
    </section>
  );
}

/** The accessible name of each action's progress bar. */
const PROGRESS_LABEL = {
  syncNow: 'technician.network.syncProgress',
  checkIntegrity: 'technician.storage.checkProgress',
} as const;

/**
 * A determinate bar for an action the runtime reports on (force sync,
 * integrity check), with "12 of 40" beside it; it stays after the action ends,
 * so a sync the hub stopped shows where it stopped, next to the reason.
 */
function ActionProgress({ context, kind }: { context: TechnicianContext; kind: string }) {
  const { t } = useTranslation();
  const progress = context.progress;
  if (!progress || progress.action !== kind || progress.total === 0) return null;
  return (
    <p className="tech-progress">
      <progress value={progress.done} max={progress.total} aria-label={t(PROGRESS_LABEL[progress.action])} />{' '}
      <span>{t('technician.action.progress', { done: progress.done, total: progress.total })}</span>
    </p>
  );
}

function ActionStatus({ context, kind }: { context: TechnicianContext; kind: string }) {
  const { t } = useTranslation();
  const action = context.action;
  if (!action || action.kind !== kind) return null;
  if (action.state === 'running') {
    const reported = context.progress?.action === kind;
    return (
      <>
        <p role="status">
          {t('technician.action.running')} {!reported && <progress aria-label={t('technician.action.running')} />}
        </p>
        <ActionProgress context={context} kind={kind} />
      </>
    );
  }
  return (
    <>
      <p role="status" className={action.state === 'failed' ? 'notice' : undefined}>
        {action.state === 'failed'
          ? t('technician.action.failed', { code: action.code ?? 'INTERNAL' })
          : t('technician.action.done')}
      </p>
      <ActionProgress context={context} kind={kind} />
    </>
  );
}

function StatusSection({ overview, context, send }: SectionProps) {
  const { t } = useTranslation();
  const [message, setMessage] = useState('');
  const { status } = overview;
  const reasons = status.outOfServiceReason ? [status.outOfServiceReason, ...(status.otherReasons ?? [])] : [];
  return (
    <section className="tech-section" aria-labelledby="tech-status">
      <h2 id="tech-status">
        {status.inService ? t('technician.status.inService') : t('technician.status.outOfService')}
      </h2>
      {reasons.length > 0 && (
        <ul>
          {reasons.map((r) => (
            <li key={r}>{t(`technician.reason.${r}`)}</li>
          ))}
        </ul>
      )}
      {overview.forcedOutOfService && <p>{t('technician.status.forced')}</p>}
      {status.message && <p lang="it">«{status.message}»</p>}
      <div className="tech-actions">
        {overview.forcedOutOfService ? (
          <Button
            onClick={() =>
              send({ type: 'action.requested', action: { kind: 'setService', inService: true, message: '' } })
            }
          >
            {t('technician.status.putIn')}
          </Button>
        ) : (
          <>
            <label>
              {t('technician.status.message')}
              <br />
              <textarea
                maxLength={200}
                rows={2}
                cols={40}
                value={message}
                onChange={(e) => setMessage(e.target.value)}
              />
            </label>
            <Button
              onClick={() =>
                send({ type: 'action.requested', action: { kind: 'setService', inService: false, message } })
              }
            >
              {t('technician.status.putOut')}
            </Button>
          </>
        )}
      </div>
      <ActionStatus context={context} kind="setService" />
      <p>{t('technician.status.version', { version: overview.appVersion })}</p>
      <p>{t('technician.status.uptime', { minutes: Math.floor(overview.uptimeS / 60) })}</p>
      <h3>{t('technician.status.restartTitle')}</h3>
      <p>{t('technician.status.restartHint')}</p>
      <div className="tech-actions">
        <Button variant="secondary" onClick={() => send({ type: 'restart.requested', target: 'ui' })}>
          {t('technician.status.restartUi')}
        </Button>
        <Button variant="secondary" onClick={() => send({ type: 'restart.requested', target: 'runtime' })}>
          {t('technician.status.restartRuntime')}
        </Button>
      </div>
    </section>
  );
}

function DeviceRow({ name, state, t }: { name: string; state: DeviceState; t: TFunction }) {
  return (
    <>
      <dt>{t(`technician.device.${name}`)}</dt>
      <dd>
        {t(CONNECTION_KEY[state.connection])}
        {state.problem &&
          state.problem !== 'NOT_CONFIGURED' &&
          ` · ${t('technician.device.problem', { code: state.problem })}`}
      </dd>
    </>
  );
}

function DevicesSection({ overview, context, send }: SectionProps) {
  const { t } = useTranslation();
  const { devices } = overview;
  const act = (kind: 'testPrint' | 'paperReplaced' | 'readerTest') =>
    send({ type: 'action.requested', action: { kind } });
  return (
    <section className="tech-section" aria-labelledby="tech-devices">
      <h2 id="tech-devices">{t('technician.nav.devices')}</h2>
      <dl>
        <DeviceRow name="printer" state={devices.printer} t={t} />
        <DeviceRow name="scanner" state={devices.scanner} t={t} />
        <DeviceRow name="magstripe" state={devices.magstripe} t={t} />
        <DeviceRow name="mrz" state={devices.mrz} t={t} />
      </dl>
      {devices.printer.connection !== 'not-configured' && (
        <p>
          {t('technician.device.paper', { count: devices.printer.remainingReceipts })}
          {devices.printer.paperNearEnd && ` · ${t('technician.device.paperNearEnd')}`}
        </p>
      )}
      <div className="tech-actions">
        <Button onClick={() => act('testPrint')}>{t('technician.device.testPrint')}</Button>
        <Button variant="secondary" onClick={() => act('paperReplaced')}>
          {t('technician.device.paperReplaced')}
        </Button>
      </div>
      <ActionStatus context={context} kind="testPrint" />
      <ActionStatus context={context} kind="paperReplaced" />
      <h3>{t('technician.device.reads')}</h3>
      <p>{t('technician.device.readerHint')}</p>
      <div className="tech-actions">
        <Button variant="secondary" onClick={() => act('readerTest')}>
          {t('technician.device.readerTest')}
        </Button>
      </div>
      <ActionStatus context={context} kind="readerTest" />
      <PrintPreviews context={context} send={send} />
      {context.action?.kind === 'readerTest' && context.action.state === 'done' && (
        <ul aria-label={t('technician.device.reads')}>
          {context.reads.length === 0 && <li>{t('technician.device.noReads')}</li>}
          {context.reads.slice(0, 10).map((r) => (
            <li key={`${r.reader}-${r.at}`}>
              {t(`technician.device.${r.reader}`)}: {r.outcome}
              {r.kind && ` · ${r.kind}`}
              {r.reason && ` · ${r.reason}`}
              {r.masked &&
                ` · ${Object.entries(r.masked)
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(', ')}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function NetworkSection({ overview, context, send }: SectionProps) {
  const { t } = useTranslation();
  const { sync, queue } = overview;
  const hubState = !sync.enrolled
    ? t('technician.network.notEnrolled')
    : sync.online
      ? t('technician.network.online')
      : t('technician.network.offline');
  return (
    <section className="tech-section" aria-labelledby="tech-network">
      <h2 id="tech-network">{t('technician.network.hub', { state: hubState })}</h2>
      <p>{t('technician.network.lastPush', { time: formatTime(sync.lastPushAt, t) })}</p>
      <p>{t('technician.network.lastPull', { time: formatTime(sync.lastPullAt, t) })}</p>
      {sync.lastError && <p>{t('technician.network.lastError', { code: sync.lastError })}</p>}
      <h3>{t('technician.network.queue')}</h3>
      <ul>
        <li>{t('technician.network.queued', { count: queue.queued })}</li>
        <li>{t('technician.network.sending', { count: queue.sending })}</li>
        <li>{t('technician.network.accepted', { count: queue.accepted })}</li>
        <li>{t('technician.network.rejected', { count: queue.rejected })}</li>
      </ul>
      {queue.oldestQueuedAgeMs !== null && (
        <p>{t('technician.network.oldest', { minutes: Math.floor(queue.oldestQueuedAgeMs / 60_000) })}</p>
      )}
      {queue.rejectedItems.length > 0 && (
        <ul>
          {queue.rejectedItems.map((r) => (
            <li key={r.receiptCode}>
              {r.receiptCode} · {t('technician.network.rejectedItem', { code: r.code, reason: r.reason ?? '' })}
            </li>
          ))}
        </ul>
      )}
      <div className="tech-actions">
        <Button
          disabled={!sync.enrolled}
          onClick={() => send({ type: 'action.requested', action: { kind: 'syncNow' } })}
        >
          {t('technician.network.syncNow')}
        </Button>
      </div>
      <ActionStatus context={context} kind="syncNow" />
    </section>
  );
}

function StorageSection({ overview, context, send }: SectionProps) {
  const { t } = useTranslation();
  const { storage } = overview;
  return (
    <section className="tech-section" aria-labelledby="tech-storage">
      <h2 id="tech-storage">{t('technician.nav.storage')}</h2>
      <p>{t('technician.storage.db', { size: formatBytes(storage.dbBytes, t) })}</p>
      <p>
        {t('technician.storage.free', {
          size: formatBytes(storage.freeBytes, t),
          min: formatBytes(storage.minFreeBytes, t),
        })}
      </p>
      <div className="tech-actions">
        <Button onClick={() => send({ type: 'action.requested', action: { kind: 'checkIntegrity' } })}>
          {t('technician.storage.check')}
        </Button>
      </div>
      <ActionStatus context={context} kind="checkIntegrity" />
      {context.integrity && (
        <p role="status" className={context.integrity.ok ? undefined : 'notice'}>
          {context.integrity.ok ? t('technician.storage.ok') : t('technician.storage.failed')}
        </p>
      )}
    </section>
  );
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const MODULES = ['api', 'devices', 'sync', 'store', 'service', 'technician', 'server'] as const;

function LogsSection({ context, send }: Omit<SectionProps, 'overview'>) {
  const { t } = useTranslation();
  const [minLevel, setMinLevel] = useState<LogLevel | ''>(context.logFilter.minLevel ?? '');
  const [module, setModule] = useState<string>(context.logFilter.module ?? '');
  return (
    <section className="tech-section" aria-labelledby="tech-logs">
      <h2 id="tech-logs">{t('technician.nav.logs')}</h2>
      <div className="tech-actions">
        <label>
          {t('technician.logs.level')}{' '}
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel | '')}>
            <option value="">{t('technician.logs.all')}</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('technician.logs.module')}{' '}
          <select value={module} onChange={(e) => setModule(e.target.value)}>
            <option value="">{t('technician.logs.all')}</option>
            {MODULES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <Button
          onClick={() =>
            send({
              type: 'action.requested',
              action: { kind: 'logs', minLevel: minLevel || null, module: module || null },
            })
          }
        >
          {t('technician.logs.show')}
        </Button>
      </div>
      <ActionStatus context={context} kind="logs" />
      {context.action?.kind === 'logs' && context.action.state === 'done' && (
        <ol className="tech-logs" lang="en">
          {context.logs.length === 0 && <li>{t('technician.logs.empty')}</li>}
          {context.logs.map((l, i) => (
            <li key={`${l.time}-${i}`}>
              {l.time.slice(11, 19)} {l.level.toUpperCase()} {l.module ?? '-'} {l.event ?? ''} {l.msg}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

const DEVICE_FIELDS = ['printer', 'barcode', 'magstripe', 'mrz'] as const;
type DeviceField = (typeof DEVICE_FIELDS)[number];
const DEVICE_LABEL: Record<DeviceField, string> = {
  printer: 'technician.device.printer',
  barcode: 'technician.device.scanner',
  magstripe: 'technician.device.magstripe',
  mrz: 'technician.device.mrz',
};

/** The last prints as images, masked by the runtime (QR, pickup code and a document's text hidden). */
function PrintPreviews({ context, send }: { context: TechnicianContext; send: Send }) {
  const { t } = useTranslation();
  const shown = context.action?.kind === 'previews' && context.action.state === 'done';
  return (
    <>
      <h3>{t('technician.previews.title')}</h3>
      <p>{t('technician.previews.hint')}</p>
      <div className="tech-actions">
        <Button variant="secondary" onClick={() => send({ type: 'action.requested', action: { kind: 'previews' } })}>
          {t('technician.previews.show')}
        </Button>
      </div>
      <ActionStatus context={context} kind="previews" />
      {shown && context.previews.length === 0 && <p>{t('technician.previews.empty')}</p>}
      {shown && context.previews.length > 0 && (
        <ul className="tech-previews" aria-label={t('technician.previews.title')}>
          {context.previews.map((p) => {
            const caption = t('technician.previews.caption', {
              kind: t(`technician.previews.kind.${p.kind}`),
              time: formatTime(p.at, t),
              outcome: p.printed
                ? t('technician.previews.printed')
                : t('technician.previews.notPrinted', { code: p.problem ?? 'INTERNAL' }),
            });
            return (
              <li key={p.id}>
                <figure>
                  <img
                    src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(p.svg)}`}
                    alt={t('technician.previews.alt', { caption })}
                  />
                  <figcaption>{caption}</figcaption>
                </figure>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** Hub address, enrollment and device ports: checked by the runtime, applied at once, kept on the kiosk. */
function ConfigSection({ overview, context, send }: SectionProps) {
  const { t } = useTranslation();
  const { config } = overview;
  const [hubUrl, setHubUrl] = useState(config.hubUrl);
  const [code, setCode] = useState('');
  const [paths, setPaths] = useState<Record<DeviceField, string>>({
    printer: config.devices.printer ?? '',
    barcode: config.devices.barcode ?? '',
    magstripe: config.devices.magstripe ?? '',
    mrz: config.devices.mrz ?? '',
  });
  const fieldLabel = (field: string) =>
    field === 'hubUrl'
      ? t('technician.config.hubUrl')
      : field === 'enrollmentCode'
        ? t('technician.config.enrollmentCode')
        : field.startsWith('devices.') && field.slice('devices.'.length) in DEVICE_LABEL
          ? t(DEVICE_LABEL[field.slice('devices.'.length) as DeviceField])
          : field;
  const save = () => {
    const devices: Partial<Record<DeviceField, string | null>> = {};
    for (const f of DEVICE_FIELDS) {
      const next = paths[f].trim() === '' ? null : paths[f].trim();
      if (next !== config.devices[f]) devices[f] = next;
    }
    const change = {
      ...(hubUrl.trim() !== config.hubUrl && { hubUrl: hubUrl.trim() }),
      ...(code.trim() && { enrollmentCode: code.trim() }),
      ...(Object.keys(devices).length > 0 && { devices }),
    };
    setCode(''); // used once: never kept on screen
    send({ type: 'action.requested', action: { kind: 'configure', change } });
  };
  const result = context.configResult;
  return (
    <section className="tech-section" aria-labelledby="tech-config">
      <h2 id="tech-config">{t('technician.nav.config')}</h2>
      <p>{t('technician.config.hint')}</p>
      <p>
        {t('technician.config.frazione')}: {config.frazione}
      </p>
      <div className="tech-form">
        <label>
          {t('technician.config.hubUrl')}
          <input type="url" value={hubUrl} onChange={(e) => setHubUrl(e.target.value)} spellCheck={false} />
        </label>
        <label>
          {t('technician.config.enrollmentCode')}
          <input
            type="text"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="tech-enroll-hint"
          />
        </label>
        <p id="tech-enroll-hint">{t('technician.config.enrollHint')}</p>
        {DEVICE_FIELDS.map((f) => (
          <label key={f}>
            {t('technician.config.port', { device: t(DEVICE_LABEL[f]) })}
            <input
              type="text"
              value={paths[f]}
              onChange={(e) => setPaths({ ...paths, [f]: e.target.value })}
              placeholder={t('technician.conn.notConfigured')}
              spellCheck={false}
            />
          </label>
        ))}
      </div>
      <div className="tech-actions">
        <Button onClick={save}>{t('technician.config.save')}</Button>
      </div>
      <ActionStatus context={context} kind="configure" />
      {result &&
        (result.ok ? (
          <p role="status">
            {t('technician.config.applied')}
            {result.reopened.length > 0 &&
              ` ${t('technician.config.reopened', { devices: result.reopened.map((f) => t(DEVICE_LABEL[f])).join(', ') })}`}
            {result.syncRestarted && ` ${t('technician.config.syncRestarted')}`}
          </p>
        ) : (
          <p role="alert" className="notice">
            {t(`technician.config.problem.${result.problem}`, { field: fieldLabel(result.field) })}
          </p>
        ))}
      <p>{t('technician.status.version', { version: overview.appVersion })}</p>
    </section>
  );
}

function Panel({ snapshot, send }: { snapshot: Snapshot; send: Send }) {
  const { t } = useTranslation();
  const { context } = snapshot;
  const overview = context.overview;
  return (
    <>
      <nav aria-label={t('technician.nav.label')} className="tech-nav">
        {SECTIONS.map((s) => (
          <Button
            key={s}
            variant="secondary"
            aria-pressed={context.section === s}
            onClick={() => send({ type: 'section.selected', section: s })}
          >
            {t(SECTION_KEY[s])}
          </Button>
        ))}
      </nav>
      {!overview ? (
        <p role="status">{t('technician.action.running')}</p>
      ) : context.section === 'status' ? (
        <StatusSection overview={overview} context={context} send={send} />
      ) : context.section === 'devices' ? (
        <DevicesSection overview={overview} context={context} send={send} />
      ) : context.section === 'network' ? (
        <NetworkSection overview={overview} context={context} send={send} />
      ) : context.section === 'storage' ? (
        <StorageSection overview={overview} context={context} send={send} />
      ) : context.section === 'logs' ? (
        <LogsSection context={context} send={send} />
      ) : (
        <ConfigSection overview={overview} context={context} send={send} />
      )}
    </>
  );
}

/** Technician mode: the PIN pad, then the diagnostic sections. Italian first: technicians read it. */
export function TechnicianScreen({
  kiosk,
  technicianRef,
}: {
  kiosk: KioskDescription;
  technicianRef: ActorRefFrom<TechnicianMachine>;
}) {
  const { t } = useTranslation();
  const snapshot = useSelector(technicianRef, (s) => s);
  const send = technicianRef.send;
  const inSession = snapshot.matches('session');
  return (
    <div className="screen technician">
      <header className="screen-header">
        <p className="brand">
          {t('attract.comune', { name: kiosk.comune.name })} · {kiosk.frazione}
        </p>
      </header>
      <main className="screen-main" aria-labelledby="screen-title">
        <h1 id="screen-title">{t('technician.title')}</h1>
        {inSession ? <Panel snapshot={snapshot} send={send} /> : <PinPad context={snapshot.context} send={send} />}
      </main>
      <footer className="screen-footer">
        {inSession && (
          <Button variant="secondary" onClick={() => send({ type: 'exit.requested' })}>
            {t('technician.nav.exit')}
          </Button>
        )}
        <AccessBar />
      </footer>
    </div>
  );
}
