// The end-user chat widget (issue 6) in headless Chromium against the real gateway: a page on
// another origin embeds it with the one tag; a bot answers; the user asks for a person; an
// agent accepts and replies; a reload keeps the conversation without duplicates; a dropped
// socket recovers what was missed; the launcher counts unread agent messages; an origin not on
// the tenant's list gets no widget; verified identities follow the user across browsers, and
// expired, wrong-key and missing ones are refused.
//
// The customer's pages are served by a tiny node server on 127.0.0.1 at other ports (another
// origin than the gateway's). The bot and the agent are protocol clients over WebSocket.
// With SWITCHBOARD_SCREENSHOTS=1 it writes docs/screenshots/widget.png.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { assertNoConsoleErrors, startDesk, uniqueName } from './harness.mjs';

/** Every wait in this file has one of these limits. */
const SHORT = 5_000;
const LONG = 15_000;

const BOT_ANSWER = 'We are open Monday to Friday, 9:00 to 17:00.';

/** HTML attribute text. */
function attr(value) {
  return String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * A customer's site: GET /?app_key=K[&identity=JWT][&queued=JWT] answers a page embedding the
 * widget with the one tag (`queued` uses the documented queue for `Switchboard.identify`
 * instead of data-identity).
 */
async function startSite(gatewayUrl) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://site');
    if (url.pathname === '/queue.js') {
      // The documented way to call the API before widget.js has loaded.
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(
        'window.Switchboard = window.Switchboard || {q: []};\n' +
          `Switchboard.q.push(['identify', ${JSON.stringify(url.searchParams.get('token'))}]);\n`,
      );
      return;
    }
    if (url.pathname !== '/') {
      response.writeHead(404).end();
      return;
    }
    const key = url.searchParams.get('app_key') ?? '';
    const identity = url.searchParams.get('identity');
    const queued = url.searchParams.get('queued');
    const before = queued ? `<script src="/queue.js?token=${encodeURIComponent(queued)}"></script>` : '';
    const identityAttr = identity ? ` data-identity="${attr(identity)}"` : '';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    // The page's own CSS is hostile on purpose: the launcher must not change.
    response.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Acme shop</title>
<style>body{font:16px system-ui;margin:40px;background:#fafaf9} h1{color:#7c2d12} button{all:unset;color:red}</style>
</head><body><h1>Acme shop</h1><p>Fine goods since 1923. Questions? Chat with us.</p>
${before}<script src="${gatewayUrl}/widget.js" data-app-key="${attr(key)}"${identityAttr} async></script>
</body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (params) => `${origin}/?${new URLSearchParams(params)}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An HS256 JWT, as a customer's backend signs a user's identity. */
function signIdentity(secret, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

function inMinutes(minutes) {
  return Math.floor(Date.now() / 1000) + minutes * 60;
}

/** A bot that answers every user message once (idempotently, keyed by the message id). */
async function startBot(desk, ownerToken) {
  const bot = await desk.apiOk('POST', '/v1/bots', { token: ownerToken, body: { name: 'Shop assistant' } });
  await desk.apiOk('PATCH', '/v1/settings', { token: ownerToken, body: { entry_bot_id: bot.id } });
  const socket = await desk.socket(bot.token);
  socket.ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'message.created' && frame.message.author.kind === 'user') {
      socket.send({
        type: 'message.send',
        req: `bot-${frame.message.id}`,
        conversation_id: frame.message.conversation_id,
        client_msg_id: `bot-${frame.message.id}`,
        text: BOT_ANSWER,
      });
    }
  });
  return { ...bot, socket };
}

/** An admin agent with a display name, logged in, its socket online. */
async function startAgent(desk, ownerToken, fullName) {
  const login = uniqueName('agent');
  const password = 'agent password 123';
  await desk.apiOk('POST', '/v1/agents', {
    token: ownerToken,
    body: { full_name: fullName, login, email: `${login}@example.test`, password, role: 'admin' },
  });
  const token = await desk.login(login, password);
  const socket = await desk.socket(token);
  await socket.request({ type: 'presence.set', status: 'online' });
  return { token, socket };
}

/** The agent takes the user's queued conversation (waits until it is queued). */
async function accept(agent, conversationId) {
  for (const deadline = Date.now() + LONG; ; ) {
    try {
      return await agent.socket.request({ type: 'conversation.accept', conversation_id: conversationId });
    } catch (err) {
      // Still with the bot (the handover is on its way): try again shortly.
      if (Date.now() > deadline || err.frame?.code !== 'conflict') throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function agentSays(agent, conversationId, text) {
  return agent.socket.request({
    type: 'message.send',
    conversation_id: conversationId,
    client_msg_id: uniqueName('agent-msg'),
    text,
  });
}

function launcher(page) {
  return page.locator('#switchboard-widget .launcher');
}

function widgetFrame(page) {
  return page.frameLocator('#switchboard-widget iframe');
}

/** Opens the panel (if closed) and waits until the chat is ready. */
async function openWidget(page) {
  await launcher(page).waitFor({ timeout: LONG });
  if ((await page.locator('#switchboard-widget').getAttribute('data-open')) !== 'true') {
    await launcher(page).click();
  }
  await page.locator('#switchboard-widget[data-open=true]').waitFor({ state: 'attached', timeout: SHORT });
  const frame = widgetFrame(page);
  await frame.locator('[data-testid=widget][data-phase=ready][data-connection=live]').waitFor({ timeout: LONG });
  return frame;
}

function messagesWithText(frame, text) {
  return frame.locator('[data-testid=widget-message]', {
    has: frame.locator('[data-testid=widget-text]', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }),
  });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The user writes in the widget (Enter sends) and waits until the message is acknowledged. */
async function userSays(frame, text) {
  await frame.getByTestId('widget-input').fill(text);
  await frame.getByTestId('widget-input').press('Enter');
  await messagesWithText(frame, text).waitFor({ timeout: LONG });
}

/** The conversation's id, from the widget's messages. */
async function conversationIdOf(desk, userToken) {
  const { conversation } = await desk.apiOk('GET', '/v1/widget/conversation', { token: userToken });
  return conversation?.id;
}

/** The user's token, from the frame's storage (what the widget saved). */
async function userToken(page, appKey) {
  const frame = page.frames().find((f) => f.url().includes('/widget/frame'));
  const stored = await frame.evaluate((key) => localStorage.getItem(`switchboard.widget.${key}`), appKey);
  return JSON.parse(stored).token;
}

/** Every shown message's (seq, kind, text), in order. */
async function shownMessages(frame) {
  return frame.locator('[data-testid=widget-message]').evaluateAll((rows) =>
    rows.map((row) => ({
      seq: Number(row.dataset.seq),
      kind: row.dataset.kind,
      author: row.querySelector('[data-testid=widget-author]')?.textContent ?? null,
      text: row.querySelector('[data-testid=widget-text]')?.textContent ?? '',
    })),
  );
}

function assertNoDuplicates(messages) {
  const seqs = messages.map((m) => m.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), `sorted, unique seqs: ${JSON.stringify(messages)}`);
}

describe('chat widget', () => {
  let desk;
  let site;
  let otherSite;
  before(async () => {
    desk = await startDesk();
    site = await startSite(desk.url);
    otherSite = await startSite(desk.url);
  });
  after(async () => {
    await site?.close();
    await otherSite?.close();
    await desk?.close();
  });

  describe('with a bot and an agent', () => {
    let tenant;
    let ownerToken;
    let bot;
    let agent;
    before(async () => {
      tenant = await desk.createTenant();
      ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
      bot = await startBot(desk, ownerToken);
      agent = await startAgent(desk, ownerToken, 'Alice Example');
    });

    test('one tag on another origin: the bot answers, a person takes over, reload and reconnect lose and repeat nothing', async () => {
      const page = await desk.newPage();
      // Every socket of the page (the widget's frame included) goes through this switch, so
      // the test can cut the network for the widget alone.
      let offline = false;
      const routes = [];
      await page.context().routeWebSocket(/\/v1\/ws$/, (ws) => {
        if (offline) {
          ws.close({ code: 1001, reason: 'offline' });
          return;
        }
        routes.push({ ws, server: ws.connectToServer() });
      });
      // What the page and the frame fetch: the widget's own WASM, never the desk's.
      const fetched = [];
      page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
      await page.goto(site.url({ app_key: tenant.app_key }));
      assert.equal(new URL(page.url()).origin, site.origin);
      assert.notEqual(site.origin, desk.url, 'the page is on another origin than the gateway');

      let frame = await openWidget(page);
      await frame.getByTestId('widget-empty').waitFor({ timeout: SHORT });
      assert.ok(fetched.includes('/switchboard_widget_bg.wasm'), `the widget's WASM: ${fetched}`);
      assert.ok(!fetched.some((p) => p.startsWith('/switchboard_web_ui')), `not the desk's: ${fetched}`);
      await userSays(frame, 'What are your opening hours?');

      // The bot's answer, with its name.
      const botAnswer = messagesWithText(frame, BOT_ANSWER);
      await botAnswer.waitFor({ timeout: LONG });
      assert.equal(await botAnswer.getAttribute('data-kind'), 'bot');
      assert.equal(await botAnswer.getByTestId('widget-author').innerText(), 'Shop assistant');
      await frame.locator('[data-testid=widget-status]', { hasText: 'Shop assistant' }).waitFor({ timeout: SHORT });

      // Talk to a person: the system notice and the queue position.
      await frame.getByTestId('widget-handover').click();
      const notice = frame.locator('[data-testid=widget-message][data-kind=system]', {
        hasText: 'You are being transferred to an agent',
      });
      await notice.waitFor({ timeout: LONG });
      await frame.locator('[data-testid=widget-queue][data-position="1"]').waitFor({ timeout: LONG });
      await frame.getByTestId('widget-handover').waitFor({ state: 'detached', timeout: SHORT });

      // A reload while waiting still shows the place in the queue (no event needed).
      await page.reload();
      frame = await openWidget(page);
      await frame.locator('[data-testid=widget-queue][data-position="1"]').waitFor({ timeout: LONG });

      // The agent accepts and replies: shown with the agent's name.
      const token = await userToken(page, tenant.app_key);
      const conversationId = await conversationIdOf(desk, token);
      assert.ok(conversationId, 'the user has a conversation');
      await accept(agent, conversationId);
      await agentSays(agent, conversationId, 'Hi, I am Alice. How can I help?');
      const reply = messagesWithText(frame, 'Hi, I am Alice. How can I help?');
      await reply.waitFor({ timeout: LONG });
      assert.equal(await reply.getAttribute('data-kind'), 'agent');
      assert.equal(await reply.getByTestId('widget-author').innerText(), 'Alice Example');
      await frame.locator('[data-testid=widget-status]', { hasText: 'Chatting with Alice Example' }).waitFor({ timeout: SHORT });
      await frame.getByTestId('widget-queue').waitFor({ state: 'detached', timeout: SHORT });

      // Typing shows on the other side, both ways.
      agent.socket.send({ type: 'typing', conversation_id: conversationId });
      await frame.locator('[data-testid=widget-typing]', { hasText: 'Alice Example is typing' }).waitFor({ timeout: SHORT });
      await desk.screenshot(page, 'widget');
      await frame.getByTestId('widget-input').fill('I would like');
      await agent.socket.next((f) => f.type === 'typing' && f.conversation_id === conversationId, SHORT);

      // Untrusted text stays text.
      const markup = '<img src=x onerror="window.pwned=1"> <b>bold?</b>';
      await userSays(frame, markup);
      assert.equal(await frame.locator('[data-testid=widget-message] img').count(), 0);
      assert.equal(await frame.locator('[data-testid=widget-message] b').count(), 0);

      // An emoji from the picker.
      await frame.getByTestId('widget-input').fill('Thanks ');
      await frame.getByTestId('widget-emoji-button').click();
      await frame.locator('[data-testid=widget-emoji-option][data-emoji="👍"]').click();
      assert.equal(await frame.getByTestId('widget-input').inputValue(), 'Thanks 👍');
      await frame.getByTestId('widget-input').press('Enter');
      await messagesWithText(frame, 'Thanks 👍').waitFor({ timeout: LONG });

      // A file: uploaded with the user's token, sent, shown as a download link that works.
      await frame.getByTestId('widget-attach-input').setInputFiles({
        name: 'receipt.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('order 1234, paid twice'),
      });
      await frame.getByTestId('widget-attachment-chip').waitFor({ timeout: LONG });
      await frame.getByTestId('widget-send').click();
      const link = frame.getByTestId('widget-attachment-link');
      await link.waitFor({ timeout: LONG });
      const sentToAgent = await agent.socket.next(
        (f) => f.type === 'message.created' && f.message.attachments.length === 1,
        LONG,
      );
      assert.equal(sentToAgent.message.attachments[0].file_name, 'receipt.txt');
      const href = await link.getAttribute('href');
      const download = await fetch(new URL(href, desk.url));
      assert.equal(download.status, 200);
      assert.equal(await download.text(), 'order 1234, paid twice');

      // A reload keeps the conversation and its history, each message once.
      const before = await shownMessages(frame);
      assertNoDuplicates(before);
      await page.reload();
      const reloaded = await openWidget(page);
      await messagesWithText(reloaded, 'Hi, I am Alice. How can I help?').waitFor({ timeout: LONG });
      await reloaded.getByTestId('widget-attachment-link').waitFor({ timeout: LONG });
      const after = await shownMessages(reloaded);
      assertNoDuplicates(after);
      assert.deepEqual(after, before, 'the same messages after a reload');
      assert.equal(await userToken(page, tenant.app_key), token, 'the same session');

      // The network drops; the agent writes meanwhile; the widget reconnects and shows it once.
      offline = true;
      for (const { ws, server } of routes.splice(0)) {
        server.close();
        ws.close({ code: 1001, reason: 'network lost' });
      }
      await reloaded.locator('[data-testid=widget][data-connection=reconnecting]').waitFor({ timeout: SHORT });
      await reloaded.getByTestId('widget-offline').waitFor({ timeout: SHORT });
      const missed = 'Are you still there? Your refund is on its way.';
      await agentSays(agent, conversationId, missed);
      offline = false;
      await reloaded.locator('[data-testid=widget][data-connection=live]').waitFor({ timeout: LONG });
      await messagesWithText(reloaded, missed).waitFor({ timeout: LONG });
      const recovered = await shownMessages(reloaded);
      assertNoDuplicates(recovered);
      assert.equal(recovered.filter((m) => m.text === missed).length, 1);
      assert.equal(recovered.length, after.length + 1, 'exactly the missed message was added');

      // Writing after the reconnect works (the new socket is live).
      await userSays(reloaded, 'Great, thank you!');
      await agent.socket.next((f) => f.type === 'message.created' && f.message.text === 'Great, thank you!', LONG);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assertNoConsoleErrors(page, { ignore: [/WebSocket/] });
    });

    test('the launcher counts agent messages while the panel is closed', async () => {
      const page = await desk.newPage();
      await page.goto(site.url({ app_key: tenant.app_key }));
      const frame = await openWidget(page);
      await userSays(frame, 'Hello, anyone there?');
      await messagesWithText(frame, BOT_ANSWER).waitFor({ timeout: LONG });
      await frame.getByTestId('widget-handover').click();
      const token = await userToken(page, tenant.app_key);
      const conversationId = await conversationIdOf(desk, token);
      await accept(agent, conversationId);
      await frame.locator('[data-testid=widget-status]', { hasText: 'Chatting with Alice Example' }).waitFor({ timeout: LONG });

      // Closed from inside the frame (its × asks the page to close the panel).
      await frame.getByTestId('widget-close').click();
      await page.locator('#switchboard-widget[data-open=false]').waitFor({ state: 'attached', timeout: SHORT });
      const badge = page.locator('#switchboard-widget .badge');
      assert.equal(await badge.isVisible(), false, 'no badge while nothing is unread');

      await agentSays(agent, conversationId, 'First, a question.');
      await page.locator('#switchboard-widget[data-unread="1"]').waitFor({ state: 'attached', timeout: LONG });
      const second = await agentSays(agent, conversationId, 'And a second one.');
      await page.locator('#switchboard-widget[data-unread="2"]').waitFor({ state: 'attached', timeout: LONG });
      assert.equal(await badge.innerText(), '2');
      assert.ok(await badge.isVisible());

      // Opening reads them: the badge goes, and the agent hears how far the user read.
      await launcher(page).click();
      await page.locator('#switchboard-widget[data-unread="0"]').waitFor({ state: 'attached', timeout: LONG });
      assert.equal(await badge.isVisible(), false);
      const read = await agent.socket.next(
        (f) => f.type === 'read' && f.conversation_id === conversationId && f.by.kind === 'user'
          && f.seq >= second.message.seq,
        LONG,
      );
      assert.equal(read.seq, second.message.seq);
      // The API works from the page too.
      await page.evaluate(() => window.Switchboard.close());
      await page.locator('#switchboard-widget[data-open=false]').waitFor({ state: 'attached', timeout: SHORT });
      await page.evaluate(() => window.Switchboard.toggle());
      await page.locator('#switchboard-widget[data-open=true]').waitFor({ state: 'attached', timeout: SHORT });
      // Escape in the chat closes it too.
      await frame.getByTestId('widget-input').press('Escape');
      await page.locator('#switchboard-widget[data-open=false]').waitFor({ state: 'attached', timeout: SHORT });
      assertNoConsoleErrors(page);
    });
  });

  test('a stored session the gateway refuses is replaced by a new one', async () => {
    const tenant = await desk.createTenant();
    const page = await desk.newPage();
    await page.goto(site.url({ app_key: tenant.app_key }));
    await openWidget(page);
    const frame = page.frames().find((f) => f.url().includes('/widget/frame'));
    const key = `switchboard.widget.${tenant.app_key}`;
    const stored = JSON.parse(await frame.evaluate((k) => localStorage.getItem(k), key));
    // The token is no longer valid (say the gateway's secret changed).
    await frame.evaluate(([k, value]) => localStorage.setItem(k, value), [key, JSON.stringify({ ...stored, token: 'not-a-token' })]);
    await page.reload();
    const again = await openWidget(page);
    await again.getByTestId('widget-empty').waitFor({ timeout: LONG });
    const renewed = await userToken(page, tenant.app_key);
    assert.notEqual(renewed, 'not-a-token');
    assert.notEqual(renewed, stored.token);
    await userSays(again, 'Hello again');
    assertNoConsoleErrors(page);
  });

  test('with human chat off there is no Talk to a person', async () => {
    const tenant = await desk.createTenant();
    const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    await startBot(desk, ownerToken);
    await desk.apiOk('PATCH', '/v1/settings', { token: ownerToken, body: { human_chat_enabled: false } });
    const page = await desk.newPage();
    await page.goto(site.url({ app_key: tenant.app_key }));
    const frame = await openWidget(page);
    await userSays(frame, 'Can I talk to someone?');
    await messagesWithText(frame, BOT_ANSWER).waitFor({ timeout: LONG });
    assert.equal(await frame.getByTestId('widget-handover').count(), 0);
    assertNoConsoleErrors(page);
  });

  test('an origin not on the list gets no widget and no session', async () => {
    const tenant = await desk.createTenant();
    const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
    await desk.apiOk('PATCH', '/v1/settings', {
      token: ownerToken,
      body: { widget_origins: [site.origin] },
    });

    // The listed origin gets the launcher.
    const allowed = await desk.newPage();
    await allowed.goto(site.url({ app_key: tenant.app_key }));
    await openWidget(allowed);
    assertNoConsoleErrors(allowed);

    // Another origin: one console error, no launcher, and the API refuses it.
    const refused = await desk.newPage();
    const logged = refused.waitForEvent('console', {
      predicate: (m) => m.type() === 'error' && m.text().startsWith('Switchboard widget:'),
      timeout: LONG,
    });
    await refused.goto(otherSite.url({ app_key: tenant.app_key }));
    assert.match((await logged).text(), /allowed origins/);
    await refused.waitForLoadState('load');
    assert.equal(await refused.locator('#switchboard-widget').count(), 0, 'no launcher');
    const attempt = await refused.evaluate(
      async ([url, appKey]) => {
        try {
          const response = await fetch(`${url}/v1/widget/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ app_key: appKey }),
          });
          return `status ${response.status}`;
        } catch (err) {
          return `blocked: ${err.name}`;
        }
      },
      [desk.url, tenant.app_key],
    );
    assert.match(attempt, /^(blocked|status 403)/, `a session from ${otherSite.origin}: ${attempt}`);
    // The same from outside a browser, with that Origin header: 403.
    const direct = await desk.api('POST', '/v1/widget/sessions', {
      body: { app_key: tenant.app_key },
      headers: { origin: otherSite.origin },
    });
    assert.equal(direct.status, 403);
  });

  describe('verified identity', () => {
    let tenant;
    before(async () => {
      tenant = await desk.createTenant();
      const ownerToken = await desk.login(tenant.ownerLogin, tenant.ownerPassword);
      await desk.apiOk('PATCH', '/v1/settings', {
        token: ownerToken,
        body: { widget_identity_required: true },
      });
    });

    test('a signed identity is the same user in another browser', async () => {
      const claims = { sub: uniqueName('customer'), name: 'Dana Scully', email: 'dana@example.test' };
      const laptop = await desk.newPage();
      await laptop.goto(
        site.url({ app_key: tenant.app_key, identity: signIdentity(tenant.identity_secret, { ...claims, exp: inMinutes(5) }) }),
      );
      const first = await openWidget(laptop);
      await userSays(first, 'Hello from my laptop');

      // Another browser (its own storage), identified through the queued JS API.
      const phone = await desk.newPage({ viewport: { width: 390, height: 760 } });
      await phone.goto(
        site.url({ app_key: tenant.app_key, queued: signIdentity(tenant.identity_secret, { ...claims, exp: inMinutes(5) }) }),
      );
      const second = await openWidget(phone);
      await messagesWithText(second, 'Hello from my laptop').waitFor({ timeout: LONG });
      await userSays(second, 'And now from my phone');
      await messagesWithText(first, 'And now from my phone').waitFor({ timeout: LONG });
      // On a small screen the panel fills it.
      const box = await phone.locator('#switchboard-widget iframe').boundingBox();
      assert.equal(Math.round(box.width), 390);
      assertNoConsoleErrors(laptop);
      assertNoConsoleErrors(phone);
    });

    test('Switchboard.identify after the page loaded opens the named user\'s chat', async () => {
      const page = await desk.newPage();
      await page.goto(site.url({ app_key: tenant.app_key }));
      await launcher(page).click({ timeout: LONG });
      const frame = widgetFrame(page);
      // Required and not given yet: refused.
      await frame.getByTestId('widget-error').waitFor({ timeout: LONG });
      const claims = { sub: uniqueName('customer'), name: 'Fox Mulder', exp: inMinutes(5) };
      await page.evaluate((token) => window.Switchboard.identify(token), signIdentity(tenant.identity_secret, claims));
      await frame.locator('[data-testid=widget][data-phase=ready][data-connection=live]').waitFor({ timeout: LONG });
      await userSays(frame, 'I signed in just now');
      // The conversation is that user's: a session for the same identity finds it.
      const again = await desk.widgetToken(tenant.app_key, {
        identity: signIdentity(tenant.identity_secret, { ...claims, exp: inMinutes(5) }),
      });
      const { conversation } = await desk.apiOk('GET', '/v1/widget/conversation', { token: again });
      assert.equal(conversation?.user.name, 'Fox Mulder');
      assertNoConsoleErrors(page, { ignore: [/Switchboard widget: unauthorized/, /status of 401/] });
    });

    for (const [name, identity] of [
      ['expired', () => signIdentity(tenant.identity_secret, { sub: 'late', exp: inMinutes(-10) })],
      ['signed with another key', () => signIdentity('not the secret', { sub: 'mallory', exp: inMinutes(5) })],
      ['missing', () => null],
    ]) {
      test(`an identity that is ${name} is refused with an explanation`, async () => {
        const page = await desk.newPage();
        const token = identity();
        const logged = page.waitForEvent('console', {
          predicate: (m) => m.type() === 'error' && m.text().startsWith('Switchboard widget: unauthorized'),
          timeout: LONG,
        });
        await page.goto(site.url({ app_key: tenant.app_key, ...(token ? { identity: token } : {}) }));
        await launcher(page).click({ timeout: LONG });
        const frame = widgetFrame(page);
        const error = frame.getByTestId('widget-error');
        await error.waitFor({ timeout: LONG });
        assert.match(await error.innerText(), /We could not verify who you are/);
        await logged;
        assert.equal(await frame.getByTestId('widget-input').count(), 0, 'no chat');
        // The only console errors: the refused session request and the loader's report.
        assertNoConsoleErrors(page, { ignore: [/Switchboard widget: unauthorized/, /status of 401/] });
      });
    }
  });
});
