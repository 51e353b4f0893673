// The web view's client: one EventSource on /events; each message is a snapshot of rendered, escaped fragments
// (render.ts). Cards are keyed by data-key and replaced only when their revision changed, so the page updates in
// place without a reload. No framework, no inline script (the CSP forbids it).

const main = document.getElementById('crs');
const summary = document.getElementById('summary');
const conn = document.getElementById('conn');
const updated = document.getElementById('updated');
let updates = 0;

function fragment(html) {
  const t = document.createElement('template');
  t.innerHTML = html; // server-rendered with every cluster string escaped
  return t.content.firstElementChild;
}

function apply(snap) {
  summary.innerHTML = snap.summary;
  const existing = new Map();
  for (const el of main.querySelectorAll('section.cr')) existing.set(el.dataset.key, el);
  const cards = snap.cards.map((card) => {
    const el = existing.get(card.key);
    existing.delete(card.key);
    if (el && el.dataset.rev === card.rev) return el;
    const next = fragment(card.html);
    next.dataset.rev = card.rev;
    if (el) el.replaceWith(next);
    return next;
  });
  for (const el of existing.values()) el.remove();
  cards.forEach((el, i) => {
    if (main.children[i] !== el) main.insertBefore(el, main.children[i] ?? null);
  });
  updates += 1;
  document.body.dataset.updates = String(updates);
  updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function connect() {
  const source = new EventSource('events');
  source.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'conn live';
  });
  source.addEventListener('snapshot', (e) => apply(JSON.parse(e.data)));
  source.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'conn down';
  });
}

connect();
