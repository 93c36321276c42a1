import { useMachine } from '@xstate/react';
import { useCallback, useEffect, useMemo } from 'react';
import { I18nextProvider } from 'react-i18next';
import { fromPromise } from 'xstate';
import type { ActorRefFrom } from 'xstate';
import type { Info, KioskDescription } from '../../kiosk-shell/api/contract';
import type { KioskApi } from '../api/client';
import { unwrap } from '../api/unwrap';
import { createI18n, direction } from '../i18n';
import { infoMachine } from '../machines/info';
import type { InfoMachine } from '../machines/info';
import { sessionMachine } from '../machines/session';
import type { SessionEndReason } from '../machines/session';
import { installKeypadNavigation } from '../components/keypad';
import { IdleDialog } from '../components/IdleDialog';
import { AccessProvider } from '../access/AccessProvider';
import { AttractScreen } from '../screens/AttractScreen';
import { HomeScreen } from '../screens/HomeScreen';
import { InfoScreen } from '../screens/InfoScreen';
import { OutOfServiceScreen } from '../screens/OutOfServiceScreen';
import { UnreachableScreen } from '../screens/UnreachableScreen';
import { CertificateFlow } from '../screens/certificate/CertificateFlow';
import { ReportFlow } from '../screens/report/ReportFlow';
import { StatusFlow } from '../screens/status/StatusFlow';
import { PickupFlow } from '../screens/pickup/PickupFlow';
import type { PickupMachine } from '../machines/pickup';
import type { CertificateMachine } from '../machines/certificate';
import type { ReportMachine } from '../machines/report';
import type { StatusMachine } from '../machines/status';
import { certificateFlow } from './wire-certificate';
import { reportFlow } from './wire-report';
import { statusFlow } from './wire-status';
import { technicianFlow } from './wire-technician';
import { TechnicianScreen } from '../screens/technician/TechnicianScreen';
import type { TechnicianMachine } from '../machines/technician';
import { pickupFlow } from './wire-pickup';

/** The session machine wired to the kiosk API: every I/O is one of these named actors. */
export function kioskMachine(api: KioskApi) {
  return sessionMachine.provide({
    actors: {
      describeKiosk: fromPromise<KioskDescription>(async () => unwrap(await api.call('kiosk.describe', {}))),
      reportSessionEnd: fromPromise<void, { reason: SessionEndReason }>(async ({ input }) => {
        unwrap(await api.call('session.ended', { reason: input.reason }));
      }),
      infoFlow: infoMachine.provide({
        actors: { loadInfo: fromPromise<Info>(async () => unwrap(await api.call('info.get', {}))) },
      }),
      certificateFlow: certificateFlow(api),
      reportFlow: reportFlow(api),
      statusFlow: statusFlow(api),
      technicianFlow: technicianFlow(api),
      pickupFlow: pickupFlow(api),
    },
  });
}

export function App({ api }: { api: KioskApi }) {
  const machine = useMemo(() => kioskMachine(api), [api]);
  const [state, send, sessionRef] = useMachine(machine);
  const i18n = useMemo(() => createI18n(), []);
  const { locale, kiosk } = state.context;

  useEffect(() => api.on('kiosk.status', (status) => send({ type: 'kiosk.statusChanged', status })), [api, send]);

  // A technician card opens technician mode at attract, home or out of service (or on the PIN pad);
  // in the middle of a resident's service the session the runtime opened for it is ended at once.
  useEffect(
    () =>
      api.on('technician.card', (card) => {
        const snapshot = sessionRef.getSnapshot();
        const technician = snapshot.children.technician as ActorRefFrom<TechnicianMachine> | undefined;
        const free =
          snapshot.matches('attract') ||
          snapshot.matches('outOfService') ||
          (snapshot.matches('technician') && technician?.getSnapshot().matches('pin') === true) ||
          snapshot.matches({ active: { screen: 'home' } });
        if (free) send({ type: 'technician.card', card });
        else if (card.ok) void api.call('technician.logout', { token: card.token });
      }),
    [api, send, sessionRef],
  );

  // The printer's state decides what the tiles promise ("no receipt: the code will be shown").
  useEffect(() => {
    const off = api.on('devices.status', (devices) => send({ type: 'printer.changed', printer: devices.printer }));
    void api.call('devices.status', {}).then((r) => {
      if (r.ok) send({ type: 'printer.changed', printer: r.value.printer });
    });
    return off;
  }, [api, send]);

  useEffect(() => {
    void i18n.changeLanguage(locale);
    document.documentElement.lang = locale;
    document.documentElement.dir = direction(locale);
  }, [i18n, locale]);

  // Any touch or key is activity for the idle watch; the long-press menu is never shown.
  useEffect(() => {
    const acted = () => send({ type: 'user.acted' });
    const noMenu = (e: Event) => e.preventDefault();
    window.addEventListener('pointerdown', acted, true);
    window.addEventListener('keydown', acted, true);
    window.addEventListener('contextmenu', noMenu);
    const removeKeypad = installKeypadNavigation(document, () => send({ type: 'back.requested' }));
    return () => {
      window.removeEventListener('pointerdown', acted, true);
      window.removeEventListener('keydown', acted, true);
      window.removeEventListener('contextmenu', noMenu);
      removeKeypad();
    };
  }, [send]);

  const onTimeFactor = useCallback((factor: number) => send({ type: 'access.timeFactorChanged', factor }), [send]);

  let screen: React.ReactNode;
  if (state.matches('booting')) {
    screen = <main className="screen" aria-busy="true" />;
  } else if (state.matches('unreachable') || !kiosk) {
    screen = <UnreachableScreen />;
  } else if (state.matches('outOfService')) {
    screen = <OutOfServiceScreen kiosk={kiosk} onTechnician={() => send({ type: 'technician.requested' })} />;
  } else if (state.matches('technician')) {
    const technicianRef = state.children.technician as ActorRefFrom<TechnicianMachine> | undefined;
    screen = technicianRef ? <TechnicianScreen kiosk={kiosk} technicianRef={technicianRef} /> : null;
  } else if (state.matches('attract') || state.matches('deciding') || state.matches('ending')) {
    screen = <AttractScreen kiosk={kiosk} send={send} />;
  } else if (state.matches({ active: { screen: 'info' } })) {
    const infoRef = state.children.info as ActorRefFrom<InfoMachine> | undefined;
    screen = infoRef ? <InfoScreen kiosk={kiosk} infoRef={infoRef} send={send} /> : null;
  } else if (state.matches({ active: { screen: 'certificate' } })) {
    const flowRef = state.children.flow as ActorRefFrom<CertificateMachine> | undefined;
    screen = flowRef ? <CertificateFlow kiosk={kiosk} flowRef={flowRef} send={send} /> : null;
  } else if (state.matches({ active: { screen: 'report' } })) {
    const flowRef = state.children.flow as ActorRefFrom<ReportMachine> | undefined;
    screen = flowRef ? <ReportFlow kiosk={kiosk} flowRef={flowRef} send={send} /> : null;
  } else if (state.matches({ active: { screen: 'status' } })) {
    const flowRef = state.children.flow as ActorRefFrom<StatusMachine> | undefined;
    screen = flowRef ? <StatusFlow kiosk={kiosk} flowRef={flowRef} send={send} /> : null;
  } else if (state.matches({ active: { screen: 'pickup' } })) {
    const flowRef = state.children.flow as ActorRefFrom<PickupMachine> | undefined;
    screen = flowRef ? <PickupFlow kiosk={kiosk} flowRef={flowRef} send={send} /> : null;
  } else {
    screen = <HomeScreen kiosk={kiosk} printer={state.context.printer} send={send} />;
  }

  return (
    <I18nextProvider i18n={i18n}>
      <AccessProvider api={api} locale={locale} sessionActive={state.matches('active')} onTimeFactor={onTimeFactor}>
        {screen}
        {state.matches({ active: { idle: 'warning' } }) && (
          <IdleDialog
            secondsLeft={state.context.secondsLeft}
            onMoreTime={() => send({ type: 'idle.moreTimeRequested' })}
            onFinish={() => send({ type: 'idle.finishRequested' })}
          />
        )}
      </AccessProvider>
    </I18nextProvider>
  );
}
