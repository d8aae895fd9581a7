// Types for the test-runner API (lib/index.js).

export interface StartOptions {
  /** A TOML config file (keys, unsigned fields, widget configs) installed at start and on reset. */
  config?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Verify and record, but accept everything, listing what enforcement would drop. */
  reportOnly?: boolean;
  /** More `serve` flags, e.g. `['--strict-widget-configs']`. */
  args?: string[];
  /** A database file to keep; the default is a fresh one, removed on stop. */
  database?: string;
  /** Turns the admin password on; the Emulator's own calls send it. */
  adminPassword?: string;
  /** More environment for the emulator's process. */
  env?: Record<string, string>;
  /** How long to wait for it to be ready, in ms (15000). */
  timeout?: number;
}

/** The log's filters (GET /api/v1/interactions), all optional. */
export interface InteractionFilter {
  status?: 'valid' | 'invalid' | 'absent';
  source?: 'api' | 'widget' | 'demo' | 'playground' | 'core_api';
  code?: string;
  label?: string;
  name?: string;
  q?: string;
  engagement?: string;
  rejected?: boolean;
  after?: string;
}

/** One interaction of the log, as `GET /api/v1/interactions` returns it (docs/api.md). */
export interface Interaction {
  id: string;
  receivedAt: string;
  status: 'valid' | 'invalid' | 'absent';
  rejected: number;
  source?: string;
  engagement?: string;
  request: unknown;
  verdict: {
    codes?: string[];
    accepted?: Array<{ label: string; name?: string; data: unknown; type?: string }>;
    [member: string]: unknown;
  };
  [member: string]: unknown;
}

export declare class Emulator {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly port: number;
  /** `https://127.0.0.1:PORT` when started with `args: ['--tls-bind', '127.0.0.1:0']`, else null. */
  readonly tlsUrl: string | null;
  /** The TLS listener's pin for Chromium's `--ignore-certificate-errors-spki-list`. */
  tlsSpki(): string;
  /** The emulator's process. */
  readonly process: import('node:child_process').ChildProcess;
  /** Its last log lines, for a failure message. */
  log(): string;
  /** Stops it gracefully and removes its scratch database. */
  stop(): Promise<void>;
  /** `fetch` against the emulator, sending the admin password when one was given. */
  request(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** `POST /api/v1/reset`: back to the config file's keys, fields and widget configs. */
  reset(): Promise<{ signingKeys: number; unsignedFields: number; widgetConfigs: number; reportOnly: boolean }>;
  /** The newest interaction matching `filter`, waiting up to `timeout` ms (10000) for one. */
  waitFor(filter?: InteractionFilter, options?: { timeout?: number }): Promise<Interaction>;
}

/** Starts an emulator on a free port with a fresh database; resolves when it answers. */
export declare function start(options?: StartOptions): Promise<Emulator>;

/**
 * Anything with Playwright's `route`/`unroute`: a BrowserContext or a Page (typed loosely, so the
 * package needs no Playwright types of a particular version: recent ones resolve `route` to a
 * Disposable).
 */
export interface Routable {
  route(url: (url: URL) => boolean, handler: (route: any, request: any) => unknown): Promise<unknown>;
  unroute(url: (url: URL) => boolean, handler?: (route: any, request: any) => unknown): Promise<unknown>;
}

/**
 * Makes a Playwright context or page fetch `https://*.engage.app/**` from the emulator (path and
 * query kept). Resolves to a function that removes the route.
 */
export declare function routeTalkative(
  contextOrPage: Routable,
  emulator: { url: string },
  options?: { hosts?: RegExp },
): Promise<() => Promise<void>>;

/** Whether a URL is one of Talkative's hosts (`*.engage.app`). */
export declare function isTalkativeUrl(url: string | URL): boolean;

export declare const TALKATIVE_HOSTS: RegExp;
