import type { z } from 'zod';
import { MAX_FRAME_BYTES, RequestFrameSchema, isMethodName, methods } from '../api/contract';
import type { ErrorCode, MethodName, Methods, ResponseFrame, Result } from '../api/contract';
import type { Logger } from './log';

/** An expected failure a handler reports to the caller as `{ ok: false, error }`. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export type Handlers = {
  [M in MethodName]: (
    input: z.infer<Methods[M]['input']>,
  ) => z.infer<Methods[M]['output']> | Promise<z.infer<Methods[M]['output']>>;
};

function fail(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

function issuesSummary(error: z.ZodError): string {
  // Paths and codes only: a message must never echo what a resident typed.
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.code}`)
    .join('; ');
}

/**
 * Turns one raw frame into one response frame. Never throws: a bad frame, an
 * unknown method, invalid input or a failing handler each become a coded
 * error, and the connection goes on serving.
 */
export function createDispatcher(handlers: Handlers, log: Logger) {
  return async function dispatch(raw: string): Promise<ResponseFrame> {
    if (raw.length > MAX_FRAME_BYTES) {
      return { id: null, result: fail('BAD_FRAME', `frame larger than ${MAX_FRAME_BYTES} bytes`) };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { id: null, result: fail('BAD_FRAME', 'frame is not JSON') };
    }
    const frame = RequestFrameSchema.safeParse(json);
    if (!frame.success) {
      const id = (json as { id?: unknown } | null)?.id;
      return {
        id: typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : null,
        result: fail('BAD_FRAME', `frame must be { id, method, input }: ${issuesSummary(frame.error)}`),
      };
    }
    const { id, method } = frame.data;
    if (!isMethodName(method)) {
      return { id, result: fail('UNKNOWN_METHOD', `no method named ${JSON.stringify(method.slice(0, 64))}`) };
    }
    return { id, result: await call(method, frame.data.input) };
  };

  async function call(method: MethodName, rawInput: unknown): Promise<Result<unknown>> {
    const spec = methods[method];
    const input = spec.input.safeParse(rawInput ?? {});
    if (!input.success) {
      log.info({ event: 'api.invalid-input', method }, 'refused invalid input');
      return fail('INVALID_INPUT', issuesSummary(input.error));
    }
    try {
      const handler = handlers[method] as (input: unknown) => unknown;
      const value = spec.output.parse(await handler(input.data));
      return { ok: true, value };
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.code, err.message);
      log.error({ event: 'api.handler-failed', method, err }, 'handler failed');
      return fail('INTERNAL', 'the kiosk could not complete this request');
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>;
