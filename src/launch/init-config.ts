/** What the parent hands the in-sandbox init stage, through an inherited memfd. */
import type { InitStep } from '../plan/types.ts';

export interface InitConfig {
  readonly steps: readonly InitStep[];
  readonly keepCaps: readonly number[];
  readonly lastCap: number;
  /** seccomp programs (struct sock_filter arrays), base64, loaded last, in order. */
  readonly seccomp: readonly string[];
  /** The fd the init stage was exec'd from; closed before the program starts. */
  readonly exeFd: number;
}

export const INIT_FLAG = '--kiln-init';

export function encodeInitConfig(c: InitConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(c));
}

export function decodeInitConfig(bytes: Uint8Array): InitConfig {
  const v = JSON.parse(new TextDecoder().decode(bytes)) as InitConfig;
  if (!Array.isArray(v.steps) || !Array.isArray(v.keepCaps) || typeof v.exeFd !== 'number') {
    throw new TypeError('malformed init configuration');
  }
  return v;
}
