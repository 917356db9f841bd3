// Picking a place on the map: while a pick mode is on, a click on the map
// gives its longitude and latitude to the panel that asked, and the feature
// popup does not open (the click is stopped before MapLibre sees it).
//
// Used by the Buurtaanbod what-if (drop a hypothetical shop) and by the
// Uitbreiding form (a point to search near). A drag still pans the map: only
// a press and release within a few pixels counts as a pick. From the
// keyboard, Enter on the focused map picks the map's centre.

import type { Map as MapLibreMap } from 'maplibre-gl';

const TOLERANCE_PX = 4;

export interface PickMode {
  /** Start picking; `onPick` gets every picked point until `stop`. */
  start(onPick: (lon: number, lat: number, point: { x: number; y: number }) => void): void;
  stop(): void;
  readonly active: boolean;
}

export function pickMode(map: MapLibreMap): PickMode {
  const container = map.getContainer();
  const canvasContainer = map.getCanvasContainer();
  let handler: ((lon: number, lat: number, point: { x: number; y: number }) => void) | null = null;
  let down: { x: number; y: number } | null = null;

  container.addEventListener(
    'mousedown',
    (event) => {
      if (handler) down = { x: event.clientX, y: event.clientY };
    },
    { capture: true },
  );
  container.addEventListener(
    'click',
    (event) => {
      if (!handler || !canvasContainer.contains(event.target as Node)) return;
      // Stop the click before the map sees it: no popup while picking.
      event.stopPropagation();
      if (down && Math.hypot(event.clientX - down.x, event.clientY - down.y) > TOLERANCE_PX) return;
      const box = canvasContainer.getBoundingClientRect();
      const point = { x: event.clientX - box.left, y: event.clientY - box.top };
      const at = map.unproject([point.x, point.y]);
      handler(at.lng, at.lat, point);
    },
    { capture: true },
  );

  // From the keyboard: Enter on the focused map picks its centre.
  container.addEventListener(
    'keydown',
    (event) => {
      if (!handler || event.key !== 'Enter' || !container.contains(event.target as Node)) return;
      if ((event.target as HTMLElement).closest('button, a, input, select, textarea')) return;
      event.preventDefault();
      event.stopPropagation();
      const centre = map.getCenter();
      const point = map.project(centre);
      handler(centre.lng, centre.lat, { x: point.x, y: point.y });
    },
    { capture: true },
  );

  return {
    start(onPick) {
      handler = onPick;
      container.classList.add('is-picking');
    },
    stop() {
      handler = null;
      down = null;
      container.classList.remove('is-picking');
    },
    get active() {
      return handler !== null;
    },
  };
}
