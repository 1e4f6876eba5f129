// Read state in the desk (issue 5 item 3): when the conversation's user sends `read` for a seq,
// the agent sees "Seen" under the last agent message the user has read, live; a later reply has
// no marker until the user reads it too. No flow may log a console error.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, loginAs, startDesk, uniqueName } from './harness.mjs';

/** Every wait in this file has one of these limits. */
const SHORT = 5_000;
const LONG = 15_000;

/** Logs in through the form and waits for the desk (and its live socket: presence known). */
async function openDesk(desk, login, password) {
  const page = await desk.newPage();
  await desk.goto(page, '/login');
  await loginAs(page, login, password);
  await page.getByTestId('desk').waitFor({ timeout: LONG });
  await page.locator('[data-testid=presence-toggle][data-presence]').waitFor({ timeout: LONG });
  return page;
}

/** Switches the agent online through the rail's toggle (accepting needs it). */
async function goOnline(page) {
  const toggle = page.getByTestId('presence-toggle');
  await page.locator('[data-testid=presence-toggle]:not([disabled])').waitFor({ timeout: LONG });
  if ((await toggle.getAttribute('data-presence')) !== 'online') await toggle.click();
  await page.locator('[data-testid=presence-toggle][data-presence=online]').waitFor({ timeout: LONG });
}

function conversationItem(page, id) {
  return page.locator(`[data-testid=conversation-item][data-conversation-id="${id}"]`);
}

function messageAt(page, seq) {
  return page.locator(`[data-testid=messages] [data-testid=message][data-seq="${seq}"]`);
}

/** The marker directly under the message `seq`. */
function markerUnder(page, seq) {
  return page.locator(
    `[data-testid=messages] [data-testid=message][data-seq="${seq}"] + [data-testid=seen-marker]`,
  );
}

function markers(page) {
  return page.locator('[data-testid=messages] [data-testid=seen-marker]');
}

/** The agent replies from the composer; resolves with the message as the user received it. */
async function reply(page, chat, text) {
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('composer').press('Enter');
  const created = await chat.socket.next(
    (f) => f.type === 'message.created' && f.message.text === text,
    LONG,
  );
  await messageAt(page, created.message.seq).waitFor({ timeout: LONG });
  return created.message;
}

/**
 * The user writes one more message and the desk shows it. The gateway handles a socket's
 * frames in order and delivers a conversation's events in order, so whatever the user sent
 * before has reached the desk by then: a check that something did NOT happen needs no sleep.
 */
async function barrier(page, chat) {
  const sent = await chat.socket.request({
    type: 'message.send',
    conversation_id: chat.conversationId,
    client_msg_id: uniqueName('u'),
    text: uniqueName('barrier'),
  });
  await messageAt(page, sent.message.seq).waitFor({ timeout: LONG });
}

describe('desk read state', () => {
  let desk;
  let tenant;
  before(async () => {
    desk = await startDesk();
    tenant = await desk.createTenant({ name: 'Readers', ownerLogin: 'rita' });
  });
  after(() => desk?.close());

  test('"Seen" follows the user\'s read frames, under the last agent message read', async () => {
    const page = await openDesk(desk, tenant.ownerLogin, tenant.ownerPassword);
    await goOnline(page);
    await page.getByTestId('tab-unassigned').click();

    // A user writes; the agent opens and accepts the conversation.
    const token = await desk.widgetToken(tenant.app_key);
    const socket = await desk.socket(token);
    const first = await socket.request({
      type: 'message.send',
      client_msg_id: uniqueName('u'),
      text: 'Is my parcel on its way?',
    });
    const chat = { socket, conversationId: first.conversation_id };
    await conversationItem(page, chat.conversationId).click({ timeout: LONG });
    await page.getByTestId('messages').waitFor({ timeout: LONG });
    await page.getByTestId('action-accept').click({ timeout: LONG });
    await page.locator('[data-testid=conversation-status]', { hasText: /^assigned$/ })
      .waitFor({ timeout: LONG });

    // The agent replies: not seen yet.
    const answer = await reply(page, chat, 'It left the warehouse this morning.');
    assert.equal(await markers(page).count(), 0, 'no marker before the user reads');

    // The user reads it: "Seen" appears under that reply, live.
    socket.send({ type: 'read', conversation_id: chat.conversationId, seq: answer.seq });
    await markerUnder(page, answer.seq).waitFor({ timeout: LONG });
    assert.equal(await markerUnder(page, answer.seq).textContent(), 'Seen');
    assert.equal(await markers(page).count(), 1);

    // A later reply has no marker until read; the earlier one keeps it.
    const later = await reply(page, chat, 'Tracking number: 00340434161094042557.');
    assert.ok(later.seq > answer.seq);
    await barrier(page, chat);
    assert.equal(await markerUnder(page, later.seq).count(), 0, 'the later reply is not seen yet');
    assert.equal(await markerUnder(page, answer.seq).count(), 1);

    // A stale read (an older seq, e.g. from another tab of the user) changes nothing.
    socket.send({ type: 'read', conversation_id: chat.conversationId, seq: answer.seq - 1 });
    await barrier(page, chat);
    assert.equal(await markerUnder(page, answer.seq).count(), 1);
    assert.equal(await markers(page).count(), 1);

    // Read: the marker moves to the later reply, one marker in all.
    socket.send({ type: 'read', conversation_id: chat.conversationId, seq: later.seq });
    await markerUnder(page, later.seq).waitFor({ timeout: LONG });
    await markerUnder(page, answer.seq).waitFor({ state: 'detached', timeout: SHORT });
    assert.equal(await markers(page).count(), 1);

    // The user's own message after it, read: the marker stays under the agent's reply.
    const own = await socket.request({
      type: 'message.send',
      conversation_id: chat.conversationId,
      client_msg_id: uniqueName('u'),
      text: 'Thanks!',
    });
    const ownSeq = own.message?.seq ?? later.seq + 1;
    await messageAt(page, ownSeq).waitFor({ timeout: LONG });
    socket.send({ type: 'read', conversation_id: chat.conversationId, seq: ownSeq });
    await barrier(page, chat);
    assert.equal(await markerUnder(page, later.seq).count(), 1);
    assert.equal(await markers(page).count(), 1);

    socket.close();
    assertNoConsoleErrors(page);
  });
});
