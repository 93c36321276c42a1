/**
 * Process exit codes the runtime and Electron main agree on. A module of its
 * own, without zod, so main's bundle does not carry the whole contract.
 */

/**
 * The runtime closed itself because a technician asked for a restart
 * (`technician.restart`): Electron main starts it again at once and does not
 * count it as a crash.
 */
export const RESTART_EXIT_CODE = 75;
