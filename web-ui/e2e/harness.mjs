// Browser test harness: a real gateway (the debug binary, a temp data dir, the built desk from
// web-ui/dist) and Debian's headless Chromium driven by playwright-core.
//
//   import { test, before, after } from 'node:test';
//   import { startDesk, loginAs, assertNoConsoleErrors } from './harness.mjs';
//
//   let desk;
//   before(async () => { desk = await startDesk(); });
//   after(() => desk?.close());
//
//   test('an owner logs in', async () => {
//     const tenant = await desk.createTenant();           // owner login/password included
//     const page = await desk.newPage();                   // fresh context, errors collected
//     await desk.goto(page, '/login');
//     await loginAs(page, tenant.ownerLogin, tenant.ownerPassword);
//     await desk.screenshot(page, 'inbox');                // only with SWITCHBOARD_SCREENSHOTS=1
//     assertNoConsoleErrors(page);
//   });
//
// Environment: SWITCHBOARD_BIN (default $CARGO_TARGET_DIR/debug/switchboard, target/ by default), SWITCHBOARD_WEB_DIR (default
// web-ui/dist), CHROMIUM (default /usr/bin/chromium), SWITCHBOARD_SCREENSHOTS=1 (write
// docs/screenshots/NAME.png), E2E_HEADED=1 (watch it, with a display), E2E_GATEWAY_LOG=1 (print the
// gateway's log when the harness closes).

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const gatewayBin = path.resolve(
  repoRoot,
  process.env.SWITCHBOARD_BIN ?? `${process.env.CARGO_TARGET_DIR ?? 'target'}/debug/switchboard`,
);
export const webDir = path.resolve(repoRoot, process.env.SWITCHBOARD_WEB_DIR ?? 'web-ui/dist');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = path.join(repoRoot, 'docs/screenshots');

/** Chromium's flags: quiet, no sandbox (root in CI), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** What the gateway's Content-Security-Policy must say (gateway/src/http/web.rs). */
export const CONTENT_SECURITY_POLICY_PARTS = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self' ws: wss:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
];

const run = promisify(execFile);

/** The harness passes --web-dir itself; an exported SWITCHBOARD_WEB_DIR must not leak in. */
function withoutWebDir(env) {
  const { SWITCHBOARD_WEB_DIR: _ignored, ...rest } = env;
  return rest;
}
let unique = 0;

/** A name no other test in this run uses: `${prefix}-<pid>-<n>`. */
export function uniqueName(prefix = 'e2e') {
  unique += 1;
  return `${prefix}-${process.pid}-${unique}`;
}

/**
 * Starts a gateway on 127.0.0.1:0 with a temp data dir, serving the built desk, and a headless
 * Chromium. Close it with `desk.close()` (in `after`). `web: false` starts the gateway without
 * `--web-dir` (and outside the repository, so no default desk either); `browser: false` skips
 * Chromium; `env` and `args` go to the gateway.
 */
export async function startDesk({ env = {}, args = [], web = true, browser = true } = {}) {
  const needed = [['the gateway (cargo build -p switchboard-gateway)', gatewayBin]];
  if (web) needed.push(['the desk (scripts/build-web)', path.join(webDir, 'index.html')]);
  if (browser) needed.push(['Chromium (scripts/install-deps)', chromiumPath]);
  for (const [what, file] of needed) {
    if (!existsSync(file)) throw new Error(`e2e: ${file} is missing: build or install ${what}`);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-'));
  const desk = new Desk(tmp);
  try {
    await desk.startGateway(env, web ? ['--web-dir', webDir, ...args] : args, web ? repoRoot : tmp);
    if (!browser) return desk;
    desk.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: !process.env.E2E_HEADED,
      // playwright-core gives every launch a fresh temporary profile (user data dir) and
      // removes it on close; each newPage() gets its own context (cookies, storage) on top.
      args: process.env.E2E_HEADED ? CHROMIUM_ARGS.filter((a) => a !== '--headless') : CHROMIUM_ARGS,
    });
  } catch (err) {
    await desk.close();
    throw err;
  }
  return desk;
}

export class Desk {
  constructor(tmp) {
    this.tmp = tmp;
    this.dataDir = path.join(tmp, 'data');
    /** The gateway's base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
    this.url = null;
    this.gateway = null;
    this.browser = null;
    this.log = [];
    this.sockets = new Set();
    this.contexts = new Set();
  }

  async startGateway(env, args, cwd) {
    const child = spawn(
      gatewayBin,
      ['serve', '--listen', '127.0.0.1:0', '--data-dir', this.dataDir, ...args],
      {
        cwd,
        env: {
          ...withoutWebDir(process.env),
          SWITCHBOARD_LOG: process.env.SWITCHBOARD_LOG ?? 'info',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.gateway = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => this.remember(chunk));
    child.stdout.setEncoding('utf8');
    this.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`e2e: the gateway did not start in 30 s:\n${this.gatewayLog()}`)),
        30_000,
      );
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = out.match(/listening on (http:\/\/\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace(/\/$/, ''));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`e2e: the gateway exited (${code ?? signal}):\n${this.gatewayLog()}`));
      });
    });
  }

  remember(chunk) {
    this.log.push(chunk);
    if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
  }

  /** The gateway's recent log (stderr), for assertion messages. */
  gatewayLog() {
    return this.log.join('');
  }

  /**
   * Creates a tenant with `switchboard tenant create` (same data dir). Returns its JSON
   * (`tenant_id`, `app_key`, `owner_id`, `identity_secret`) plus `ownerLogin`, `ownerPassword`.
   */
  async createTenant({
    name = uniqueName('tenant'),
    ownerLogin = uniqueName('owner'),
    ownerPassword = 'correct horse battery',
    ownerEmail,
  } = {}) {
    const args = ['tenant', 'create', '--data-dir', this.dataDir, '--name', name];
    args.push('--owner-login', ownerLogin, '--owner-password', ownerPassword);
    if (ownerEmail) args.push('--owner-email', ownerEmail);
    const { stdout } = await run(gatewayBin, args, {
      cwd: repoRoot,
      env: { ...process.env, SWITCHBOARD_LOG: 'warn' },
    });
    return { ...JSON.parse(stdout), name, ownerLogin, ownerPassword };
  }

  /**
   * One REST call: `await desk.api('POST', '/v1/groups', { token, body: { name: 'Sales' } })`.
   * Returns `{ status, headers, body }` (body parsed as JSON when it is JSON). Never throws on
   * an HTTP error status; use `apiOk` for that.
   */
  async api(method, urlPath, { token, body, headers = {} } = {}) {
    const response = await fetch(this.url + urlPath, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Like `api`, but throws unless the status is 2xx; returns the body. */
  async apiOk(method, urlPath, options) {
    const response = await this.api(method, urlPath, options);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${method} ${urlPath}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  /** Logs in over REST (`POST /v1/auth/login`); returns the token. */
  async login(login, password) {
    const body = await this.apiOk('POST', '/v1/auth/login', { body: { login, password } });
    return body.token;
  }

  /** An end user's token for the tenant's widget (`POST /v1/widget/sessions`). */
  async widgetToken(appKey, extra = {}) {
    const body = await this.apiOk('POST', '/v1/widget/sessions', { body: { app_key: appKey, ...extra } });
    return body.token;
  }

  /** A WebSocket on /v1/ws, authenticated with `token` (agent, bot or end user). */
  async socket(token) {
    const socket = await Socket.connect(this.url, token);
    this.sockets.add(socket);
    return socket;
  }

  /**
   * A new page in its own browser context (separate cookies and storage: two pages can be two
   * agents). Console errors, uncaught exceptions and failed requests are collected in
   * `page.consoleErrors`.
   */
  async newPage({ viewport = { width: 1280, height: 800 }, ...contextOptions } = {}) {
    const context = await this.browser.newContext({ viewport, ...contextOptions });
    this.contexts.add(context);
    const page = await context.newPage();
    const errors = [];
    page.consoleErrors = errors;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => {
      errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    });
    return page;
  }

  /**
   * Opens `urlPath` on the gateway and waits until the WASM app has rendered: by default, until
   * some element with a `data-testid` exists (index.html's static markup has none).
   */
  async goto(page, urlPath = '/', { ready = '[data-testid]' } = {}) {
    const response = await page.goto(this.url + urlPath);
    await page.waitForSelector(ready);
    return response;
  }

  /**
   * Saves docs/screenshots/NAME.png when SWITCHBOARD_SCREENSHOTS=1 (the README's pictures);
   * otherwise does nothing, so test runs leave the tree clean.
   */
  async screenshot(page, name, options = {}) {
    if (!process.env.SWITCHBOARD_SCREENSHOTS) return null;
    await mkdir(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, `${name}.png`);
    await page.screenshot({ path: file, ...options });
    return file;
  }

  /** Stops everything: sockets, browser, gateway; removes the temp dir. */
  async close() {
    for (const socket of this.sockets) socket.close();
    for (const context of this.contexts) await context.close().catch(() => {});
    if (this.browser) await this.browser.close().catch(() => {});
    if (this.gateway && this.gateway.exitCode === null && this.gateway.signalCode === null) {
      const exited = new Promise((resolve) => this.gateway.once('exit', resolve));
      this.gateway.kill('SIGTERM');
      const timer = setTimeout(() => this.gateway.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (process.env.E2E_GATEWAY_LOG) process.stderr.write(this.gatewayLog());
    await rm(this.tmp, { recursive: true, force: true });
  }
}

/**
 * A WebSocket client speaking the protocol: `send(frame)`, `request(frame)` (adds `req`, resolves
 * with the `ack`, rejects with the `error`), `next(predicate)` (the next matching frame, also one
 * that already arrived and was not consumed), `frames` (everything received).
 */
export class Socket {
  static async connect(baseUrl, token, { timeoutMs = 5_000 } = {}) {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, { origin: baseUrl });
    const socket = new Socket(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    socket.send({ type: 'auth', token });
    const welcome = await socket.next((f) => f.type === 'welcome' || f.type === 'error', timeoutMs);
    if (welcome.type !== 'welcome') throw new Error(`auth refused: ${JSON.stringify(welcome)}`);
    socket.welcome = welcome;
    return socket;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.unread = [];
    this.waiters = [];
    this.closed = null;
    this.requests = 0;
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      const waiter = this.waiters.find((w) => w.predicate(frame));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      } else {
        this.unread.push(frame);
      }
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const waiter of this.waiters.splice(0)) {
        waiter.reject(new Error(`socket closed (${code} ${reason}) while waiting`));
      }
    });
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  next(predicate = () => true, timeoutMs = 5_000) {
    const index = this.unread.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0]);
    if (this.closed) return Promise.reject(new Error(`socket closed (${this.closed.code})`));
    return new Promise((resolve, reject) => {
      const waiter = { predicate };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame in ${timeoutMs} ms; received: ${JSON.stringify(this.frames.slice(-10))}`));
      }, timeoutMs);
      waiter.resolve = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      waiter.reject = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `frame` with a fresh `req`; resolves with its `ack`, rejects with its `error`. */
  async request(frame, timeoutMs = 5_000) {
    this.requests += 1;
    const req = `e2e-${this.requests}`;
    this.send({ ...frame, req });
    const answer = await this.next((f) => f.req === req && (f.type === 'ack' || f.type === 'error'), timeoutMs);
    if (answer.type === 'error') {
      const error = new Error(`${frame.type}: ${answer.code}: ${answer.message}`);
      error.frame = answer;
      throw error;
    }
    return answer;
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close();
    }
  }
}

/**
 * Logs in through the desk's login form: fills `[data-testid=login-login]` and
 * `[data-testid=login-password]`, clicks `[data-testid=login-submit]`, and waits until the form
 * is gone. If `[data-testid=login-error]` shows instead, throws with its text. Navigates to
 * /login first unless the form is already on the page.
 */
export async function loginAs(page, login, password, { timeoutMs = 10_000 } = {}) {
  const form = page.getByTestId('login-login');
  if (!(await form.isVisible().catch(() => false))) {
    await page.goto(new URL('/login', page.url()).href);
  }
  await form.fill(login);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  const gone = form.waitFor({ state: 'detached', timeout: timeoutMs }).then(() => null);
  gone.catch(() => {}); // the race below reports it; no unhandled rejection when refused wins
  const refused = page
    .getByTestId('login-error')
    .waitFor({ state: 'visible', timeout: timeoutMs })
    .then(() => page.getByTestId('login-error').innerText());
  const error = await Promise.race([gone, refused.catch(() => new Promise(() => {}))]);
  if (error !== null) throw new Error(`login refused for ${login}: ${error}`);
}

/** Fails with the collected console errors, if any. */
export function assertNoConsoleErrors(page, { ignore = [] } = {}) {
  const errors = page.consoleErrors.filter((e) => !ignore.some((pattern) => pattern.test(e)));
  assert.deepEqual(errors, [], `console errors on ${page.url()}:\n${errors.join('\n')}`);
}
