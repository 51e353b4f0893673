import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MusicService } from './types.ts';

/** The seed's sample as a stored object would look (namespace and uid set by the API server). */
export function sampleMusicService(): MusicService {
  const url = new URL('../../../samples/musicservice-miku-stream.yaml', import.meta.url);
  const ms = parse(readFileSync(url, 'utf8')) as MusicService;
  ms.metadata = { ...ms.metadata, labels: undefined, namespace: 'music', uid: 'uid-1', generation: 1 };
  return ms;
}
