// The staff console: one page, plain DOM, no dependencies. Tokens live in this module's memory only (never in
// localStorage or a cookie) and are refreshed a minute before the access token expires. Every element is built
// with textContent, so nothing from the API ever becomes markup.

const session = { access: null, refresh: null, timer: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function say(message) {
  $('status').textContent = message;
}

function tokenClaims(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload));
}

function keep(tokens) {
  session.access = tokens.access;
  session.refresh = tokens.refresh;
  clearTimeout(session.timer);
  const { exp } = tokenClaims(tokens.access);
  const inMs = Math.max(5_000, exp * 1000 - Date.now() - 60_000);
  session.timer = setTimeout(refreshTokens, inMs);
}

async function refreshTokens() {
  const response = await fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh: session.refresh }),
  });
  if (!response.ok) return signOut('Your session ended; sign in again.');
  keep(await response.json());
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${session.access}`, 'content-type': 'application/json', ...options.headers },
  });
  if (response.status === 401) {
    signOut('Your session ended; sign in again.');
    throw new ApiError(401, null);
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function signOut(message) {
  clearTimeout(session.timer);
  stopFeed();
  session.access = session.refresh = null;
  $('nav').hidden = true;
  $('page').hidden = true;
  $('login-page').hidden = false;
  say(message ?? 'Signed out.');
}

async function signIn(event) {
  event.preventDefault();
  $('refusal').hidden = true;
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: $('login-email').value, password: $('login-password').value }),
  });
  const body = await response.json();
  if (!response.ok) return refuse(body.error?.message ?? 'Sign-in failed');
  if (!tokenClaims(body.access).staff) return refuse('This account is not staff: the console is for staff only.');
  keep(body);
  $('login-password').value = '';
  $('login-page').hidden = true;
  $('nav').hidden = false;
  $('page').hidden = false;
  say(`Signed in as ${body.user.email}.`);
  if (!location.hash || location.hash === '#') location.hash = '#overview';
  else show();
}

function refuse(message) {
  $('refusal').textContent = message;
  $('refusal').hidden = false;
}

/** Asks for a reason; resolves with it, or null when cancelled. */
function confirmWithReason({ title, text, action }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  $('confirm-reason').value = '';
  dialog.showModal();
  $('confirm-reason').focus();
  return new Promise((resolve) => {
    const done = (value) => {
      $('confirm-form').removeEventListener('submit', onSubmit);
      $('confirm-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      resolve(value);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const reason = $('confirm-reason').value.trim();
      if (reason.length < 3) return $('confirm-reason').reportValidity();
      done(reason);
    };
    const onCancel = (event) => {
      event.preventDefault();
      done(null);
    };
    $('confirm-form').addEventListener('submit', onSubmit);
    $('confirm-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
  });
}

// ---- pages -------------------------------------------------------------------------------------------------

function table(columns, rows, label) {
  return el(
    'div',
    { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': label },
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          columns.map((c) => el('th', { scope: 'col', text: c.title })),
        ),
      ),
      el(
        'tbody',
        {},
        rows.length === 0
          ? el('tr', {}, el('td', { colspan: columns.length, text: 'Nothing found.' }))
          : rows.map((row) =>
              el(
                'tr',
                {},
                columns.map((c) => el('td', { 'data-label': c.title }, cell(c.value(row)))),
              ),
            ),
      ),
    ),
  );
}

const cell = (value) => (value instanceof Node ? value : document.createTextNode(value ?? '—'));
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

function pager(listing, go) {
  const shown = `${listing.total === 0 ? 0 : listing.offset + 1}–${listing.offset + listing.items.length} of ${listing.total}`;
  return el(
    'div',
    { class: 'pager' },
    el('button', {
      type: 'button',
      disabled: listing.offset === 0,
      onclick: () => go(Math.max(0, listing.offset - listing.limit)),
      text: 'Previous',
    }),
    el('span', { text: shown }),
    el('button', {
      type: 'button',
      disabled: listing.next_offset === null,
      onclick: () => go(listing.next_offset),
      text: 'Next',
    }),
  );
}

/** A search form above a paginated table; `load(params)` returns the listing, `render(listing)` its table. */
function listPage(title, fields, load, render) {
  const page = $('page');
  const results = el('div', { 'aria-live': 'polite' });
  const inputs = fields.map((f) =>
    f.options
      ? el(
          'select',
          { name: f.name },
          f.options.map(([value, text]) => el('option', { value, text })),
        )
      : el('input', { name: f.name, type: f.type ?? 'search', placeholder: f.placeholder ?? '' }),
  );
  const run = async (offset = 0) => {
    const params = new URLSearchParams({ offset: String(offset) });
    inputs.forEach((input) => input.value && params.set(input.name, input.value));
    try {
      const listing = await load(params);
      results.replaceChildren(
        render(listing, () => run(offset)),
        listing.total === undefined ? '' : pager(listing, run),
      );
    } catch (error) {
      say(error.message);
    }
  };
  const form = el(
    'form',
    { class: 'filters', role: 'search', onsubmit: (e) => (e.preventDefault(), run(0)) },
    fields.map((f, i) => el('label', {}, f.label, inputs[i])),
    el('button', { type: 'submit', text: 'Search' }),
  );
  page.replaceChildren(el('h2', { tabindex: -1, text: title }), form, results);
  page.querySelector('h2').focus();
  return run(0);
}

let feed = null;
function stopFeed() {
  feed?.abort();
  feed = null;
}

/**
 * The live feed: server-sent events read through fetch (so the token goes in a header, never the URL). Calls
 * `on(name, data)` for each event (`overview`, `rebuild`) until the page changes or the session ends.
 */
async function followFeed(on) {
  stopFeed();
  const controller = new AbortController();
  feed = controller;
  try {
    const response = await fetch('/api/admin/overview/stream', {
      headers: { authorization: `Bearer ${session.access}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok) throw new ApiError(response.status, await response.json());
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = message.split('\n').find((line) => line.startsWith('event: '));
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (name && data) on(name.slice(7), JSON.parse(data.slice(6)));
      }
    }
  } catch (error) {
    if (error.name !== 'AbortError') say(`Live feed stopped: ${error.message}`);
  }
}

/** Nodes: each bridge node lease (live or lapsed) and the projections the node applies (worker leases). */
function nodesTable(nodes) {
  return table(
    [
      { title: 'Node', value: (n) => n.node_id },
      {
        title: 'Bridge lease',
        value: (n) =>
          n.bridge_lease
            ? `${n.bridge_lease.live ? 'live' : 'lapsed'} until ${when(n.bridge_lease.expires_at)}`
            : 'none (projections only)',
      },
      { title: 'Applies', value: (n) => n.projections.join(', ') || '—' },
    ],
    nodes,
    'Nodes',
  );
}

/** The live overview: numbers, projection lag and nodes, redrawn on every `overview` event of the feed. */
async function overviewPage() {
  const numbers = el('dl', { class: 'numbers', id: 'overview-numbers' });
  const projections = el('div');
  const nodes = el('div', { id: 'overview-nodes' });
  const updated = el('p', { class: 'muted', id: 'overview-updated' });
  $('page').replaceChildren(
    el('h2', { tabindex: -1, text: 'Fleet overview (live)' }),
    numbers,
    updated,
    projections,
    el('h3', { text: 'Nodes' }),
    nodes,
  );
  $('page').querySelector('h2').focus();
  const render = (o) => {
    const entries = [
      ['Homes', o.homes, 'homes'],
      ['Gateways', o.gateways.total, 'gateways'],
      ['Online', o.gateways.online, 'online'],
      ['Offline', o.gateways.offline, 'offline'],
      ['Revoked', o.gateways.revoked, 'revoked'],
      ['Sessions open', o.sessions_open, 'sessions'],
      ['Commands / min', o.commands_per_minute, 'commands'],
      ['Max projection lag (s)', o.max_projection_lag_seconds.toFixed(1), 'lag'],
    ];
    numbers.replaceChildren(
      ...entries.map(([k, v, id]) => el('div', { 'data-metric': id }, el('dt', { text: k }), el('dd', { text: v }))),
    );
    updated.textContent = `Updated ${new Date(o.at).toLocaleTimeString()}`;
    projections.replaceChildren(
      table(
        [
          { title: 'Projection', value: (p) => p.name },
          { title: 'State', value: (p) => p.state },
          { title: 'Lag (events)', value: (p) => String(p.lag_events) },
          { title: 'Applied by', value: (p) => p.applied_by ?? 'nobody now' },
        ],
        o.projections,
        'Projection lag',
      ),
    );
    nodes.replaceChildren(nodesTable(o.nodes));
  };
  await followFeed((name, data) => name === 'overview' && render(data));
}

async function act(path, dialog, after) {
  const reason = await confirmWithReason(dialog);
  if (reason === null) return say('Cancelled.');
  try {
    await api(path, { method: 'POST', body: JSON.stringify({ reason }) });
    say(`${dialog.action}: done.`);
    after();
  } catch (error) {
    say(`${dialog.action} failed: ${error.message}`);
  }
}

function usersPage() {
  return listPage(
    'Users',
    [
      { name: 'q', label: 'E-mail or name', placeholder: 'search' },
      {
        name: 'deactivated',
        label: 'Deactivated',
        options: [
          ['', 'any'],
          ['true', 'yes'],
          ['false', 'no'],
        ],
      },
    ],
    (params) => api(`/api/admin/users?${params}`),
    (listing, reload) =>
      table(
        [
          { title: 'E-mail', value: (u) => u.email },
          { title: 'Name', value: (u) => u.name },
          { title: 'Staff', value: (u) => (u.staff ? 'yes' : 'no') },
          { title: 'Last login', value: (u) => when(u.last_login_at) },
          { title: 'State', value: (u) => (u.deactivated ? `deactivated: ${u.deactivation_reason}` : 'active') },
          {
            title: 'Sign-ins',
            value: (u) =>
              el('button', { type: 'button', text: `Sign-ins of ${u.email}`, onclick: () => showSignIns(u.id) }),
          },
          {
            title: 'Action',
            value: (u) =>
              el('button', {
                type: 'button',
                class: u.deactivated ? '' : 'danger',
                text: u.deactivated ? `Reactivate ${u.email}` : `Deactivate ${u.email}`,
                onclick: () =>
                  act(
                    `/api/admin/users/${u.id}/${u.deactivated ? 'reactivate' : 'deactivate'}`,
                    u.deactivated
                      ? { title: 'Reactivate user', text: `${u.email} may sign in again.`, action: 'Reactivate' }
                      : {
                          title: 'Deactivate user',
                          text: `${u.email} is signed out everywhere and cannot sign in until reactivated.`,
                          action: 'Deactivate',
                        },
                    reload,
                  ),
              }),
          },
        ],
        listing.items,
        'Users',
      ),
  );
}

/** A user's refresh-token families (one per sign-in): when, from where, and whether each still works. */
async function showSignIns(userId) {
  try {
    const user = await api(`/api/admin/users/${userId}`);
    const section = el(
      'section',
      { id: 'user-detail', 'aria-label': `Sign-ins of ${user.email}` },
      el('h3', { tabindex: -1, text: `Sign-ins of ${user.email}` }),
      table(
        [
          { title: 'Started', value: (f) => when(f.created_at) },
          { title: 'Last used', value: (f) => when(f.last_used_at) },
          { title: 'From', value: (f) => f.client_address },
          { title: 'User agent', value: (f) => f.user_agent },
          {
            title: 'Latest from',
            value: (f) => [f.last_client_address, f.last_user_agent].filter(Boolean).join(' — '),
          },
          { title: 'State', value: (f) => (f.revoked ? `revoked (${f.revoked_reason})` : 'active') },
        ],
        user.token_families,
        'Token families',
      ),
    );
    $('user-detail')?.remove();
    $('page').append(section);
    section.querySelector('h3').focus();
  } catch (error) {
    say(error.message);
  }
}

function homesPage() {
  return listPage(
    'Homes',
    [{ name: 'q', label: 'Name or owner e-mail', placeholder: 'search' }],
    (params) => api(`/api/admin/homes?${params}`),
    (listing) =>
      table(
        [
          { title: 'Home', value: (h) => h.name },
          { title: 'Owner', value: (h) => h.owner_email },
          { title: 'Members', value: (h) => String(h.members) },
          { title: 'Gateway', value: (h) => h.active_gateway_id },
          { title: 'Created', value: (h) => when(h.created_at) },
        ],
        listing.items,
        'Homes',
      ),
  );
}

function gatewaysPage() {
  return listPage(
    'Gateways',
    [
      { name: 'q', label: 'Name or id', placeholder: 'search' },
      {
        name: 'status',
        label: 'Status',
        options: [
          ['', 'any'],
          ['online', 'online'],
          ['offline', 'offline'],
          ['pending', 'pending'],
          ['revoked', 'revoked'],
        ],
      },
    ],
    (params) => api(`/api/admin/gateways?${params}`),
    (listing, reload) =>
      table(
        [
          { title: 'Gateway', value: (g) => g.name },
          { title: 'Status', value: (g) => el('span', { class: `badge ${g.status}`, text: g.status }) },
          { title: 'Version', value: (g) => g.version },
          { title: 'Last seen', value: (g) => when(g.last_seen) },
          { title: 'Node', value: (g) => g.node_id },
          {
            title: 'Action',
            value: (g) =>
              g.status === 'revoked'
                ? 'revoked'
                : el('button', {
                    type: 'button',
                    class: 'danger',
                    text: `Revoke ${g.name}`,
                    onclick: () =>
                      act(
                        `/api/admin/gateways/${g.id}/revoke`,
                        {
                          title: 'Revoke gateway',
                          text: `${g.name} (${g.id}) can never connect again; its live session is closed now.`,
                          action: 'Revoke',
                        },
                        reload,
                      ),
                  }),
          },
        ],
        listing.items,
        'Gateways',
      ),
  );
}

function sessionsPage() {
  return listPage(
    'Open bridge sessions',
    [{ name: 'node_id', label: 'Node', placeholder: 'any node' }],
    (params) => api(`/api/admin/sessions?${params}`),
    (listing) =>
      table(
        [
          { title: 'Gateway', value: (s) => s.gateway_name ?? s.gateway_id },
          { title: 'Node', value: (s) => s.node_id },
          { title: 'Address', value: (s) => s.remote_address },
          { title: 'Open for', value: (s) => `${s.duration_s} s` },
          { title: 'Frames in/out', value: (s) => `${s.frames_in}/${s.frames_out}` },
        ],
        listing.items,
        'Open sessions',
      ),
  );
}

function auditPage() {
  const describe = (item) => {
    const reason = item.data?.reason;
    return reason ? `reason: ${reason}` : '';
  };
  return listPage(
    'Audit log (newest first)',
    [
      { name: 'type', label: 'Event types (comma-separated)', type: 'text', placeholder: 'e.g. GatewayRevoked' },
      { name: 'home_id', label: 'Home id', type: 'text' },
      { name: 'user_id', label: 'User id', type: 'text' },
      { name: 'gateway_id', label: 'Gateway id', type: 'text' },
    ],
    async (params) => {
      params.delete('offset');
      const body = await api(`/api/admin/audit?${params}`);
      return { ...body, params };
    },
    (page) =>
      el(
        'div',
        {},
        table(
          [
            { title: 'When', value: (a) => when(a.occurred_at ?? a.recorded_at) },
            { title: 'Event', value: (a) => a.type },
            { title: 'Actor', value: (a) => (a.actor ? `${a.actor.kind}${a.actor.id ? ` ${a.actor.id}` : ''}` : '—') },
            { title: 'Home', value: (a) => a.home_id },
            { title: 'Details', value: describe },
          ],
          page.items,
          'Audit events',
        ),
        el('button', { type: 'button', onclick: () => exportAudit(page.params), text: 'Export JSON Lines' }),
        page.next_cursor ? el('p', { class: 'muted', text: 'More events are older: narrow the filters.' }) : null,
      ),
  );
}

async function exportAudit(params) {
  const exportParams = new URLSearchParams();
  for (const key of ['home_id', 'user_id', 'gateway_id']) if (params.get(key)) exportParams.set(key, params.get(key));
  try {
    const text = await api(`/api/admin/audit/export?${exportParams}`);
    const link = el('a', {
      href: URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' })),
      download: 'audit-export.jsonl',
    });
    link.click();
    URL.revokeObjectURL(link.href);
    say('Export downloaded: check it with `smarthome-cloud audit verify --file audit-export.jsonl`.');
  } catch (error) {
    say(`Export failed: ${error.message}`);
  }
}

/** A rebuild's progress: a bar (done of total events) and its state in words, both updated from the feed. */
function rebuildProgress(p) {
  const bar = el('progress', { 'data-rebuild-bar': p.name, 'aria-label': `Rebuild of ${p.name}` });
  const words = el('span', { 'data-rebuild-state': p.name });
  const box = el('div', { class: 'rebuild' }, bar, words);
  showProgress(bar, words, p.rebuild);
  return box;
}

function showProgress(bar, words, rebuild) {
  if (!rebuild) {
    bar.hidden = true;
    words.textContent = 'never rebuilt here';
    return;
  }
  bar.hidden = false;
  const finished = rebuild.state === 'completed';
  const total = rebuild.total ?? Math.max(rebuild.done, 1);
  bar.max = Math.max(total, 1);
  bar.value = finished ? bar.max : Math.min(rebuild.done, bar.max);
  const counts = `${rebuild.done} of ${rebuild.total ?? '?'} events`;
  words.textContent = rebuild.error ? `${rebuild.state}: ${rebuild.error}` : `${rebuild.state} (${counts})`;
}

/** What a rebuild event of the feed changes in the rebuild it belongs to. */
function foldRebuildEvent(rebuild, event) {
  const next = { ...(rebuild ?? { done: 0, total: null, error: null }) };
  next.id = event.data.rebuild_id;
  if (rebuild?.id !== event.data.rebuild_id) Object.assign(next, { done: 0, total: null, error: null });
  if (event.type === 'ProjectionRebuildStarted') next.state = 'running';
  if (event.type === 'ProjectionRebuildProgressed')
    Object.assign(next, { state: 'running', done: event.data.done, total: event.data.total });
  if (event.type === 'ProjectionRebuildCompleted') {
    const done = event.data.applied + event.data.rejected;
    Object.assign(next, { state: 'completed', done, total: done });
  }
  if (event.type === 'ProjectionRebuildFailed') Object.assign(next, { state: 'failed', error: event.data.error });
  return next;
}

/** Projections: state, lag, who applies each, and rebuilds with live progress (the feed's `rebuild` events). */
async function projectionsPage() {
  const rebuilds = new Map();
  await listPage(
    'Projections',
    [],
    // Every projection on one page: no pager (the list is short and not paginated).
    async () => ({ items: (await api('/api/admin/projections')).items }),
    (listing) => {
      for (const p of listing.items) rebuilds.set(p.name, p.rebuild);
      return table(
        [
          { title: 'Projection', value: (p) => p.name },
          { title: 'Version', value: (p) => String(p.version) },
          { title: 'State', value: (p) => p.state },
          { title: 'Lag (events)', value: (p) => `${p.lag_capped ? '≥' : ''}${p.lag_events}` },
          { title: 'Lag (s)', value: (p) => p.lag_seconds.toFixed(1) },
          { title: 'Rejected', value: (p) => String(p.rejected_events) },
          { title: 'Applied by', value: (p) => p.applied_by ?? 'nobody now' },
          { title: 'Rebuild', value: rebuildProgress },
          {
            title: 'Action',
            value: (p) =>
              el('button', {
                type: 'button',
                text: `Rebuild ${p.name}`,
                onclick: () =>
                  act(
                    `/api/admin/projections/${p.name}/rebuild`,
                    {
                      title: `Rebuild ${p.name}`,
                      text: 'Replays the whole log into fresh tables, then swaps them in; readers are served meanwhile.',
                      action: 'Rebuild',
                    },
                    () => {},
                  ),
              }),
          },
        ],
        listing.items,
        'Projections',
      );
    },
  );
  await followFeed((name, event) => {
    if (name !== 'rebuild') return;
    const rebuild = foldRebuildEvent(rebuilds.get(event.data.projection), event);
    rebuilds.set(event.data.projection, rebuild);
    const bar = document.querySelector(`[data-rebuild-bar="${event.data.projection}"]`);
    const words = document.querySelector(`[data-rebuild-state="${event.data.projection}"]`);
    if (bar && words) showProgress(bar, words, rebuild);
  });
}

const PAGES = {
  overview: overviewPage,
  users: usersPage,
  homes: homesPage,
  gateways: gatewaysPage,
  sessions: sessionsPage,
  audit: auditPage,
  projections: projectionsPage,
};

function show() {
  if (!session.access) return;
  const name = location.hash.slice(1) || 'overview';
  const render = PAGES[name] ?? PAGES.overview;
  stopFeed();
  for (const link of document.querySelectorAll('#nav a'))
    link.toggleAttribute('aria-current', link.getAttribute('href') === `#${name}`);
  void render();
}

$('login-form').addEventListener('submit', (event) => void signIn(event));
$('logout').addEventListener('click', async () => {
  const refresh = session.refresh;
  signOut();
  if (refresh)
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh }),
    });
});
window.addEventListener('hashchange', show);
