import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventHandler, Informer } from '../../runtime/index.ts';
import { TopologyFeed } from '../feed.ts';
import { serveWebView } from './server.ts';

/** An informer's two members the feed reads: its store and its event handlers. */
function fakeInformer(objects: () => object[]) {
  const handlers: EventHandler[] = [];
  const inf = {
    gvk: { apiVersion: 'upm.syntropycloud.io/v1alpha1', kind: 'RedisReplication' },
    store: { list: objects },
    addEventHandler: (h: EventHandler) => handlers.push(h),
  } as unknown as Informer;
  const changed = () => {
    for (const h of handlers) h.updated?.({}, {});
  };
  return { inf, changed };
}

test('the web view server: page with CSP, read-only, a snapshot on connect and one per change over SSE', async (t) => {
  let source = 'r-0';
  const cr = () => ({
    metadata: { name: 'cache', namespace: 'ns' },
    status: {
      topology: Object.fromEntries(
        ['r-0', 'r-1'].map((n) => [
          n,
          n === source
            ? { role: 'master', status: 'Healthy', ready: true, host: n, port: 6379 }
            : {
                role: 'slave',
                status: 'Healthy',
                ready: true,
                sourceHost: source,
                sourcePort: 6379,
                masterLinkStatus: 'up',
              },
        ]),
      ),
    },
  });
  const { inf, changed } = fakeInformer(() => [cr()]);
  const feed = new TopologyFeed({ coalesceMs: 10 });
  const view = await serveWebView(feed, { host: '127.0.0.1', port: 0 });
  t.after(() => view.close());
  feed.attach({ crs: [inf], related: {} });
  const base = `http://${view.address}`;

  const page = await fetch(`${base}/`);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /data-node="r-0" data-role="source"/);
  assert.equal((await fetch(`${base}/`, { method: 'DELETE' })).status, 405);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.match(await fetch(`${base}/page.js`).then((r) => r.text()), /EventSource/);

  const abort = new AbortController();
  t.after(() => abort.abort());
  const res = await fetch(`${base}/events`, { signal: abort.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const nextSnapshot = async () => {
    for (;;) {
      const m = /event: snapshot\ndata: (.*)\n\n/.exec(buf);
      if (m) {
        buf = buf.slice((m.index ?? 0) + m[0].length);
        return JSON.parse(m[1]) as { cards: Array<{ key: string; html: string }> };
      }
      const { value, done } = await reader.read();
      assert.ok(!done, 'stream open');
      buf += decoder.decode(value);
    }
  };
  const first = await nextSnapshot();
  assert.equal(first.cards[0].key, 'RedisReplication/ns/cache');
  assert.match(first.cards[0].html, /data-node="r-0" data-role="source"/);
  source = 'r-1';
  changed();
  changed(); // coalesced with the one before
  const second = await nextSnapshot();
  assert.match(second.cards[0].html, /data-node="r-1" data-role="source"/);
  assert.match(second.cards[0].html, /data-from="r-1" data-to="r-0"/);
});
