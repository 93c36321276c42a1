/** The Informazioni service: load office information from the runtime, show it, retry on failure. */
import { assign, fromPromise, setup } from 'xstate';
import type { Info } from '../../kiosk-shell/api/contract';

export type InfoContext = { info: Info | null };
export type InfoEvent = { type: 'retry.requested' };

export const infoMachine = setup({
  types: { context: {} as InfoContext, events: {} as InfoEvent },
  actors: {
    loadInfo: fromPromise<Info>(() => {
      throw new Error('loadInfo must be provided');
    }),
  },
  actions: {
    assignInfo: assign({ info: (_, info: Info) => info }),
  },
}).createMachine({
  id: 'info',
  context: { info: null },
  initial: 'loading',
  states: {
    loading: {
      invoke: {
        src: 'loadInfo',
        onDone: { target: 'ready', actions: { type: 'assignInfo', params: ({ event }) => event.output } },
        onError: 'failed',
      },
    },
    ready: {},
    failed: {
      on: { 'retry.requested': 'loading' },
    },
  },
});

export type InfoMachine = typeof infoMachine;
