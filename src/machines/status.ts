/** PLACEHOLDER being replaced in this change: the status flow. */
import { setup } from 'xstate';
import type { FlowEvent, FlowInput, FlowOutput } from './flow';

export const statusMachine = setup({
  types: { input: {} as FlowInput, output: {} as FlowOutput, events: {} as FlowEvent },
}).createMachine({
  id: 'status',
  initial: 'start',
  states: { start: { on: { back: 'done' } }, done: { type: 'final' } },
  output: (): FlowOutput => ({ next: 'home' }),
});

export type StatusMachine = typeof statusMachine;
