// The harness's own helpers work against the real gateway and desk: tenants, REST, WebSocket,
// and loginAs through the desk's login form (data-testid login-login, login-password,
// login-submit, login-error).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk } from './harness.mjs';

describe('harness helpers', () => {
  let desk;
  let tenant;
  before(async () => {
    desk = await startDesk();
    tenant = await desk.createTenant();
  });
  after(() => desk?.close());

  test('REST login and an authenticated WebSocket', async () => {
    const token = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const me = await desk.apiOk('GET', '/v1/me', { token });
    assert.ok(JSON.stringify(me).includes(tenant.ownerLogin));
    const socket = await desk.socket(token);
    assert.equal(socket.welcome.role, 'agent');
    assert.equal(socket.welcome.tenant_id, tenant.tenant_id);
  });

  test('loginAs signs the owner in through the form', async () => {
    const page = await desk.newPage();
    await desk.goto(page, '/login');
    await loginAs(page, tenant.ownerLogin, tenant.ownerPassword);
    await desk.screenshot(page, 'desk-after-login');
    assertNoConsoleErrors(page);
  });

  test('loginAs reports a refused login', async () => {
    const page = await desk.newPage();
    await desk.goto(page, '/login');
    await assert.rejects(loginAs(page, tenant.ownerLogin, 'wrong password'), /login refused/);
    // The refused POST /v1/auth/login (401) is logged by the browser; nothing else may be.
    assertNoConsoleErrors(page, { ignore: [/status of 401/] });
  });
});
