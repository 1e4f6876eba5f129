// The gateway serves the built desk: at / and at the app's own routes (SPA fallback), with its
// security headers, the WASM as application/wasm (gzipped on the wire), and the API untouched.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CONTENT_SECURITY_POLICY_PARTS, assertNoConsoleErrors, startDesk } from './harness.mjs';

describe('the desk is served', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('at / and at app routes, with its security headers', async () => {
    const home = await desk.api('GET', '/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type'), /^text\/html/);
    for (const urlPath of ['/login', '/invite/AbC-_123', '/conversations/0193-abc']) {
      const route = await desk.api('GET', urlPath);
      assert.equal(route.status, 200, urlPath);
      assert.equal(route.body, home.body, `${urlPath} serves index.html`);
    }
    for (const urlPath of ['/', '/login', '/switchboard_web_ui.js']) {
      const { headers } = await desk.api('GET', urlPath);
      const csp = headers.get('content-security-policy') ?? '';
      for (const part of CONTENT_SECURITY_POLICY_PARTS) {
        assert.ok(csp.includes(part), `${urlPath}: CSP ${csp} lacks ${part}`);
      }
      assert.equal(headers.get('x-content-type-options'), 'nosniff', urlPath);
      assert.equal(headers.get('cache-control'), 'no-cache', urlPath);
    }
  });

  test('the WASM as application/wasm, gzipped for browsers that accept it', async () => {
    const sizes = {};
    for (const name of ['switchboard_web_ui_bg.wasm', 'switchboard_widget_bg.wasm']) {
      const response = await fetch(`${desk.url}/${name}`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      assert.equal(response.status, 200, name);
      assert.equal(response.headers.get('content-type'), 'application/wasm', name);
      assert.equal(response.headers.get('content-encoding'), 'gzip', name);
      const bytes = new Uint8Array(await response.arrayBuffer()); // fetch decodes gzip
      assert.deepEqual([...bytes.slice(0, 4)], [0x00, 0x61, 0x73, 0x6d], `${name}: WASM magic number`);
      sizes[name] = bytes.length;
    }
    // The widget is its own build, without the desk's code (customers' sites load only it).
    assert.ok(
      sizes['switchboard_widget_bg.wasm'] < sizes['switchboard_web_ui_bg.wasm'] / 2,
      `the widget's WASM is much smaller than the desk's: ${JSON.stringify(sizes)}`,
    );
  });

  test('missing assets and the API keep their 404s', async () => {
    assert.equal((await desk.api('GET', '/missing.js')).status, 404);
    assert.equal((await desk.api('GET', '/favicon.ico')).status, 404);
    for (const [method, urlPath] of [
      ['GET', '/v1/nothing-here'],
      ['GET', '/v1'],
      ['GET', '/healthz/x'],
      ['POST', '/login'],
    ]) {
      const response = await desk.api(method, urlPath);
      assert.equal(response.status, 404, `${method} ${urlPath}`);
      assert.equal(response.body?.error?.code, 'not_found', `${method} ${urlPath}`);
    }
    assert.equal((await desk.api('GET', '/healthz')).status, 200);
  });

  for (const urlPath of ['/', '/login', '/invite/AbC-_123']) {
    test(`the app runs in Chromium at ${urlPath}, with no console errors`, async () => {
      const page = await desk.newPage();
      const response = await desk.goto(page, urlPath);
      assert.equal(response.status(), 200);
      assert.ok(response.headers()['content-security-policy'], 'the page is under the CSP');
      assert.ok(
        await page.evaluate(() => document.querySelectorAll('[data-testid]').length > 0),
        'the WASM app rendered',
      );
      // Give late failures (a panic after mount, a blocked fetch) a moment to show.
      await page.waitForTimeout(300);
      assertNoConsoleErrors(page);
      await desk.screenshot(page, `serving${urlPath.replaceAll('/', '-').replace(/-$/, '')}`);
    });
  }
});

describe('without a built desk', () => {
  let gateway;
  before(async () => {
    gateway = await startDesk({ web: false, browser: false });
  });
  after(() => gateway?.close());

  test('/ says how to build it, and the API works', async () => {
    const response = await gateway.api('GET', '/');
    assert.equal(response.status, 404);
    assert.equal(response.body.error.code, 'not_found');
    assert.match(response.body.error.message, /scripts\/build-web/);
    assert.equal((await gateway.api('GET', '/healthz')).status, 200);
  });
});
