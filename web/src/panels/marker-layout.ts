// Keeps numbered markers apart on the screen: in priority order (rank 1
// first), each marker stays on its point unless that is closer than `gap`
// pixels to one already placed; then it moves to the nearest free spot on
// rings of `gap`, 2·`gap`, ... around its point (eight directions, then
// sixteen), and says how far it moved so the caller can draw the shift.

export type ScreenPoint = { x: number; y: number };

/** The offset of each point (same order) so that no two placed points are closer than `gap`. */
export function spreadApart(points: ScreenPoint[], gap: number, maxRings = 4): ScreenPoint[] {
  const placed: ScreenPoint[] = [];
  const free = (x: number, y: number) => placed.every((other) => (other.x - x) ** 2 + (other.y - y) ** 2 >= gap * gap - 1e-6);
  return points.map((point) => {
    let at: ScreenPoint = point;
    if (!free(point.x, point.y)) {
      search: for (let ring = 1; ring <= maxRings; ring += 1) {
        const steps = ring === 1 ? 8 : 16;
        for (let step = 0; step < steps; step += 1) {
          // Up first (the marker stands above its site), then around.
          const angle = -Math.PI / 2 + (2 * Math.PI * step) / steps;
          const x = point.x + ring * gap * Math.cos(angle);
          const y = point.y + ring * gap * Math.sin(angle);
          if (free(x, y)) {
            at = { x, y };
            break search;
          }
        }
      }
    }
    placed.push(at);
    return { x: at.x - point.x, y: at.y - point.y };
  });
}
