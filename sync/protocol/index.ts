/** The sync protocol (kiosk ↔ hub): one import for the client and the hub. */
export * from './common';
export * from './limits';
export * from './errors';
export * from './enroll';
export * from './push';
export * from './pull';
export * from './heartbeat';
export * from './endpoints';
export * from './content';
export * from './collect';
export * from './technician-card';
export * from './audit';
