/** Starting the web view: inside the operator (`statecraft run --ui-bind-address`) or standalone (`statecraft ui`). */
import type { KubeClient, Logger, Manager } from '../../runtime/index.ts';
import { parseBindAddress } from '../../runtime/server.ts';
import { attachToCluster, attachToManager, TopologyFeed } from '../feed.ts';
import { serveWebView, type WebView } from './server.ts';

export { serveWebView, type WebView } from './server.ts';

/** Serves the web view from the manager's cache; undefined when `address` is '0'/empty (off). Closes with the manager. */
export async function serveFromManager(
  mgr: Manager,
  address: string | undefined,
  log: Logger,
): Promise<WebView | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const feed = new TopologyFeed();
  const view = await serveWebView(feed, bind);
  log.info({ address: view.address }, 'web view listening (read-only)');
  attachToManager(feed, mgr).catch((err) => log.error({ err }, 'web view could not read the cache'));
  mgr.signal.addEventListener('abort', () => void view.close(), { once: true });
  return view;
}

/** Serves the web view with informers of its own over `client` until `signal` aborts. */
export async function serveStandalone(
  client: KubeClient,
  address: string,
  options: { namespaces?: string[]; log: Logger; signal: AbortSignal },
): Promise<WebView> {
  const bind = parseBindAddress(address);
  if (!bind) throw new Error(`bind address '${address}': the web view needs an address`);
  const feed = new TopologyFeed();
  const view = await serveWebView(feed, bind);
  await attachToCluster(feed, client, options);
  options.signal.addEventListener('abort', () => void view.close(), { once: true });
  return view;
}
