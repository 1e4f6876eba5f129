// The desk's remaining items of issue 5 against the real gateway: the profile page, business
// hours on the Groups page, deleting a bot, the agents' login address with Copy, reopening a
// resolved conversation, and live previews in the conversation list. No flow may log a
// console error; whatever users type shows as text.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk, uniqueName } from './harness.mjs';

const SHORT = 5_000;
const LONG = 15_000;

async function startChat(desk, tenant, text) {
  const token = await desk.widgetToken(tenant.app_key);
  const socket = await desk.socket(token);
  const ack = await socket.request({ type: 'message.send', client_msg_id: uniqueName('u'), text });
  return { token, socket, conversationId: ack.conversation_id };
}

async function userSays(chat, text) {
  await chat.socket.request({
    type: 'message.send',
    conversation_id: chat.conversationId,
    client_msg_id: uniqueName('u'),
    text,
  });
}

async function until(what, check, timeoutMs = LONG) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openDesk(desk, login, password, page) {
  page ??= await desk.newPage();
  await desk.goto(page, '/login');
  await loginAs(page, login, password);
  await page.getByTestId('desk').waitFor({ timeout: LONG });
  await page.locator('[data-testid=presence-toggle][data-presence]').waitFor({ timeout: LONG });
  return page;
}

async function setPresence(page, presence) {
  const toggle = page.getByTestId('presence-toggle');
  await page.locator('[data-testid=presence-toggle]:not([disabled])').waitFor({ timeout: LONG });
  if ((await toggle.getAttribute('data-presence')) !== presence) await toggle.click();
  await page.locator(`[data-testid=presence-toggle][data-presence=${presence}]`).waitFor({ timeout: LONG });
}

function conversationItem(page, id) {
  return page.locator(`[data-testid=conversation-item][data-conversation-id="${id}"]`);
}

async function openConversation(page, id) {
  await conversationItem(page, id).click({ timeout: LONG });
  await page.locator(`[data-testid=conversation-item][data-conversation-id="${id}"][aria-current=true]`)
    .waitFor({ timeout: LONG });
  await page.getByTestId('messages').waitFor({ timeout: LONG });
}

async function waitForStatus(page, status) {
  await page.locator('[data-testid=conversation-status]', { hasText: new RegExp(`^${status}$`) })
    .waitFor({ timeout: LONG });
}

async function createAgent(desk, ownerToken, fullName, role = 'agent') {
  const login = uniqueName('agent');
  const password = 'agent password 123';
  const created = await desk.apiOk('POST', '/v1/agents', {
    token: ownerToken,
    body: { full_name: fullName, login, email: `${login}@example.test`, password, role },
  });
  return { agent: created.agent ?? created, login, password };
}

describe('desk: profile, hours, bots, login address, reopen, previews', () => {
  let desk;
  let tenant;
  let ownerToken;
  before(async () => {
    desk = await startDesk();
    tenant = await desk.createTenant({ name: 'Acme', ownerLogin: uniqueName('alice') });
    ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
  });
  after(() => desk?.close());

  test('an agent changes their name and password on the profile page; login and e-mail stay read-only', async () => {
    const { agent, login, password } = await createAgent(desk, ownerToken, 'Dana Field');
    const page = await openDesk(desk, login, password);
    await page.getByTestId('profile-link').click();
    await page.getByTestId('profile-page').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('profile-login').inputValue(), login);
    assert.equal(await page.getByTestId('profile-email').inputValue(), `${login}@example.test`);
    assert.ok(await page.getByTestId('profile-login').isDisabled(), 'login is read-only for an agent');
    assert.ok(await page.getByTestId('profile-email').isDisabled(), 'e-mail is read-only for an agent');
    assert.equal(new URL(page.url()).pathname, '/profile');

    // Two different passwords: refused here, nothing sent.
    await page.getByTestId('profile-password').fill('new password one');
    await page.getByTestId('profile-password-confirm').fill('new password two');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-error').filter({ hasText: 'differ' }).waitFor({ timeout: SHORT });

    // A hostile-looking name is just a name.
    const name = '<b>Dana</b> <img src=x onerror="window.__pwned=1">Field';
    const newPassword = 'a brand new password 7';
    await page.getByTestId('profile-name').fill(name);
    await page.getByTestId('profile-password').fill(newPassword);
    await page.getByTestId('profile-password-confirm').fill(newPassword);
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-saved').waitFor({ timeout: LONG });
    await page.getByTestId('agent-name').filter({ hasText: name }).waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('agent-name').innerText(), name);
    assert.equal(await page.getByTestId('rail').locator('b, img').count(), 0);
    assert.equal(await page.getByTestId('profile-password').inputValue(), '', 'the password field empties');

    const me = await desk.apiOk('GET', '/v1/me', { token: await desk.login(login, newPassword) });
    assert.equal(me.full_name, name);
    assert.equal(me.id, agent.id);
    assert.equal((await desk.api('POST', '/v1/auth/login', { body: { login, password } })).status, 401);

    // After a reload the page is still there (the route is in the address bar).
    await page.reload();
    await page.getByTestId('profile-page').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('profile-name').inputValue(), name);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assertNoConsoleErrors(page);
  });

  test('the owner can also change their login and e-mail on the profile page', async () => {
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('profile-link').click();
    await page.getByTestId('profile-page').waitFor({ timeout: LONG });
    assert.ok(await page.getByTestId('profile-email').isEnabled(), 'the owner edits the e-mail');
    assert.ok(await page.getByTestId('profile-login').isEnabled(), 'the owner edits the login');
    const email = `${uniqueName('owner')}@example.test`;
    await page.getByTestId('profile-email').fill(email);
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-saved').waitFor({ timeout: LONG });
    const me = await desk.apiOk('GET', '/v1/me', { token: ownerToken });
    assert.equal(me.email, email);
    assert.equal(me.login, tenant.ownerLogin);
    assertNoConsoleErrors(page);
  });

  test('business hours: set, refused with the gateway\'s reason, fixed, then always open again', async () => {
    const group = await desk.apiOk('POST', '/v1/groups', { token: ownerToken, body: { name: 'Hours' } });
    const expectedErrors = [];
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('nav-groups').click();
    await page.getByTestId('groups-page').waitFor({ timeout: LONG });
    const row = page.locator(`[data-testid=group-row][data-group-id="${group.id}"]`);
    await row.getByTestId('group-hours').filter({ hasText: 'always open' }).waitFor({ timeout: LONG });
    await row.getByTestId('group-edit').click();

    const always = page.getByTestId('group-hours-always');
    assert.ok(await always.isChecked(), 'a new group is always open');
    await always.uncheck();
    await page.getByTestId('group-hours-timezone').fill('Mars/Olympus_Mons');
    await page.getByTestId('group-hours-add').click();
    await page.getByTestId('group-hours-add').click();
    await page.getByTestId('group-hours-add').click();
    assert.equal(await page.getByTestId('group-hours-row').count(), 3);
    const first = page.getByTestId('group-hours-row').nth(0);
    await first.getByTestId('group-hours-day').selectOption('tue');
    await first.getByTestId('group-hours-open').fill('08:00');
    await first.getByTestId('group-hours-close').fill('12:30');
    const second = page.getByTestId('group-hours-row').nth(1);
    await second.getByTestId('group-hours-day').selectOption('sat');
    await second.getByTestId('group-hours-open').fill('10:00');
    await second.getByTestId('group-hours-close').fill('14:00');
    // Remove the middle one: the others keep what was typed.
    await second.getByTestId('group-hours-remove').click();
    assert.equal(await page.getByTestId('group-hours-row').count(), 2);
    assert.equal(await page.getByTestId('group-hours-row').nth(0).getByTestId('group-hours-open').inputValue(), '08:00');
    assert.equal(await page.getByTestId('group-hours-row').nth(1).getByTestId('group-hours-open').inputValue(), '09:00');
    await page.getByTestId('group-hours-row').nth(1).getByTestId('group-hours-day').selectOption('fri');

    await page.getByTestId('group-edit-save').click();
    await page.getByTestId('admin-error').filter({ hasText: /time zone/ }).waitFor({ timeout: LONG });
    // (The browser logs the refused request itself; that one is expected.)
    expectedErrors.push(/status of 400/);
    assert.match(await page.getByTestId('admin-error').innerText(), /Mars\/Olympus_Mons/);

    await page.getByTestId('group-hours-timezone').fill('Europe/Berlin');
    await page.getByTestId('group-edit-save').click();
    await row.getByTestId('group-hours').filter({ hasText: 'Europe/Berlin (2 windows)' }).waitFor({ timeout: LONG });
    const stored = (await desk.apiOk('GET', '/v1/groups', { token: ownerToken })).groups.find((g) => g.id === group.id);
    assert.deepEqual(stored.business_hours, {
      timezone: 'Europe/Berlin',
      weekly: [
        { day: 'tue', open: '08:00', close: '12:30' },
        { day: 'fri', open: '09:00', close: '17:00' },
      ],
    });

    // Editing again shows what is stored; "Always open" sends null.
    await row.getByTestId('group-edit').click();
    assert.equal(await page.getByTestId('group-hours-timezone').inputValue(), 'Europe/Berlin');
    assert.equal(await page.getByTestId('group-hours-row').count(), 2);
    await page.getByTestId('group-hours-always').check();
    await page.getByTestId('group-edit-save').click();
    await row.getByTestId('group-hours').filter({ hasText: 'always open' }).waitFor({ timeout: LONG });
    const reset = (await desk.apiOk('GET', '/v1/groups', { token: ownerToken })).groups.find((g) => g.id === group.id);
    assert.equal(reset.business_hours, null);
    assertNoConsoleErrors(page, { ignore: expectedErrors });
  });

  test('a bot is deleted after a confirmation', async () => {
    const bot = await desk.apiOk('POST', '/v1/bots', { token: ownerToken, body: { name: uniqueName('bot') } });
    const botId = bot.id ?? bot.bot?.id;
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('nav-bots').click();
    const row = page.locator(`[data-testid=bot-row][data-bot-id="${botId}"]`);
    await row.waitFor({ timeout: LONG });
    await row.getByTestId('bot-delete').click();
    await row.getByTestId('bot-delete-cancel').click();
    await row.getByTestId('bot-delete').waitFor({ timeout: SHORT });
    await row.getByTestId('bot-delete').click();
    await row.getByTestId('bot-delete-confirm').click();
    await row.waitFor({ state: 'detached', timeout: LONG });
    const { bots } = await desk.apiOk('GET', '/v1/bots', { token: ownerToken });
    assert.ok(!bots.some((b) => b.id === botId), 'the bot is gone');
    assertNoConsoleErrors(page);
  });

  test("the agents' login address is shown and copied, and a refused clipboard is said so", async () => {
    const page = await desk.newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword, page);
    await page.getByTestId('nav-agents').click();
    await page.getByTestId('agents-page').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('agents-login-url').innerText(), `${desk.url}/login`);
    await page.getByTestId('agents-login-copy').click();
    await page.locator('[data-testid=agents-login-copied][data-copied=true]').filter({ hasText: 'Copied' })
      .waitFor({ timeout: LONG });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${desk.url}/login`);
    assertNoConsoleErrors(page);

    // A browser that refuses (no permission): no error, a hint instead.
    const refused = await desk.newPage();
    await refused.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'clipboard', {
        configurable: true,
        get: () => ({ writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) }),
      });
    });
    await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword, refused);
    await refused.getByTestId('nav-agents').click();
    await refused.getByTestId('agents-login-copy').click();
    await refused.locator('[data-testid=agents-login-copied][data-copied=false]').waitFor({ timeout: LONG });
    assertNoConsoleErrors(refused);
  });

  test('a resolved conversation is reopened by an online agent, and the button says why not otherwise', async () => {
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await setPresence(page, 'online');
    await page.getByTestId('tab-unassigned').click();
    const chat = await startChat(desk, tenant, 'Please reopen me later');
    await openConversation(page, chat.conversationId);
    await page.getByTestId('action-accept').click({ timeout: LONG });
    await waitForStatus(page, 'assigned');
    const reopen = page.getByTestId('action-reopen');
    assert.ok(await reopen.isDisabled());
    assert.match(await reopen.getAttribute('title'), /only a resolved conversation/);

    await page.getByTestId('action-resolve').click();
    await waitForStatus(page, 'resolved');
    await page.locator('[data-testid=action-reopen]:not([disabled])').waitFor({ timeout: LONG });
    await reopen.click();
    await waitForStatus(page, 'assigned');
    const held = await until('the conversation reopened to me', async () => {
      const { conversations } = await desk.apiOk('GET', '/v1/conversations?view=mine', { token: ownerToken });
      return conversations.find((c) => c.id === chat.conversationId && c.status === 'assigned');
    });
    assert.equal(held.assignee.id, tenant.owner_id);

    // Offline: resolved again, the button is disabled and says why.
    await page.getByTestId('action-resolve').click();
    await waitForStatus(page, 'resolved');
    await setPresence(page, 'offline');
    await page.locator('[data-testid=action-reopen][disabled]').waitFor({ timeout: LONG });
    assert.match(await reopen.getAttribute('title'), /go online/);
    assertNoConsoleErrors(page);
  });

  test('the list shows each conversation\'s latest message live, with unread counts, as text', async () => {
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('tab-unassigned').click();
    const chat = await startChat(desk, tenant, 'First words');
    const other = await startChat(desk, tenant, 'Another visitor');
    const item = conversationItem(page, chat.conversationId);
    await item.getByTestId('conversation-preview').filter({ hasText: 'First words' }).waitFor({ timeout: LONG });

    // Not open: the preview follows and the unread count rises.
    const html = '<i>second</i> <img src=x onerror="window.__pwned=1"> message';
    await userSays(chat, html);
    await item.getByTestId('conversation-preview').filter({ hasText: 'second' }).waitFor({ timeout: LONG });
    assert.equal(await item.locator('.preview-text').innerText(), html);
    assert.equal(await item.locator('i, img').count(), 0);
    await item.getByTestId('unread-badge').waitFor({ timeout: LONG });
    assert.match(await item.getByTestId('conversation-preview-time').innerText(), /\d/);

    // Open: the preview follows, nothing is unread.
    await openConversation(page, chat.conversationId);
    await item.getByTestId('unread-badge').waitFor({ state: 'detached', timeout: LONG });
    await userSays(chat, 'Third, while open');
    await item.getByTestId('conversation-preview').filter({ hasText: 'Third, while open' }).waitFor({ timeout: LONG });
    // A later message as a barrier: once its preview shows, a badge for the third would too.
    await userSays(chat, 'Fourth, still open');
    await item.getByTestId('conversation-preview').filter({ hasText: 'Fourth, still open' }).waitFor({ timeout: LONG });
    assert.equal(await item.getByTestId('unread-badge').count(), 0);

    // Another conversation's activity lands on its own item only.
    await userSays(other, 'Other news');
    await conversationItem(page, other.conversationId).getByTestId('conversation-preview')
      .filter({ hasText: 'Other news' }).waitFor({ timeout: LONG });
    assert.equal(await item.locator('.preview-text').innerText(), 'Fourth, still open');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assertNoConsoleErrors(page);
  });
});
