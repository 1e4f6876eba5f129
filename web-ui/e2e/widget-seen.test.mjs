// The widget shows the user when an agent has read their message (issue 12, item 3): "Seen"
// under the user's last message an agent has read, from the `read` events the gateway sends
// the user, live; a later message has no marker until an agent reads it too; an agent opening
// the conversation in the desk marks it read, and so does the desk showing it when a new one
// arrives; a reload keeps it. The widget's frame is opened directly (it then
// starts by itself, anonymous); the first agent is a protocol client over WebSocket, the
// second the desk in the browser.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk, uniqueName } from './harness.mjs';

/** Every wait in this file has one of these limits. */
const SHORT = 5_000;
const LONG = 15_000;

/** The widget's frame on its own, ready and live. */
async function openWidget(desk, appKey) {
  const page = await desk.newPage({ viewport: { width: 420, height: 640 } });
  await desk.goto(page, `/widget/frame?app_key=${encodeURIComponent(appKey)}`, {
    ready: '[data-testid=widget][data-phase=ready][data-connection=live]',
  });
  return page;
}

/** The user writes in the widget; resolves with the message's seq once it is acknowledged. */
async function userSays(page, text) {
  await page.getByTestId('widget-input').fill(text);
  await page.getByTestId('widget-input').press('Enter');
  const row = page.locator('[data-testid=widget-message][data-kind=user]', {
    has: page.locator('[data-testid=widget-text]', { hasText: text }),
  });
  await row.waitFor({ timeout: LONG });
  return Number(await row.getAttribute('data-seq'));
}

/** The user's token, as the widget stored it. */
async function userToken(page, appKey) {
  const stored = await page.evaluate((key) => localStorage.getItem(`switchboard.widget.${key}`), appKey);
  return JSON.parse(stored).token;
}

function markers(page) {
  return page.getByTestId('widget-seen');
}

/** Waits until the one "Seen" marker sits directly under the user's message `seq`. */
async function seenUnder(page, seq) {
  await page
    .locator(`[data-testid=widget-message][data-seq="${seq}"][data-kind=user] + [data-testid=widget-seen][data-seq="${seq}"]`)
    .waitFor({ timeout: LONG });
  assert.equal(await markers(page).count(), 1, 'one marker');
  assert.equal(await markers(page).innerText(), 'Seen');
}

describe('widget read receipts', () => {
  let desk;
  before(async () => {
    desk = await startDesk();
  });
  after(() => desk?.close());

  test('"Seen" goes under the user\'s last message an agent has read, live, also from the desk', async () => {
    const tenant = await desk.createTenant();
    const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    // An admin agent as a protocol client (it may see every conversation of the tenant).
    const login = uniqueName('agent');
    await desk.apiOk('POST', '/v1/agents', {
      token: ownerToken,
      body: { full_name: 'Alice Example', login, email: `${login}@example.test`, password: 'agent password 123', role: 'admin' },
    });
    const agent = await desk.socket(await desk.login(login, 'agent password 123'));

    const page = await openWidget(desk, tenant.app_key);
    const first = await userSays(page, 'My order has not arrived.');
    const { conversation } = await desk.apiOk('GET', '/v1/widget/conversation', {
      token: await userToken(page, tenant.app_key),
    });
    assert.ok(conversation?.id, 'the user has a conversation');
    assert.equal(await markers(page).count(), 0, 'nothing is seen before an agent reads');

    // The agent reads it: "Seen" under it, live.
    agent.send({ type: 'read', conversation_id: conversation.id, seq: first });
    await seenUnder(page, first);

    // The user writes again: the marker stays under the message that was read.
    const second = await userSays(page, 'It was due on Monday.');
    assert.ok(second > first);
    await seenUnder(page, first);

    // The agent reads up to the new one: the marker moves there.
    agent.send({ type: 'read', conversation_id: conversation.id, seq: second });
    await seenUnder(page, second);

    // The owner opens the conversation in the desk: that reads it too.
    const third = await userSays(page, 'Order number 4711.');
    await seenUnder(page, second);
    const deskPage = await desk.newPage();
    await desk.goto(deskPage, '/login');
    await loginAs(deskPage, tenant.ownerLogin, tenant.ownerPassword);
    await deskPage.getByTestId('desk').waitFor({ timeout: LONG });
    await deskPage.getByTestId('tab-unassigned').click({ timeout: LONG });
    await deskPage
      .locator(`[data-testid=conversation-item][data-conversation-id="${conversation.id}"]`)
      .click({ timeout: LONG });
    await deskPage.getByTestId('messages').waitFor({ timeout: LONG });
    await seenUnder(page, third);
    // While the desk shows the conversation, the user's next message is read as it arrives.
    const fourth = await userSays(page, 'Thanks for looking.');
    await seenUnder(page, fourth);

    // A reload keeps it (the widget remembers what was read; the gateway does not store reads).
    await page.reload();
    await page.locator('[data-testid=widget][data-phase=ready][data-connection=live]').waitFor({ timeout: LONG });
    await seenUnder(page, fourth);
    await page.getByTestId('widget-input').waitFor({ timeout: SHORT });
    assertNoConsoleErrors(page);
    assertNoConsoleErrors(deskPage);
  });
});
