/*! Switchboard chat widget loader. Embed with one tag:
 *   <script src="https://GATEWAY/widget.js" data-app-key="APP_KEY" async></script>
 * Optional: data-identity="JWT" (a user identity signed by your backend).
 * API: Switchboard.identify(token), .open(), .close(), .toggle(). Calls made before this file
 * loaded are queued with: window.Switchboard = window.Switchboard || {q: []};
 *   Switchboard.q.push(['identify', token]);
 * The chat runs in an iframe served by the gateway; the launcher lives in a Shadow DOM so that
 * the page's CSS cannot change it. Plain ES5, no dependencies. */
(function () {
  'use strict';
  var SOURCE = 'switchboard';
  var existing = window.Switchboard;
  if (existing && existing.loaded) return; // the tag twice on a page: one widget

  var script = document.currentScript || document.querySelector('script[data-app-key]');
  if (!script || !script.src) return;
  var appKey = script.getAttribute('data-app-key') || '';
  var origin = new URL(script.src, location.href).origin;
  var identity = script.getAttribute('data-identity') || null;
  var frame = null, host = null, panel = null, launcher = null, badge = null;
  var ready = false, isOpen = false, unread = 0;
  var queue = (existing && existing.q) || [];

  function fail(why) {
    if (window.console) console.error('Switchboard widget: ' + why);
  }

  function post(message) {
    if (!frame || !ready) return;
    message.source = SOURCE;
    frame.contentWindow.postMessage(message, origin);
  }

  function render() {
    if (!host) return;
    panel.className = isOpen ? 'panel open' : 'panel';
    launcher.setAttribute('aria-expanded', isOpen ? 'true' : 'false');
    launcher.setAttribute('aria-label', isOpen ? 'Close the chat' : 'Open the chat');
    launcher.className = isOpen ? 'launcher open' : 'launcher';
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.style.display = unread > 0 && !isOpen ? '' : 'none';
    host.setAttribute('data-unread', String(unread));
    host.setAttribute('data-open', isOpen ? 'true' : 'false');
  }

  function setOpen(open) {
    isOpen = !!open;
    render();
    post({ type: 'visibility', open: isOpen });
    if (isOpen && frame) frame.focus();
  }

  var api = {
    loaded: true,
    identify: function (token) {
      identity = token || null;
      post({ type: 'identify', token: identity });
    },
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!isOpen); }
  };
  window.Switchboard = api;
  // Queued calls: ['method', arg] (or {q: [...]} as documented above).
  for (var i = 0; i < queue.length; i++) {
    var call = queue[i];
    if (call && typeof api[call[0]] === 'function') api[call[0]].apply(api, [].slice.call(call, 1));
  }

  var CSS =
    ':host{all:initial}' +
    '.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;' +
    'background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;' +
    'display:flex;align-items:center;justify-content:center;padding:0}' +
    '.launcher:hover{background:#1d4ed8}.launcher:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}' +
    '.launcher svg{width:28px;height:28px}.launcher .x{display:none}.launcher.open .x{display:block}' +
    '.launcher.open .chat{display:none}' +
    '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;' +
    'border-radius:10px;background:#dc2626;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}' +
    '.panel{position:fixed;right:20px;bottom:88px;width:370px;height:560px;max-height:calc(100vh - 108px);' +
    'border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;' +
    'z-index:2147483000;visibility:hidden;opacity:0;transform:translateY(8px);' +
    'transition:opacity .15s,transform .15s,visibility 0s .15s}' +
    '.panel.open{visibility:visible;opacity:1;transform:none;transition:opacity .15s,transform .15s}' +
    'iframe{border:0;width:100%;height:100%;display:block}' +
    '@media (max-width:480px){.panel{right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}' +
    '.launcher.open{display:none}}';

  var ICONS =
    '<svg class="chat" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    '<svg class="x" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';

  function style(root) {
    // Constructed style sheets also work under a page CSP that forbids inline styles.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      var el = document.createElement('style');
      el.textContent = CSS;
      root.appendChild(el);
    }
  }

  function build() {
    host = document.createElement('div');
    host.id = 'switchboard-widget';
    var root = host.attachShadow({ mode: 'open' });
    style(root);
    panel = document.createElement('div');
    panel.setAttribute('part', 'panel');
    frame = document.createElement('iframe');
    frame.title = 'Chat';
    frame.src = origin + '/widget/frame?app_key=' + encodeURIComponent(appKey);
    panel.appendChild(frame);
    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.innerHTML = ICONS; // constant markup, no page or user data
    badge = document.createElement('span');
    badge.className = 'badge';
    badge.setAttribute('aria-live', 'polite');
    launcher.appendChild(badge);
    launcher.onclick = api.toggle;
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(host);
    render();
  }

  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    var data = event.data;
    if (!data || data.source !== SOURCE) return;
    if (data.type === 'ready') {
      ready = true;
      post({ type: 'init', identity: identity });
      post({ type: 'visibility', open: isOpen });
    } else if (data.type === 'unread') {
      unread = Math.max(0, data.count | 0);
      render();
    } else if (data.type === 'close') {
      setOpen(false);
    } else if (data.type === 'error') {
      fail((data.code || 'error') + ': ' + (data.message || ''));
    }
  });

  function start() {
    var url = origin + '/v1/widget/config?app_key=' + encodeURIComponent(appKey);
    fetch(url, { credentials: 'omit' }).then(function (response) {
      if (response.ok) {
        // After the page's own load: the chat's WASM never delays the customer's page.
        if (document.readyState === 'complete') build();
        else window.addEventListener('load', build);
        return;
      }
      var why = response.status === 404 ? 'unknown app key "' + appKey + '"'
        : response.status === 403 ? 'this site (' + location.origin + ') is not on the allowed origins list'
        : 'the gateway answered ' + response.status;
      fail(why);
    }, function () {
      // The gateway lets even a refused site read its refusal, so this is the network.
      fail(origin + ' cannot be reached');
    });
  }

  if (!appKey) return fail('the script tag has no data-app-key');
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
