// The desk's conversation side of issue 12 (protocol.md §6.1) against the real gateway: one-click
// "Assign to me" on bot-held and queued chats (online only), an Assign picker offering only what
// the agent may do, the transfer confirmation, bulk actions for owners and admins (one partly
// failing), the user's earlier conversations in the contact panel, and the bot filter on the
// lists. Each test has its own tenant, so lists hold only its conversations. No flow may log a
// console error, except the failed requests a test provokes on purpose.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk, uniqueName } from './harness.mjs';

const SHORT = 5_000;
const LONG = 15_000;

/** A fresh tenant with its owner's token, and the default group's id. */
async function newTenant(desk) {
  const tenant = await desk.createTenant({ ownerLogin: uniqueName('owner') });
  const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
  const settings = await desk.apiOk('GET', '/v1/settings', { token: ownerToken });
  return { tenant, ownerToken, defaultGroup: settings.default_group_id };
}

/** An agent created over REST (role `agent` unless told), put in `groupIds`. */
async function createAgent(desk, ownerToken, fullName, { role = 'agent', groupIds = [] } = {}) {
  const login = uniqueName('agent');
  const password = 'agent password 123';
  const created = await desk.apiOk('POST', '/v1/agents', {
    token: ownerToken,
    body: { full_name: fullName, login, email: `${login}@example.test`, password, role },
  });
  const agent = created.agent ?? created;
  for (const groupId of groupIds) {
    const { groups } = await desk.apiOk('GET', '/v1/groups', { token: ownerToken });
    const group = groups.find((g) => g.id === groupId);
    if (!group.member_ids.includes(agent.id)) {
      await desk.apiOk('PUT', `/v1/groups/${groupId}/members`, {
        token: ownerToken,
        body: { agent_ids: [...group.member_ids, agent.id] },
      });
    }
  }
  return { agent, login, password };
}

/** A group with a connected member, so that it is `online` (transfers need that). */
async function onlineGroup(desk, ownerToken, name) {
  const group = await desk.apiOk('POST', '/v1/groups', { token: ownerToken, body: { name } });
  const member = await createAgent(desk, ownerToken, `${name} member`, { groupIds: [group.id] });
  const socket = await desk.socket(await desk.login(member.login, member.password));
  return { group, member, socket };
}

/** An end user whose first message opens a conversation. */
async function startChat(desk, tenant, text, token) {
  token ??= await desk.widgetToken(tenant.app_key);
  const socket = await desk.socket(token);
  const ack = await socket.request({ type: 'message.send', client_msg_id: uniqueName('u'), text });
  return { token, socket, conversationId: ack.conversation_id };
}

/** A bot with a connected socket; `entry` makes it the entry bot (it never times out). */
async function connectedBot(desk, ownerToken, name, { entry = false } = {}) {
  const bot = await desk.apiOk('POST', '/v1/bots', { token: ownerToken, body: { name } });
  const socket = await desk.socket(bot.token);
  if (entry) {
    await desk.apiOk('PATCH', '/v1/settings', {
      token: ownerToken,
      body: { entry_bot_id: bot.id, bot_timeout_secs: 0 },
    });
  }
  return { bot, socket };
}

async function conversation(desk, token, id) {
  const views = ['open', 'closed'];
  for (const view of views) {
    const { conversations } = await desk.apiOk('GET', `/v1/conversations?view=${view}&limit=200`, { token });
    const found = conversations.find((c) => c.id === id);
    if (found) return found;
  }
  return null;
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

async function openDesk(desk, login, password) {
  const page = await desk.newPage();
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

function item(page, id) {
  return page.locator(`[data-testid=conversation-item][data-conversation-id="${id}"]`);
}

function checkbox(page, id) {
  return page.locator(`[data-testid=conversation-select][data-conversation-id="${id}"]`);
}

async function openConversation(page, tab, id) {
  await page.getByTestId(`tab-${tab}`).click();
  await item(page, id).click({ timeout: LONG });
  await page.locator(`[data-testid=conversation-item][data-conversation-id="${id}"][aria-current=true]`)
    .waitFor({ timeout: LONG });
  await page.getByTestId('messages').waitFor({ timeout: LONG });
}

async function waitForStatus(page, status) {
  await page.locator('[data-testid=conversation-status]', { hasText: new RegExp(`^${status}$`) })
    .waitFor({ timeout: LONG });
}

/** The ids of the conversations the list shows, in order. */
async function listed(page) {
  return page.getByTestId('conversation-item').evaluateAll(
    (items) => items.map((i) => i.getAttribute('data-conversation-id')),
  );
}

describe('desk v1.1: who may act on a conversation', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('Assign to me takes a bot-held chat, then a queued one, in one click, only while online', async () => {
    const { tenant, ownerToken, defaultGroup } = await newTenant(desk);
    const { bot, socket: botSocket } = await connectedBot(desk, ownerToken, 'Helper', { entry: true });
    const dana = await createAgent(desk, ownerToken, 'Dana Field', { groupIds: [defaultGroup] });
    const chat = await startChat(desk, tenant, 'Hi bot, I need a human');
    const held = await conversation(desk, ownerToken, chat.conversationId);
    assert.equal(held.status, 'bot');
    assert.equal(held.assignee.id, bot.id);

    const page = await openDesk(desk, dana.login, dana.password);
    await setPresence(page, 'offline');
    await openConversation(page, 'bot', chat.conversationId);
    await waitForStatus(page, 'bot');
    const take = page.getByTestId('action-accept');
    assert.equal(await take.innerText(), 'Assign to me');
    assert.ok(await take.isDisabled(), 'offline: Assign to me is off');
    await page.getByTestId('take-reason').filter({ hasText: /go online/ }).waitFor({ timeout: SHORT });
    assert.match(await take.getAttribute('title'), /go online/);

    await setPresence(page, 'online');
    await page.getByTestId('take-reason').waitFor({ state: 'detached', timeout: LONG });
    await page.locator('[data-testid=action-accept]:not([disabled])').click({ timeout: LONG });
    await waitForStatus(page, 'assigned');
    await page.getByTestId('contact-holder').filter({ hasText: 'Dana Field' }).waitFor({ timeout: LONG });
    const stored = await conversation(desk, ownerToken, chat.conversationId);
    assert.equal(stored.status, 'assigned');
    assert.deepEqual([stored.assignee.kind, stored.assignee.id], ['agent', dana.agent.id]);
    // The bot heard that it left.
    await botSocket.next(
      (f) => f.type === 'conversation.updated' && f.conversation.id === chat.conversationId
        && f.conversation.assignee?.kind === 'agent',
      LONG,
    );
    // Mine now: taking it again makes no sense.
    assert.ok(await take.isDisabled());
    assert.equal(await page.getByTestId('take-reason').count(), 0);

    // A chat the bot handed over waits in the queue: one click takes it too.
    const second = await startChat(desk, tenant, 'Another question');
    await botSocket.request({ type: 'conversation.handover', conversation_id: second.conversationId, reason: 'asked for a human' });
    await openConversation(page, 'unassigned', second.conversationId);
    await waitForStatus(page, 'queued');
    await page.locator('[data-testid=action-accept]:not([disabled])').click({ timeout: LONG });
    await waitForStatus(page, 'assigned');
    const taken = await conversation(desk, ownerToken, second.conversationId);
    assert.deepEqual([taken.status, taken.assignee.id], ['assigned', dana.agent.id]);
    assertNoConsoleErrors(page);
  });

  test('the Assign picker offers only agents who can take it, never me; a colleague\'s chat is hands off', async () => {
    const { tenant, ownerToken, defaultGroup } = await newTenant(desk);
    const billing = await desk.apiOk('POST', '/v1/groups', { token: ownerToken, body: { name: 'Billing' } });
    const me = await createAgent(desk, ownerToken, 'Mia Me', { groupIds: [defaultGroup] });
    const bob = await createAgent(desk, ownerToken, 'Bob Colleague', { groupIds: [defaultGroup] });
    const carl = await createAgent(desk, ownerToken, 'Carl Billing', { groupIds: [billing.id] });
    const ada = await createAgent(desk, ownerToken, 'Ada Admin', { role: 'admin' });
    const owner = await desk.apiOk('GET', '/v1/me', { token: ownerToken });
    const chat = await startChat(desk, tenant, 'Who can help me?');

    const page = await openDesk(desk, me.login, me.password);
    await setPresence(page, 'online');
    await openConversation(page, 'unassigned', chat.conversationId);
    await waitForStatus(page, 'queued');
    await page.getByTestId('action-assign').click({ timeout: LONG });
    const options = page.locator('[data-testid=assign-option][data-kind=agent]');
    await page.locator(`[data-testid=assign-option][data-id="${bob.agent.id}"]`).waitFor({ timeout: LONG });
    await page.locator(`[data-testid=assign-option][data-id="${ada.agent.id}"]`).waitFor({ timeout: LONG });
    const offered = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual(
      [...offered].sort(),
      [bob.agent.id, ada.agent.id, owner.id].sort(),
      'members of its group and admins; not me, not another group\'s agent',
    );
    assert.ok(!offered.includes(me.agent.id));
    assert.ok(!offered.includes(carl.agent.id));
    // Escape closes it, nothing changes.
    await page.keyboard.press('Escape');
    await page.getByTestId('assign-picker').waitFor({ state: 'detached', timeout: SHORT });

    // Hand it to Bob: now a colleague holds it, and a plain agent leaves it alone.
    await page.getByTestId('action-assign').click();
    await page.locator(`[data-testid=assign-option][data-id="${bob.agent.id}"]`).click({ timeout: LONG });
    await waitForStatus(page, 'assigned');
    await page.getByTestId('contact-holder').filter({ hasText: 'Bob Colleague' }).waitFor({ timeout: LONG });
    for (const action of ['action-assign', 'action-transfer', 'action-unassign', 'action-resolve', 'action-accept']) {
      await page.locator(`[data-testid=${action}][disabled]`).waitFor({ timeout: SHORT });
    }
    assert.match(await page.getByTestId('action-assign').getAttribute('title'), /owner or admin/);
    assert.match(await page.getByTestId('action-resolve').getAttribute('title'), /owner or admin/);

    // An admin may: the picker opens, and offers neither the admin nor Bob, who holds it.
    const adminPage = await openDesk(desk, ada.login, ada.password);
    await openConversation(adminPage, 'open', chat.conversationId);
    await waitForStatus(adminPage, 'assigned');
    await adminPage.locator('[data-testid=action-assign]:not([disabled])').click({ timeout: LONG });
    await adminPage.locator(`[data-testid=assign-option][data-id="${me.agent.id}"]`).waitFor({ timeout: LONG });
    const adminOffered = await adminPage.locator('[data-testid=assign-option][data-kind=agent]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual([...adminOffered].sort(), [me.agent.id, owner.id].sort());
    assert.ok(await adminPage.locator('[data-testid=action-resolve]:not([disabled])').isVisible());
    assertNoConsoleErrors(page);
    assertNoConsoleErrors(adminPage);
  });

  test('a transfer asks first, naming the group; Cancel changes nothing', async () => {
    const { tenant, ownerToken, defaultGroup } = await newTenant(desk);
    const { group: billing, socket: memberSocket } = await onlineGroup(desk, ownerToken, 'Billing');
    const chat = await startChat(desk, tenant, 'Wrong department?');
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await openConversation(page, 'open', chat.conversationId);
    await waitForStatus(page, 'queued');

    await page.getByTestId('action-transfer').click({ timeout: LONG });
    await page.locator(`[data-testid=transfer-option][data-group-id="${billing.id}"]:not([disabled])`)
      .click({ timeout: LONG });
    const confirm = page.getByTestId('transfer-confirm');
    await confirm.waitFor({ timeout: SHORT });
    assert.equal(await page.getByTestId('transfer-confirm-question').innerText(), 'Transfer to Billing?');
    assert.equal(await confirm.getAttribute('role'), 'alertdialog');
    await page.getByTestId('transfer-confirm-cancel').click();
    await confirm.waitFor({ state: 'detached', timeout: SHORT });
    // Nothing was sent: still in the default group's queue.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const unchanged = await conversation(desk, ownerToken, chat.conversationId);
    assert.equal(unchanged.group_id, defaultGroup);
    assert.equal(unchanged.status, 'queued');

    // Escape cancels too.
    await page.getByTestId('action-transfer').click();
    await page.locator(`[data-testid=transfer-option][data-group-id="${billing.id}"]:not([disabled])`).click({ timeout: LONG });
    await confirm.waitFor({ timeout: SHORT });
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached', timeout: SHORT });
    assert.equal((await conversation(desk, ownerToken, chat.conversationId)).group_id, defaultGroup);

    // Confirmed: it moves to Billing's queue.
    await page.getByTestId('action-transfer').click();
    await page.locator(`[data-testid=transfer-option][data-group-id="${billing.id}"]:not([disabled])`).click({ timeout: LONG });
    await page.getByTestId('transfer-confirm-yes').click({ timeout: SHORT });
    await confirm.waitFor({ state: 'detached', timeout: SHORT });
    await memberSocket.next(
      (f) => f.type === 'conversation.updated' && f.conversation.id === chat.conversationId
        && f.conversation.group_id === billing.id,
      LONG,
    );
    await page.getByTestId('contact-group').filter({ hasText: 'Billing' }).waitFor({ timeout: LONG });
    assert.equal((await conversation(desk, ownerToken, chat.conversationId)).group_id, billing.id);
    assertNoConsoleErrors(page);
  });
});

describe('desk v1.1: bulk actions, earlier conversations, bot filter', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('owners tick conversations and assign, transfer and resolve them; each answers on its own', async () => {
    const { tenant, ownerToken, defaultGroup } = await newTenant(desk);
    const { group: billing } = await onlineGroup(desk, ownerToken, 'Billing');
    const bob = await createAgent(desk, ownerToken, 'Bob Support', { groupIds: [defaultGroup] });
    const chats = [];
    for (const text of ['one', 'two', 'three', 'four']) {
      chats.push(await startChat(desk, tenant, `bulk ${text}`));
    }
    const [c1, c2, c3, c4] = chats.map((c) => c.conversationId);
    // c4 is Billing's: Bob, who is not a member there, cannot take it.
    const ownerSocket = await desk.socket(ownerToken);
    await ownerSocket.request({ type: 'conversation.transfer', conversation_id: c4, group_id: billing.id });

    // A plain agent gets no checkboxes.
    const plain = await openDesk(desk, bob.login, bob.password);
    await plain.getByTestId('tab-open').click();
    await item(plain, c1).waitFor({ timeout: LONG });
    assert.equal(await plain.getByTestId('conversation-select').count(), 0);
    assert.equal(await plain.getByTestId('bulk-bar').count(), 0);

    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('tab-open').click();
    for (const id of [c1, c2, c3, c4]) await item(page, id).waitFor({ timeout: LONG });

    // Assign c1, c4 to Bob: c4 fails, and the report says which and why.
    await checkbox(page, c1).check();
    await checkbox(page, c4).check();
    assert.equal(await page.getByTestId('bulk-count').innerText(), '2 selected');
    await page.getByTestId('bulk-agent').selectOption(bob.agent.id);
    await page.getByTestId('bulk-assign').click();
    const report = page.getByTestId('bulk-report');
    await page.locator('[data-testid=bulk-report][data-state=done]').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('bulk-summary').innerText(), '1 of 2 conversations assigned to Bob Support. 1 failed:');
    const failures = page.getByTestId('bulk-failure');
    assert.equal(await failures.count(), 1);
    assert.equal(await failures.first().getAttribute('data-conversation-id'), c4);
    assert.match(await failures.first().innerText(), /not a member/);
    assert.equal(await page.getByTestId('bulk-bar').count(), 0, 'the selection empties after a run');
    const assigned = await conversation(desk, ownerToken, c1);
    assert.deepEqual([assigned.status, assigned.assignee.id], ['assigned', bob.agent.id]);
    assert.equal((await conversation(desk, ownerToken, c4)).status, 'queued');
    await page.getByTestId('bulk-report-close').click();
    await report.waitFor({ state: 'detached', timeout: SHORT });

    // Transfer c2, c3 to Billing: asked first, naming the group and the count.
    await checkbox(page, c2).check();
    await checkbox(page, c3).check();
    await page.getByTestId('bulk-group').selectOption(billing.id);
    await page.getByTestId('bulk-transfer').click();
    assert.equal(await page.getByTestId('bulk-confirm-question').innerText(), 'Transfer 2 conversations to Billing?');
    await page.getByTestId('bulk-confirm-cancel').click();
    await page.getByTestId('bulk-confirm').waitFor({ state: 'detached', timeout: SHORT });
    assert.equal((await conversation(desk, ownerToken, c2)).group_id, defaultGroup, 'cancel sends nothing');
    await page.getByTestId('bulk-transfer').click();
    await page.getByTestId('bulk-confirm-yes').click();
    await page.locator('[data-testid=bulk-report][data-state=done]').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('bulk-summary').innerText(), '2 of 2 conversations transferred to Billing.');
    assert.equal(await page.getByTestId('bulk-failure').count(), 0);
    for (const id of [c2, c3]) assert.equal((await conversation(desk, ownerToken, id)).group_id, billing.id);

    // Resolve c1..c4, while someone else resolves c2 first: that one fails, the rest go through.
    await page.getByTestId('select-all').check();
    assert.equal(await page.getByTestId('bulk-count').innerText(), '4 selected');
    await ownerSocket.request({ type: 'conversation.resolve', conversation_id: c2 });
    await item(page, c2).waitFor({ state: 'detached', timeout: LONG });
    await page.getByTestId('bulk-resolve').click();
    assert.equal(await page.getByTestId('bulk-confirm-question').innerText(), 'Resolve 4 conversations?');
    await page.getByTestId('bulk-confirm-yes').click();
    await page.locator('[data-testid=bulk-report][data-state=done]').waitFor({ timeout: LONG });
    assert.equal(await page.getByTestId('bulk-summary').innerText(), '3 of 4 conversations resolved. 1 failed:');
    assert.equal(await page.getByTestId('bulk-failure').count(), 1);
    assert.equal(await page.getByTestId('bulk-failure').getAttribute('data-conversation-id'), c2);
    assert.match(await page.getByTestId('bulk-failure').innerText(), /resolved/);
    for (const id of [c1, c2, c3, c4]) assert.equal((await conversation(desk, ownerToken, id)).status, 'resolved');
    await page.getByTestId('list-empty').waitFor({ timeout: LONG });
    // The refused frame is answered over the socket: no failed request, no console error.
    assertNoConsoleErrors(page);
    assertNoConsoleErrors(plain);
  });

  test('the contact panel lists the user\'s earlier conversations; a click opens one to read it', async () => {
    const { tenant, ownerToken } = await newTenant(desk);
    // A message after resolve opens a new conversation (§6.1 after_resolve).
    await desk.apiOk('PATCH', '/v1/settings', { token: ownerToken, body: { after_resolve: 'new_conversation' } });
    const userToken = await desk.widgetToken(tenant.app_key);
    const first = await startChat(desk, tenant, 'My first question, long ago', userToken);
    const ownerSocket = await desk.socket(ownerToken);
    await ownerSocket.request({ type: 'conversation.resolve', conversation_id: first.conversationId });
    // The user's next message (without a conversation id) opens a new conversation.
    const second = await first.socket.request({ type: 'message.send', client_msg_id: uniqueName('u'), text: 'Back again' });
    assert.notEqual(second.conversation_id, first.conversationId);
    const other = await startChat(desk, tenant, 'Someone else');

    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await openConversation(page, 'open', second.conversation_id);
    const earlier = page.getByTestId('earlier-conversation');
    await earlier.first().waitFor({ timeout: LONG });
    assert.equal(await earlier.count(), 1, 'the user\'s other conversation, not this one, not another user\'s');
    assert.equal(await earlier.first().getAttribute('data-conversation-id'), first.conversationId);
    assert.equal(await earlier.first().getAttribute('data-status'), 'resolved');
    assert.notEqual(await earlier.first().getAttribute('data-conversation-id'), other.conversationId);

    await earlier.first().click();
    await waitForStatus(page, 'resolved');
    await page.getByTestId('message').filter({ hasText: 'My first question, long ago' }).waitFor({ timeout: LONG });
    // From there, the newer one is the other conversation.
    await page.locator(`[data-testid=earlier-conversation][data-conversation-id="${second.conversation_id}"]`)
      .waitFor({ timeout: LONG });
    await page.locator(`[data-testid=earlier-conversation][data-conversation-id="${second.conversation_id}"]`).click();
    await page.getByTestId('message').filter({ hasText: 'Back again' }).waitFor({ timeout: LONG });
    assertNoConsoleErrors(page);
  });

  test('the bot filter shows only the conversations a bot took part in, live too', async () => {
    const { tenant, ownerToken } = await newTenant(desk);
    const { bot: helper, socket: helperSocket } = await connectedBot(desk, ownerToken, 'Helper', { entry: true });
    const { bot: sales } = await connectedBot(desk, ownerToken, 'Sales bot');
    const held = await startChat(desk, tenant, 'held by Helper');
    // Helper answers, then hands over: it took part, though it holds it no more.
    const handed = await startChat(desk, tenant, 'handed over by Helper');
    await helperSocket.request({
      type: 'message.send',
      conversation_id: handed.conversationId,
      client_msg_id: uniqueName('b'),
      text: 'Let me find you a human.',
    });
    await helperSocket.request({ type: 'conversation.handover', conversation_id: handed.conversationId });
    // Without an entry bot, new chats queue; one is then given to the Sales bot.
    await desk.apiOk('PATCH', '/v1/settings', { token: ownerToken, body: { entry_bot_id: null } });
    const toSales = await startChat(desk, tenant, 'moved to Sales bot');
    const ownerSocket = await desk.socket(ownerToken);
    await ownerSocket.request({
      type: 'conversation.assign',
      conversation_id: toSales.conversationId,
      to: { kind: 'bot', id: sales.id },
    });
    const noBot = await startChat(desk, tenant, 'no bot at all');

    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await page.getByTestId('tab-open').click();
    for (const c of [held, handed, toSales, noBot]) await item(page, c.conversationId).waitFor({ timeout: LONG });
    const filter = page.getByTestId('bot-filter');
    assert.equal(await filter.getAttribute('aria-label'), 'Show only the conversations of a bot');

    await filter.selectOption(helper.id);
    await until('only Helper\'s conversations', async () => {
      const ids = await listed(page);
      return ids.length === 2 && ids.includes(held.conversationId) && ids.includes(handed.conversationId);
    });
    // A new conversation the bot takes shows up live.
    await desk.apiOk('PATCH', '/v1/settings', { token: ownerToken, body: { entry_bot_id: helper.id } });
    const live = await startChat(desk, tenant, 'arrives while filtered');
    await item(page, live.conversationId).waitFor({ timeout: LONG });
    assert.equal(await item(page, noBot.conversationId).count(), 0);

    await filter.selectOption(sales.id);
    await until('only Sales bot\'s conversation', async () => {
      const ids = await listed(page);
      return ids.length === 1 && ids[0] === toSales.conversationId;
    });
    // The filter stays on other tabs.
    await page.getByTestId('tab-bot').click();
    await until('the Bot tab filtered too', async () => {
      const ids = await listed(page);
      return ids.length === 1 && ids[0] === toSales.conversationId;
    });

    await filter.selectOption('');
    await page.getByTestId('tab-open').click();
    await until('all again', async () => (await listed(page)).length === 5);
    assertNoConsoleErrors(page);
  });
});
