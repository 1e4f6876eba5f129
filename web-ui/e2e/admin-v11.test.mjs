// The admin pages of issue 12 in headless Chromium against the real gateway:
// - Agents: checkboxes and a bulk bar delete several agents after a confirmation naming how
//   many; each is answered on its own, and a partial failure says which (the owner cannot be
//   deleted); the create form's group picker (the default group checked) puts the new agent in
//   the groups picked.
// - Bots: the groups that serve each bot (edited with PATCH /v1/bots/{id}) and the agents who
//   serve it (those groups' members).
// - Settings: which groups the routing mode acts on (only automatic ones), switching the default
//   group to automatic from there, and the "after resolve" choice saved with the other settings;
//   the Groups page marks the default group.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk, uniqueName } from './harness.mjs';

/** Every wait in this file has one of these limits. */
const SHORT = 5_000;
const LONG = 15_000;

/** Logs in through the form and opens the admin page behind `nav` (e.g. `nav-agents`). */
async function openAdmin(desk, tenant, nav, pageTestId) {
  const page = await desk.newPage();
  await desk.goto(page, '/login');
  await loginAs(page, tenant.ownerLogin, tenant.ownerPassword);
  await page.getByTestId(nav).click({ timeout: LONG });
  await page.getByTestId(pageTestId).waitFor({ timeout: LONG });
  return page;
}

/** An agent created over REST; returns the agent. */
async function createAgent(desk, token, fullName, extra = {}) {
  const login = uniqueName('agent');
  return desk.apiOk('POST', '/v1/agents', {
    token,
    body: { full_name: fullName, login, email: `${login}@example.test`, password: 'agent password 123', ...extra },
  });
}

function agentRow(page, id) {
  return page.locator(`[data-testid=agent-row][data-agent-id="${id}"]`);
}

describe('admin pages (issue 12)', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('agents: several are deleted at once after a confirmation; the owner is refused and named', async () => {
    const tenant = await desk.createTenant();
    const token = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const ann = await createAgent(desk, token, 'Ann Bulk');
    const bob = await createAgent(desk, token, 'Bob Bulk');
    const kim = await createAgent(desk, token, 'Kim Stays');
    const page = await openAdmin(desk, tenant, 'nav-agents', 'agents-page');
    await agentRow(page, kim.id).waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('agents-bulk-bar').count(), 0, 'no bar without a selection');

    // "Select all" selects every row; "Clear selection" none.
    await page.getByTestId('agents-select-all').check();
    await page.getByTestId('agents-bulk-count').filter({ hasText: '4 agents selected' }).waitFor({ timeout: SHORT });
    assert.equal(await page.locator('[data-testid=agent-select]:checked').count(), 4);
    await page.getByTestId('agents-bulk-clear').click();
    await page.getByTestId('agents-bulk-bar').waitFor({ state: 'detached', timeout: SHORT });
    assert.equal(await page.getByTestId('agents-select-all').isChecked(), false);

    // Ann, Bob and the owner, by their checkboxes (labelled with the agent's name).
    await page.getByLabel('Select Ann Bulk').check();
    await page.getByLabel('Select Bob Bulk').check();
    await agentRow(page, tenant.owner_id).getByTestId('agent-select').check();
    await page.getByTestId('agents-bulk-count').filter({ hasText: '3 agents selected' }).waitFor({ timeout: SHORT });

    // The confirmation names how many; cancelled, nothing happens.
    await page.getByTestId('agents-bulk-delete').click();
    await page.getByTestId('agents-bulk-bar').filter({ hasText: 'Delete 3 agents? This cannot be undone.' })
      .waitFor({ timeout: SHORT });
    assert.equal(await page.getByTestId('agents-bulk-confirm').innerText(), 'Delete 3 agents');
    await page.getByTestId('agents-bulk-cancel').click();
    await page.getByTestId('agents-bulk-delete').waitFor({ timeout: SHORT });
    assert.equal((await desk.apiOk('GET', '/v1/agents', { token })).agents.length, 4);

    // Confirmed: Ann and Bob are deleted, the owner is not, and the report says so and why.
    await page.getByTestId('agents-bulk-delete').click();
    await page.getByTestId('agents-bulk-confirm').click();
    const result = page.getByTestId('agents-bulk-result');
    await result.waitFor({ timeout: LONG });
    assert.equal(await result.getAttribute('data-deleted'), '2');
    assert.equal(await result.getAttribute('data-failed'), '1');
    assert.match(await result.innerText(), /Deleted 2 of 3 agents\./);
    const failure = page.getByTestId('agents-bulk-failure');
    assert.equal(await failure.count(), 1);
    assert.equal(await failure.getAttribute('data-agent-id'), tenant.owner_id);
    assert.match(await failure.innerText(), /was not deleted: .*owner cannot be deleted/);
    await agentRow(page, ann.id).waitFor({ state: 'detached', timeout: LONG });
    await agentRow(page, bob.id).waitFor({ state: 'detached', timeout: LONG });
    await agentRow(page, tenant.owner_id).waitFor({ timeout: SHORT });
    await agentRow(page, kim.id).waitFor({ timeout: SHORT });
    await page.getByTestId('agents-bulk-bar').waitFor({ state: 'detached', timeout: SHORT });
    const left = (await desk.apiOk('GET', '/v1/agents', { token })).agents.map((a) => a.id).sort();
    assert.deepEqual(left, [tenant.owner_id, kim.id].sort());
    // (The browser logs the refused request itself; that one is expected.)
    assertNoConsoleErrors(page, { ignore: [/status of 403/] });
  });

  test('agents: the create form\'s group picker has the default group checked and puts the agent in the groups picked', async () => {
    const tenant = await desk.createTenant();
    const token = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const settings = await desk.apiOk('GET', '/v1/settings', { token });
    const sales = await desk.apiOk('POST', '/v1/groups', { token, body: { name: 'Sales' } });
    const page = await openAdmin(desk, tenant, 'nav-agents', 'agents-page');

    const picker = page.getByTestId('agent-create-groups');
    await picker.waitFor({ timeout: LONG });
    const defaultBox = picker.locator(`[data-testid=agent-create-group][data-group-id="${settings.default_group_id}"]`);
    const salesBox = picker.locator(`[data-testid=agent-create-group][data-group-id="${sales.id}"]`);
    assert.equal(await defaultBox.getAttribute('data-default'), 'true');
    assert.ok(await defaultBox.isChecked(), 'the default group is checked');
    assert.ok(!(await salesBox.isChecked()), 'other groups are not');

    // Both groups.
    const login = uniqueName('nina');
    await salesBox.check();
    await page.getByTestId('agent-create-name').fill('Nina Groups');
    await page.getByTestId('agent-create-login').fill(login);
    await page.getByTestId('agent-create-email').fill(`${login}@example.test`);
    await page.getByTestId('agent-create-password').fill('nina password 42');
    await page.getByTestId('agent-create-submit').click();
    await page.getByTestId('agent-created').waitFor({ timeout: LONG });
    const row = page.locator(`[data-testid=agent-row][data-login="${login}"]`);
    await row.getByTestId('agent-groups').filter({ hasText: 'Sales' }).waitFor({ timeout: LONG });
    const nina = (await desk.apiOk('GET', '/v1/agents', { token })).agents.find((a) => a.login === login);
    assert.deepEqual([...nina.group_ids].sort(), [settings.default_group_id, sales.id].sort());
    const groups = (await desk.apiOk('GET', '/v1/groups', { token })).groups;
    for (const id of [settings.default_group_id, sales.id]) {
      assert.ok(groups.find((g) => g.id === id).member_ids.includes(nina.id), `a member of ${id}`);
    }
    // The form starts over with the default group only.
    assert.ok(await defaultBox.isChecked());
    assert.ok(!(await salesBox.isChecked()));

    // None: the default group unchecked.
    const other = uniqueName('omar');
    await defaultBox.uncheck();
    await page.getByTestId('agent-create-name').fill('Omar Nogroup');
    await page.getByTestId('agent-create-login').fill(other);
    await page.getByTestId('agent-create-email').fill(`${other}@example.test`);
    await page.getByTestId('agent-create-password').fill('omar password 42');
    await page.getByTestId('agent-create-submit').click();
    await page.locator(`[data-testid=agent-row][data-login="${other}"]`).waitFor({ timeout: LONG });
    const omar = (await desk.apiOk('GET', '/v1/agents', { token })).agents.find((a) => a.login === other);
    assert.deepEqual(omar.group_ids, []);
    assertNoConsoleErrors(page);
  });

  test('bots: the groups that serve a bot are edited, and the agents who serve it are listed', async () => {
    const tenant = await desk.createTenant();
    const token = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const ann = await createAgent(desk, token, 'Ann Sales');
    const bob = await createAgent(desk, token, 'Bob Support');
    const sales = await desk.apiOk('POST', '/v1/groups', { token, body: { name: 'Sales' } });
    const support = await desk.apiOk('POST', '/v1/groups', { token, body: { name: 'Support' } });
    await desk.apiOk('PUT', `/v1/groups/${sales.id}/members`, { token, body: { agent_ids: [ann.id] } });
    await desk.apiOk('PUT', `/v1/groups/${support.id}/members`, { token, body: { agent_ids: [ann.id, bob.id] } });
    const bot = await desk.apiOk('POST', '/v1/bots', { token, body: { name: 'Shop bot' } });
    const page = await openAdmin(desk, tenant, 'nav-bots', 'bots-page');
    const row = page.locator(`[data-testid=bot-row][data-bot-id="${bot.id}"]`);
    await row.getByTestId('bot-groups').filter({ hasText: /^none$/ }).waitFor({ timeout: LONG });
    assert.equal(await row.getByTestId('bot-agents').innerText(), 'none');

    // Sales serves it: Ann does.
    await row.getByTestId('bot-edit').click();
    await page.locator(`[data-testid=bot-group][data-group-id="${sales.id}"]`).check();
    await page.getByTestId('bot-edit-save').click();
    await row.getByTestId('bot-groups').filter({ hasText: /^Sales$/ }).waitFor({ timeout: LONG });
    assert.equal(await row.getByTestId('bot-agents').innerText(), 'Ann Sales');
    let stored = (await desk.apiOk('GET', '/v1/bots', { token })).bots.find((b) => b.id === bot.id);
    assert.deepEqual(stored.group_ids, [sales.id]);

    // Support too, and a new name: Ann (once) and Bob.
    await row.getByTestId('bot-edit').click();
    assert.ok(await page.locator(`[data-testid=bot-group][data-group-id="${sales.id}"]`).isChecked());
    await page.locator(`[data-testid=bot-group][data-group-id="${support.id}"]`).check();
    await page.getByTestId('bot-edit-name').fill('Shop assistant');
    await page.getByTestId('bot-edit-save').click();
    await row.getByTestId('bot-groups').filter({ hasText: /^Sales, Support$/ }).waitFor({ timeout: LONG });
    assert.equal(await row.getByTestId('bot-agents').innerText(), 'Ann Sales, Bob Support');
    await row.filter({ hasText: 'Shop assistant' }).waitFor({ timeout: SHORT });
    stored = (await desk.apiOk('GET', '/v1/bots', { token })).bots.find((b) => b.id === bot.id);
    assert.deepEqual([...stored.group_ids].sort(), [sales.id, support.id].sort());
    assert.equal(stored.name, 'Shop assistant');

    // Cancel changes nothing.
    await row.getByTestId('bot-edit').click();
    await page.locator(`[data-testid=bot-group][data-group-id="${sales.id}"]`).uncheck();
    await page.getByTestId('bot-edit-cancel').click();
    await page.getByTestId('bot-edit-save').waitFor({ state: 'detached', timeout: SHORT });
    assert.equal(await row.getByTestId('bot-groups').innerText(), 'Sales, Support');
    assertNoConsoleErrors(page);
  });

  test('settings: the routing mode names the automatic groups, the default group is made automatic there, and "after resolve" is saved', async () => {
    const tenant = await desk.createTenant();
    const token = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    const settings = await desk.apiOk('GET', '/v1/settings', { token });
    const defaultGroup = (await desk.apiOk('GET', '/v1/groups', { token })).groups
      .find((g) => g.id === settings.default_group_id);
    // A fresh tenant's groups are all manual (make sure of it, whatever the gateway's default).
    if (defaultGroup.assignment !== 'manual') {
      await desk.apiOk('PATCH', `/v1/groups/${defaultGroup.id}`, { token, body: { assignment: 'manual' } });
    }
    const page = await openAdmin(desk, tenant, 'nav-settings', 'settings-page');

    const scope = page.getByTestId('settings-routing-scope');
    await scope.waitFor({ timeout: LONG });
    assert.equal(await scope.getAttribute('data-auto-count'), '0');
    assert.match(await scope.innerText(), /only on groups with automatic assignment, and no group has it/);
    const makeAuto = page.getByTestId('settings-default-auto');
    assert.equal(await makeAuto.innerText(), `Make ${defaultGroup.name} automatic`);

    // Switched from here: the page names it now, and the button is gone.
    await makeAuto.click();
    await page.locator('[data-testid=settings-routing-scope][data-auto-count="1"]').waitFor({ timeout: LONG });
    assert.match(await scope.innerText(), new RegExp(`automatic assignment: ${defaultGroup.name}\\.$`));
    await makeAuto.waitFor({ state: 'detached', timeout: SHORT });
    const group = (await desk.apiOk('GET', '/v1/groups', { token })).groups.find((g) => g.id === defaultGroup.id);
    assert.equal(group.assignment, 'auto');

    // After resolve: a new conversation, saved with the other settings.
    const afterResolve = page.getByTestId('settings-after-resolve');
    assert.equal(await afterResolve.inputValue(), 'reopen');
    await afterResolve.selectOption('new_conversation');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor({ timeout: LONG });
    assert.equal((await desk.apiOk('GET', '/v1/settings', { token })).after_resolve, 'new_conversation');

    // A reload shows what is saved; back to reopen.
    await page.reload();
    await page.getByTestId('settings-after-resolve').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('settings-after-resolve').inputValue(), 'new_conversation');
    assert.equal(await page.getByTestId('settings-routing-scope').getAttribute('data-auto-count'), '1');
    await page.getByTestId('settings-after-resolve').selectOption('reopen');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor({ timeout: LONG });
    assert.equal((await desk.apiOk('GET', '/v1/settings', { token })).after_resolve, 'reopen');

    // The Groups page marks the default group, automatic now.
    await page.getByTestId('nav-groups').click();
    const row = page.locator('[data-testid=group-row][data-default=true]');
    await row.getByTestId('group-default').waitFor({ timeout: LONG });
    assert.equal(await row.getAttribute('data-group-id'), defaultGroup.id);
    assert.match(await row.innerText(), /\bauto\b/);
    assert.equal(await page.getByTestId('group-default').count(), 1);
    assertNoConsoleErrors(page);
  });
});
