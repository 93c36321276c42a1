import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, waitFor } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { Identity, ReaderRead } from '../../kiosk-shell/api/contract';
import { identifyMachine, maskCodiceFiscale, normaliseTyped } from './identify';
import type { CheckCodiceFiscaleOutput, IdentifyEvent, IdentifyMachine, IdentifyOutput } from './identify';

const GOOD_CF = 'RSSMRA80A01H501U';
const WRONG_CHECK_CF = 'RSSMRA80A01H501X';

const cardIdentity: Identity = {
  source: 'mrz',
  codiceFiscale: null,
  surname: 'BIANCHI',
  givenNames: 'ANNA MARIA',
  birthDate: '1948-03-12',
  document: { kind: 'CIE', number: 'CA00000AA', issuingState: 'ITA', expiryDate: '2031-03-12' },
};
const identityRead: ReaderRead = { kind: 'identity', reader: 'mrz', identity: cardIdentity };

/**
 * A kiosk whose readers the test drives, and whose codice fiscale check knows
 * one good code (the runtime's real check lives in hardware/, which the
 * renderer may not import).
 */
function startKiosk(check: (cf: string) => Promise<CheckCodiceFiscaleOutput> = fakeCheck) {
  let present: ((read: ReaderRead) => void) | null = null;
  const machine = identifyMachine.provide({
    actors: {
      cardReads: fromCallback<IdentifyEvent>(({ sendBack }) => {
        present = (read) => sendBack({ type: 'card.read', read });
        return () => {
          present = null;
        };
      }),
      checkCodiceFiscale: fromPromise<CheckCodiceFiscaleOutput, { codiceFiscale: string }>(({ input }) =>
        check(input.codiceFiscale),
      ),
    },
  });
  const actor = createActor(machine, { input: { locale: 'it' } });
  actor.start();
  return {
    actor,
    read(read: ReaderRead) {
      if (!present) throw new Error('no reader is listening in this state');
      present(read);
    },
    get listening() {
      return present !== null;
    },
    type(value: string) {
      actor.send({ type: 'typing.requested' });
      actor.send({ type: 'typed.changed', value });
      actor.send({ type: 'typed.submitted' });
    },
  };
}

function fakeCheck(codiceFiscale: string): Promise<CheckCodiceFiscaleOutput> {
  if (codiceFiscale === GOOD_CF) return Promise.resolve({ ok: true, codiceFiscale });
  if (/^[A-Z0-9]{16}$/.test(codiceFiscale)) return Promise.resolve({ ok: false, problem: 'cf-check-char' });
  return Promise.resolve({ ok: false, problem: 'cf-malformed' });
}

describe('identification', () => {
  it('identifies a resident who types a codice fiscale the kiosk approves', async () => {
    const kiosk = startKiosk();
    kiosk.type('rssmra80a01h501u');
    const confirming = await waitFor(kiosk.actor, (s) => s.matches('confirming'));
    expect(confirming.context.identity).toEqual({
      source: 'typed',
      codiceFiscale: GOOD_CF,
      surname: null,
      givenNames: null,
      birthDate: null,
      document: null,
    });
    kiosk.actor.send({ type: 'identity.confirmed' });
    expect(kiosk.actor.getSnapshot().status).toBe('done');
    expect(kiosk.actor.getSnapshot().output).toEqual({ outcome: 'identified', identity: confirming.context.identity });
  });

  it('refuses a codice fiscale with a wrong check character, shows why and keeps what was typed', async () => {
    const kiosk = startKiosk();
    kiosk.type(WRONG_CHECK_CF);
    const back = await waitFor(kiosk.actor, (s) => s.matches('typing') && s.context.problem !== null);
    expect(back.context.problem).toBe('cf-check-char');
    expect(back.context.typed).toBe(WRONG_CHECK_CF);
    expect(back.context.identity).toBeNull();
    expect(back.status).toBe('active');
  });

  it('does not send an incomplete codice fiscale to the check', () => {
    let checked = 0;
    const kiosk = startKiosk((cf) => {
      checked += 1;
      return fakeCheck(cf);
    });
    kiosk.type('RSSMRA80');
    expect(kiosk.actor.getSnapshot().matches('typing')).toBe(true);
    expect(kiosk.actor.getSnapshot().context.problem).toBe('cf-malformed');
    expect(checked).toBe(0);
  });

  it('lets the resident retry when the check cannot be made', async () => {
    const kiosk = startKiosk(() => Promise.reject(new Error('runtime gone')));
    kiosk.type(GOOD_CF);
    const s = await waitFor(kiosk.actor, (x) => x.matches('typing') && x.context.problem !== null);
    expect(s.context.problem).toBe('check-unavailable');
    expect(s.context.identity).toBeNull();
  });

  it('keeps only letters and digits, uppercase, at most 16, of what is typed', () => {
    expect(normaliseTyped('rss mra-80a01h501u EXTRA')).toBe(GOOD_CF);
  });

  it('asks "is this you?" with the name read from a card, and identifies on yes', () => {
    const kiosk = startKiosk();
    kiosk.read(identityRead);
    expect(kiosk.actor.getSnapshot().matches('confirming')).toBe(true);
    kiosk.actor.send({ type: 'identity.confirmed' });
    expect(kiosk.actor.getSnapshot().output).toEqual({ outcome: 'identified', identity: cardIdentity });
  });

  it('still takes a card while the resident is typing', () => {
    const kiosk = startKiosk();
    kiosk.actor.send({ type: 'typing.requested' });
    kiosk.actor.send({ type: 'typed.changed', value: 'RSS' });
    kiosk.read(identityRead);
    const s = kiosk.actor.getSnapshot();
    expect(s.matches('confirming')).toBe(true);
    expect(s.context.typed).toBe('');
  });

  it('explains an unreadable card and keeps waiting for another try', () => {
    const kiosk = startKiosk();
    kiosk.read({ kind: 'problem', reader: 'magstripe', problem: 'unreadable' });
    const s = kiosk.actor.getSnapshot();
    expect(s.matches('waiting')).toBe(true);
    expect(s.context.problem).toBe('unreadable');
    expect(kiosk.listening).toBe(true);
  });

  it('refuses an expired document and keeps waiting', () => {
    const kiosk = startKiosk();
    kiosk.read({ kind: 'problem', reader: 'mrz', problem: 'expired' });
    const s = kiosk.actor.getSnapshot();
    expect(s.matches('waiting')).toBe(true);
    expect(s.context.problem).toBe('expired');
    expect(s.context.identity).toBeNull();
  });

  it('says a scanned receipt is not an identity card', () => {
    const kiosk = startKiosk();
    kiosk.read({ kind: 'receipt', reader: 'scanner', requestCode: 'K7Q29FXM', pickupSecret: null });
    expect(kiosk.actor.getSnapshot().context.problem).toBe('not-a-card');
    expect(kiosk.actor.getSnapshot().matches('waiting')).toBe(true);
  });

  it('forgets who was read when the resident says "not me", and starts again', () => {
    const kiosk = startKiosk();
    kiosk.read(identityRead);
    kiosk.actor.send({ type: 'identity.rejected' });
    const s = kiosk.actor.getSnapshot();
    expect(s.matches('waiting')).toBe(true);
    expect(s.context.identity).toBeNull();
    expect(s.context.typed).toBe('');
    expect(kiosk.listening).toBe(true);
  });

  it('forgets a typed codice fiscale when the resident goes back from "is this you?"', async () => {
    const kiosk = startKiosk();
    kiosk.type(GOOD_CF);
    await waitFor(kiosk.actor, (s) => s.matches('confirming'));
    kiosk.actor.send({ type: 'back' });
    const s = kiosk.actor.getSnapshot();
    expect(s.matches('waiting')).toBe(true);
    expect(s.context.identity).toBeNull();
    expect(s.context.typed).toBe('');
  });

  it('goes back from typing to the cards, and from the cards out, cancelled', () => {
    const kiosk = startKiosk();
    kiosk.actor.send({ type: 'typing.requested' });
    kiosk.actor.send({ type: 'typed.changed', value: 'RSSMRA' });
    kiosk.actor.send({ type: 'back' });
    expect(kiosk.actor.getSnapshot().matches('waiting')).toBe(true);
    expect(kiosk.actor.getSnapshot().context.typed).toBe('');
    kiosk.actor.send({ type: 'back' });
    expect(kiosk.actor.getSnapshot().status).toBe('done');
    expect(kiosk.actor.getSnapshot().output).toEqual({ outcome: 'cancelled' });
    expect(kiosk.listening).toBe(false);
  });

  it('follows the language the resident picks', () => {
    const kiosk = startKiosk();
    kiosk.actor.send({ type: 'locale.changed', locale: 'ar' });
    expect(kiosk.actor.getSnapshot().context.locale).toBe('ar');
  });

  it('shows a codice fiscale with only its first 3 and last 4 characters', () => {
    expect(maskCodiceFiscale(GOOD_CF)).toBe('RSS•••••••••501U');
    expect(maskCodiceFiscale(GOOD_CF)).toHaveLength(16);
  });
});

describe('identification graph', () => {
  // Every event a resident, a reader or the check can produce, including the invoked check's answers.
  const events = [
    { type: 'card.read', read: identityRead },
    { type: 'card.read', read: { kind: 'problem', reader: 'magstripe', problem: 'unreadable' } },
    { type: 'card.read', read: { kind: 'receipt', reader: 'scanner', requestCode: 'K7Q29FXM', pickupSecret: null } },
    { type: 'typing.requested' },
    { type: 'typed.changed', value: GOOD_CF },
    { type: 'typed.submitted' },
    { type: 'xstate.done.actor.checkCodiceFiscale', output: { ok: true, codiceFiscale: GOOD_CF } },
    { type: 'xstate.done.actor.checkCodiceFiscale', output: { ok: false, problem: 'cf-check-char' } },
    { type: 'xstate.error.actor.checkCodiceFiscale', error: new Error('runtime gone') },
    { type: 'identity.confirmed' },
    { type: 'identity.rejected' },
    { type: 'back' },
  ] as unknown as IdentifyEvent[];
  // States differ by where the resident is and what was typed; problems and identities do not multiply them.
  const serializeState = (s: SnapshotFrom<IdentifyMachine>) =>
    JSON.stringify({ value: s.value, typed: s.context.typed, status: s.status });
  const options = { input: { locale: 'it' as const }, events, serializeState };

  it('reaches every state', () => {
    const reached = new Set(getShortestPaths(identifyMachine, options).map((p) => JSON.stringify(p.state.value)));
    for (const state of ['waiting', 'typing', 'checking', 'confirming', 'identified', 'cancelled']) {
      expect(reached, state).toContain(JSON.stringify(state));
    }
  });

  it('ends identified only after "yes, it is me", and otherwise leads to a way out', () => {
    const toDone = getSimplePaths(identifyMachine, { ...options, toState: (s) => s.status === 'done' });
    const onSomePathToTheEnd = new Set(toDone.flatMap((p) => p.steps.map((step) => JSON.stringify(step.state.value))));
    for (const state of ['waiting', 'typing', 'checking', 'confirming']) {
      expect(onSomePathToTheEnd, `${state} leads to an end`).toContain(JSON.stringify(state));
    }
    const outcomes = new Set(toDone.map((p) => (p.state.output as IdentifyOutput).outcome));
    expect([...outcomes].sort()).toEqual(['cancelled', 'identified']);
    for (const path of toDone) {
      const last = path.steps.at(-1);
      if (path.state.matches('identified')) {
        expect(last?.event.type).toBe('identity.confirmed');
        expect(path.state.output).toMatchObject({ outcome: 'identified' });
      } else {
        expect(path.state.matches('cancelled')).toBe(true);
        expect(path.state.output).toEqual({ outcome: 'cancelled' });
      }
    }
  });
});
