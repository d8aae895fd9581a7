'use strict';
// The test-runner API: start an emulator on a free port for a test run, and route a Playwright
// browser's requests for Talkative's hosts to it. The same API as the Python package's
// (`talkative_emulator.start`, `route_talkative`); docs/testing-with-your-stack.md shows both.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { binaryPath } = require('./binary.js');

/** Hosts the widget is loaded from in production: `https://{region}.engage.app`. */
const TALKATIVE_HOSTS = /^(?:[a-z0-9-]+\.)*engage\.app$/i;

/** The last lines the emulator logged, for failure messages. */
const LOG_LINES_KEPT = 400;

class Log {
  constructor() {
    this.lines = [];
    this.partial = { stdout: '', stderr: '' };
  }
  push(stream, chunk) {
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop();
    for (const line of lines) {
      this.lines.push(line);
      if (this.lines.length > LOG_LINES_KEPT) this.lines.shift();
    }
  }
  text() {
    const tail = [this.partial.stderr, this.partial.stdout].filter(Boolean);
    return [...this.lines, ...tail].join('\n');
  }
}

function failure(message, log) {
  const text = log.text();
  return new Error(text ? `${message}\n--- the emulator's log (last ${LOG_LINES_KEPT} lines) ---\n${text}` : message);
}

/**
 * Starts the emulator and resolves once it answers, on a free loopback port and a fresh database
 * (removed on stop) unless told otherwise. It stops when `stop()` is called, and when this
 * process exits, however it exits (the emulator watches its stdin).
 */
async function start(options = {}) {
  const {
    config,
    port = 0,
    reportOnly = false,
    args = [],
    database,
    adminPassword,
    env = {},
    timeout = 15000,
  } = options;
  const binary = binaryPath();
  const scratch = database ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'talkative-emulator-'));
  const databasePath = database ?? path.join(scratch, 'talkative-emulator.db');
  const argv = [
    'serve',
    '--bind',
    `127.0.0.1:${port}`,
    '--database-url',
    `sqlite://${databasePath}`,
    '--print-url',
    '--stop-when-stdin-closes',
  ];
  if (config) argv.push('--config', path.resolve(config));
  if (reportOnly) argv.push('--report-only');
  argv.push(...args);
  const childEnv = { ...process.env, ...env };
  if (adminPassword) childEnv.TALKATIVE_ADMIN_PASSWORD = adminPassword;
  const log = new Log();
  const child = spawn(binary, argv, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => log.push('stderr', chunk));
  const removeScratch = () => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => resolve({ error }));
  });
  // However this process ends, the emulator ends too: its stdin closes with us, and it stops.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);

  // With --tls-bind, --print-url prints the https URL on a second line.
  const tls = argv.some((arg) => arg === '--tls-bind' || arg.startsWith('--tls-bind='));
  const linesWanted = tls ? 2 : 1;
  const urls = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(failure(`talkative-emulator did not say it was ready within ${timeout} ms.`, log));
    }, timeout);
    const onData = (chunk) => {
      stdout += chunk.toString('utf8');
      const lines = stdout.split('\n');
      if (lines.length > linesWanted) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', (more) => log.push('stdout', more));
        const rest = lines.slice(linesWanted).join('\n');
        if (rest) log.push('stdout', rest);
        resolve(lines.slice(0, linesWanted).map((line) => line.trim()));
      }
    };
    child.stdout.on('data', onData);
    exited.then(({ code, signal, error }) => {
      clearTimeout(timer);
      if (error) {
        reject(failure(`could not run ${binary}: ${error.message}`, log));
      } else {
        reject(failure(`talkative-emulator exited (${signal ?? `code ${code}`}) before it was ready.`, log));
      }
    });
  }).catch((error) => {
    process.off('exit', killOnExit);
    removeScratch();
    throw error;
  });

  // Ready: from here on the emulator does not keep this process alive by itself.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) stream.unref?.();

  const emulator = new Emulator({ child, url: urls[0], log, exited, adminPassword, removeScratch, killOnExit });
  if (tls) {
    emulator.tlsUrl = urls[1];
    const tlsDir = argv[argv.lastIndexOf('--tls-dir') + 1];
    const where = argv.includes('--tls-dir') ? ['--tls-dir', tlsDir] : ['--database-url', `sqlite://${databasePath}`];
    emulator._tlsSpkiCommand = [binary, ['tls', 'spki', ...where]];
  }
  return emulator;
}

class Emulator {
  constructor({ child, url, log, exited, adminPassword, removeScratch, killOnExit }) {
    this.url = url;
    this.port = Number(new URL(url).port);
    this.process = child;
    this._log = log;
    this._exited = exited;
    this._authorization = adminPassword ? `Bearer ${adminPassword}` : null;
    this._removeScratch = removeScratch;
    this._killOnExit = killOnExit;
    this._stopped = null;
    /** `https://127.0.0.1:PORT` when started with `--tls-bind`. */
    this.tlsUrl = null;
    this._tlsSpkiCommand = null;
  }

  /** The TLS listener's pin, for Chromium's `--ignore-certificate-errors-spki-list`. */
  tlsSpki() {
    if (!this._tlsSpkiCommand) throw new Error('started without --tls-bind: there is no TLS listener to pin');
    const [binary, args] = this._tlsSpkiCommand;
    return require('node:child_process').execFileSync(binary, args, { encoding: 'utf8' }).trim();
  }

  /** What the emulator logged (its last lines), for a failure message. */
  log() {
    return this._log.text();
  }

  /** Stops it gracefully (the log is written out first) and removes its scratch database. */
  stop() {
    if (!this._stopped) {
      this._stopped = (async () => {
        this.process.kill('SIGTERM');
        const timer = setTimeout(() => this.process.kill('SIGKILL'), 10000);
        await this._exited;
        clearTimeout(timer);
        process.off('exit', this._killOnExit);
        this._removeScratch();
      })();
    }
    return this._stopped;
  }

  /** `fetch` against the emulator, with the admin password when one was given. */
  async request(pathAndQuery, init = {}) {
    const headers = new Headers(init.headers ?? {});
    if (this._authorization && !headers.has('authorization')) {
      headers.set('authorization', this._authorization);
    }
    return fetch(new URL(pathAndQuery, this.url), { ...init, headers });
  }

  /** Everything back to the config file's keys, fields and widget configs (`POST /api/v1/reset`). */
  async reset() {
    const response = await this.request('/api/v1/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) {
      throw failure(`reset failed: ${response.status} ${await response.text()}`, this._log);
    }
    return response.json();
  }

  /**
   * The newest interaction in the log matching `filter` (the log's own filters: `status`,
   * `source`, `code`, `label`, `name`, `q`, `engagement`, `rejected`, `after`), waiting up to
   * `timeout` ms for one to be recorded. Rejects with what the log holds when none comes.
   */
  async waitFor(filter = {}, { timeout = 10000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const left = Math.max(0, deadline - Date.now());
      const query = new URLSearchParams({ limit: '1' });
      for (const [key, value] of Object.entries(filter)) {
        if (value !== undefined && value !== null) query.set(key, String(value));
      }
      // The server waits (woken by the recording); at most 60 s a call.
      query.set('wait', `${Math.max(0, Math.min(60000, left))}ms`);
      const response = await this.request(`/api/v1/interactions?${query}`);
      if (!response.ok) {
        throw new Error(`waitFor(${JSON.stringify(filter)}): ${response.status} ${await response.text()}`);
      }
      const { interactions } = await response.json();
      if (interactions.length > 0) return interactions[0];
      if (Date.now() >= deadline) {
        const recent = await (await this.request('/api/v1/interactions?limit=5')).json();
        const seen = recent.interactions
          .map((i) => `  ${i.receivedAt} ${i.source ?? 'api'} ${i.status}: ${(i.verdict?.codes ?? []).join(', ') || 'no codes'}`)
          .join('\n');
        throw new Error(
          `waitFor(${JSON.stringify(filter)}): no such interaction within ${timeout} ms. ` +
            (seen ? `The newest in the log:\n${seen}` : 'The log is empty.'),
        );
      }
    }
  }
}

function isTalkativeUrl(url) {
  const parsed = url instanceof URL ? url : new URL(url);
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && TALKATIVE_HOSTS.test(parsed.hostname);
}

/**
 * Makes a Playwright BrowserContext (or Page) fetch Talkative's hosts from the emulator, path and
 * query kept: a page that imports `https://eu.engage.app/api/ecs/v1/loader/….js` runs unchanged.
 * Resolves to a function that removes the route.
 */
async function routeTalkative(contextOrPage, emulator, { hosts = TALKATIVE_HOSTS } = {}) {
  const matches = (url) => {
    const parsed = url instanceof URL ? url : new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && hosts.test(parsed.hostname);
  };
  const handler = async (route) => {
    const from = new URL(route.request().url());
    const to = new URL(from.pathname + from.search, emulator.url);
    // route.continue cannot switch https to http: fetch from the emulator, answer with that.
    const response = await route.fetch({ url: to.toString(), maxRedirects: 0 });
    await route.fulfill({ response });
  };
  await contextOrPage.route(matches, handler);
  return () => contextOrPage.unroute(matches, handler);
}

module.exports = { start, routeTalkative, isTalkativeUrl, Emulator, TALKATIVE_HOSTS };
