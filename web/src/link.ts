// What a shared link carries besides the map position (which MapLibre keeps
// in the hash): the open task, the visible layers, the selected feature and
// the panels' choices, as query parameters (`?task=vacancy&date=2026-10-01`;
// Uitbreiding's request as its JSON, `request={"area_min_m2":5000,...}`),
// so a link opens what its sender saw. Written with `replaceState` as things
// change (no history entry per click); read once at start.

/** The parameters a link may carry. */
export type LinkKey = 'task' | 'layers' | 'feature' | 'date' | 'kind' | 'threshold' | 'request';

/** The value of `key` in the address the page was opened with (or has now). */
export function linked(key: LinkKey): string | null {
  return new URLSearchParams(location.search).get(key);
}

/** Put `value` under `key` in the address (null takes it out); the hash stays. */
export function link(key: LinkKey, value: string | null): void {
  const params = new URLSearchParams(location.search);
  if (value === null || value === '') params.delete(key);
  else params.set(key, value);
  const search = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}
