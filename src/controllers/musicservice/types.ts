/** The MusicService types, from the API schema (src/apis/musicservice.ts) — the one source of truth. */
import type { MusicServiceSpec } from '../../apis/musicservice.ts';

export type { MusicService, MusicServiceSpec, MusicServiceStatus } from '../../apis/musicservice.ts';
export type AutoscalingSpec = NonNullable<MusicServiceSpec['autoscaling']>;
export type StorageSpec = MusicServiceSpec['storage'];
