// The widget's admin card on the desk's Settings page (issue 6): the embed tag to copy, the
// allowed origins, "Require verified identity", and the identity secret shown on request and
// rotated after a confirmation (identities signed with the old secret are refused from then on).

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk } from './harness.mjs';

const LONG = 15_000;

function signIdentity(secret, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('widget settings', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('an owner sets the allowed origins and identity rule, and shows and rotates the secret', async () => {
    const tenant = await desk.createTenant();
    const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const page = await desk.newPage();
    await desk.goto(page, '/login');
    await loginAs(page, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('nav-settings').click({ timeout: LONG });
    const card = page.getByTestId('widget-settings');
    await card.waitFor({ timeout: LONG });

    // The tag to paste names this gateway and the tenant's app key (from the settings).
    await card.getByTestId('widget-app-key').and(page.locator(`:text-is("${tenant.app_key}")`)).waitFor({ timeout: LONG });
    const snippet = await card.getByTestId('widget-snippet').innerText();
    assert.equal(snippet, `<script src="${desk.url}/widget.js" data-app-key="${tenant.app_key}" async></script>`);

    // Origins, one per line (a trailing slash is dropped), and the identity rule.
    await card.getByTestId('widget-settings-save').and(page.locator(':not([disabled])')).waitFor({ timeout: LONG });
    await card.getByTestId('widget-origins').fill('https://shop.example/\nhttp://localhost:3000');
    await card.getByTestId('widget-identity-required').check();
    await card.getByTestId('widget-settings-save').click();
    await card.getByTestId('widget-settings-saved').waitFor({ timeout: LONG });
    const settings = await desk.apiOk('GET', '/v1/settings', { token: ownerToken });
    assert.deepEqual(settings.widget_origins, ['https://shop.example', 'http://localhost:3000']);
    assert.equal(settings.widget_identity_required, true);
    const config = await desk.api('GET', `/v1/widget/config?app_key=${tenant.app_key}`, {
      headers: { origin: 'https://shop.example' },
    });
    assert.equal(config.status, 200);
    assert.equal(config.body.identity_required, true);

    // A bad origin is refused with the gateway's message; nothing changes.
    await card.getByTestId('widget-origins').fill('not an origin');
    await card.getByTestId('widget-settings-save').click();
    await card.getByTestId('widget-settings-error').waitFor({ timeout: LONG });
    const unchanged = await desk.apiOk('GET', '/v1/settings', { token: ownerToken });
    assert.deepEqual(unchanged.widget_origins, ['https://shop.example', 'http://localhost:3000']);

    // After a reload the card shows what is saved.
    await page.reload();
    await page.getByTestId('widget-settings').waitFor({ timeout: LONG });
    await page.locator('[data-testid=widget-origins]').and(page.locator(':not(:placeholder-shown)')).waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('widget-origins').inputValue(), 'https://shop.example\nhttp://localhost:3000');
    assert.equal(await page.getByTestId('widget-identity-required').isChecked(), true);
    assert.equal(await page.getByTestId('widget-app-key').innerText(), tenant.app_key);

    // The secret: hidden, shown on request.
    const secret = page.getByTestId('identity-secret');
    assert.equal(await secret.getAttribute('data-shown'), 'false');
    assert.ok(!(await secret.innerText()).includes(tenant.identity_secret));
    await page.getByTestId('identity-secret-show').click();
    await page.locator('[data-testid=identity-secret][data-shown=true]').waitFor({ timeout: LONG });
    assert.equal(await secret.innerText(), tenant.identity_secret);

    // Rotating asks first; cancelled, nothing changes.
    page.once('dialog', (dialog) => dialog.dismiss());
    await page.getByTestId('identity-secret-rotate').click();
    assert.equal(await secret.innerText(), tenant.identity_secret);
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByTestId('identity-secret-rotate').click();
    await page.locator('[data-testid=identity-secret]', { hasNotText: tenant.identity_secret }).waitFor({ timeout: LONG });
    const rotated = await secret.innerText();
    assert.ok(rotated.length >= 16, `a new secret: ${rotated}`);

    // The old secret's identities are refused, the new one's accepted.
    const claims = { sub: 'customer-7', exp: Math.floor(Date.now() / 1000) + 300 };
    const old = await desk.api('POST', '/v1/widget/sessions', {
      body: { app_key: tenant.app_key, identity: signIdentity(tenant.identity_secret, claims) },
    });
    assert.equal(old.status, 401);
    const fresh = await desk.api('POST', '/v1/widget/sessions', {
      body: { app_key: tenant.app_key, identity: signIdentity(rotated, claims) },
    });
    assert.equal(fresh.status, 200);
    assertNoConsoleErrors(page, { ignore: [/status of 400/] });
  });
});
