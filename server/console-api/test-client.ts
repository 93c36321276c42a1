/**
 * A console client for tests: signs in over HTTP like the browser does, keeps
 * the session cookie and the CSRF token, and never throws on a status.
 */
export type ConsoleCall = { status: number; json: unknown; headers: Headers };

export class TestConsole {
  cookie: string | null = null;
  csrfToken: string | null = null;

  constructor(private readonly hubUrl: string) {}

  async login(login: string, password: string): Promise<ConsoleCall> {
    const result = await this.call('POST', '/console/api/login', { body: { login, password }, csrf: false });
    const setCookie = result.headers.get('set-cookie');
    if (result.status === 200 && setCookie !== null) {
      this.cookie = setCookie.split(';')[0]!;
      this.csrfToken = (result.json as { csrfToken: string }).csrfToken;
    }
    return result;
  }

  /** One API call with the session cookie; `csrf` sends the session's token (default), or the given string. */
  async call(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; csrf?: boolean | string; cookie?: string | null } = {},
  ): Promise<ConsoleCall> {
    const headers: Record<string, string> = {};
    const cookie = options.cookie === undefined ? this.cookie : options.cookie;
    if (cookie !== null) headers.cookie = cookie;
    const csrf = options.csrf ?? true;
    if (typeof csrf === 'string') headers['x-csrf-token'] = csrf;
    else if (csrf && this.csrfToken !== null) headers['x-csrf-token'] = this.csrfToken;
    let body: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body ?? {});
    }
    const response = await fetch(this.hubUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  }
}
