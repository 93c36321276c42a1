/**
 * What every reader shares: the shape of a frame decoder, of an unreadable
 * event, and the logger a service takes.
 *
 * A decoder is pure and incremental: bytes go in through `feed(chunk, now)`,
 * frames and `unreadable` events come out, time is only what the caller says it
 * is. It holds at most `maxBuffered` bytes whatever it is fed, and it never
 * throws on garbage: anything it cannot frame becomes `{ kind: 'unreadable' }`.
 */

/** Why a read failed, as a value the UI can explain (never the bytes themselves). */
export type Unreadable<R extends string = string> = {
  kind: 'unreadable';
  reason: R;
  /** Non-personal diagnostics (lengths, field names), safe to log. */
  detail?: string;
};

export type Framed<F> = { kind: 'frame'; frame: F };

export type DecoderOutput<F, R extends string> = Framed<F> | Unreadable<R>;

export interface FrameDecoder<F, R extends string> {
  /** Takes the bytes that arrived at `now` (ms); returns what they complete, in order. */
  feed(chunk: Uint8Array, now: number): DecoderOutput<F, R>[];
  /** Completes what the inter-byte timeout ends; call at or after `deadline()`. */
  tick(now: number): DecoderOutput<F, R>[];
  /** Gives up on whatever is buffered (the line went away); the decoder is then empty. */
  flush(): DecoderOutput<F, R>[];
  /** When `tick` next has work to do, or null while nothing is buffered. */
  deadline(): number | null;
  /** Bytes (or characters) held right now; never above `maxBuffered`. */
  readonly buffered: number;
  readonly maxBuffered: number;
}

/** A parser's answer: the typed read, or why there is none. */
export type Parsed<T, R extends string> = { ok: true; value: T } | ({ ok: false } & Omit<Unreadable<R>, 'kind'>);

/** The part of a pino logger the readers use; fields are ids, kinds and reasons only. */
export type ReaderLogger = {
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
};

export const CR = 0x0d;
export const LF = 0x0a;
