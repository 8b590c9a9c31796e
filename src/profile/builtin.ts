/**
 * The profiles built into the kiln binary (profiles/ in the source tree), so that a machine without
 * Firejail still gets a sensible default. `bun build --compile` embeds text imports.
 */
import defaultProfile from '../../profiles/default.profile' with { type: 'text' };
import serverProfile from '../../profiles/server.profile' with { type: 'text' };
import readonlyInc from '../../profiles/kiln-readonly.inc' with { type: 'text' };
import secretsInc from '../../profiles/kiln-secrets.inc' with { type: 'text' };
import securityInc from '../../profiles/kiln-security.inc' with { type: 'text' };

/** How a built-in file is named in messages: `builtin:default.profile`. */
export const BUILTIN_PREFIX = 'builtin:';

export const BUILTIN_PROFILES: ReadonlyMap<string, string> = new Map([
  ['default.profile', defaultProfile],
  ['server.profile', serverProfile],
  ['kiln-readonly.inc', readonlyInc],
  ['kiln-secrets.inc', secretsInc],
  ['kiln-security.inc', securityInc],
]);
