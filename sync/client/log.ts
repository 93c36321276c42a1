/**
 * The logger the sync client takes: the subset of pino's API it uses, so the
 * runtime passes `logger.child({ module: 'sync' })`. Fields are ids, codes and
 * counts only: never sealed bytes, never anything a resident typed.
 */
export type LogFn = (fields: Record<string, unknown>, message?: string) => void;
export type SyncLogger = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };

const ignore: LogFn = () => undefined;
export const silentLogger: SyncLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
