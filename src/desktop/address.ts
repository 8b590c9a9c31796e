/** D-Bus server addresses (`unix:path=…;unix:abstract=…`), as far as sandboxing cares about them. */

/** unix:path=/run/user/1000/bus,guid=… → /run/user/1000/bus; abstract and tcp addresses have no path. */
export function dbusSocketPaths(address: string | undefined): { paths: string[]; abstract: boolean } {
  const paths: string[] = [];
  let abstract = false;
  for (const part of (address ?? '').split(';')) {
    const m = /^unix:(.*)$/.exec(part.trim());
    if (m?.[1] === undefined) continue;
    for (const kv of m[1].split(',')) {
      const [k, v] = kv.split('=', 2) as [string, string | undefined];
      if (k === 'path' && v !== undefined) paths.push(decodeURIComponent(v));
      if (k === 'abstract') abstract = true;
    }
  }
  return { paths, abstract };
}
