// The map's credits (bronvermelding): one line per data source the atlas's
// layers come from, in the page's language, always visible in the map's
// bottom-right corner.
//
// Which sources there are is the server's call (`sources` per layer in
// `/api/layers`, from `model::provenance`: the wijken on a neighbourhoods
// layer with features, OpenStreetMap where an import left `osm-` ids); the
// text is the dictionary's (`attribution.sources`), or the server's Dutch
// credit for a source the front end does not know yet. Every source of every
// layer with data is credited, shown or not: the panels' figures (coverage
// per wijk, vacancy per neighbourhood) use the layers whether the map draws
// them or not. This replaces MapLibre's own attribution control, which would
// show the TileJSON `attribution` (Dutch only) a second time.

import type { IControl } from 'maplibre-gl';
import type { LayerInfo, SourceInfo } from './api';
import { bindText, onLang, t } from './i18n';

/** The sources of all layers, each once, in the server's order. */
export function creditedSources(layers: LayerInfo[]): SourceInfo[] {
  const byId = new Map<string, SourceInfo>();
  for (const layer of layers) {
    for (const source of layer.sources ?? []) {
      if (!byId.has(source.id)) byId.set(source.id, source);
    }
  }
  return [...byId.values()];
}

export class AttributionControl implements IControl {
  private container: HTMLElement | null = null;
  private list: HTMLElement | null = null;
  private sources: SourceInfo[] = [];
  private unsubscribe: (() => void) | null = null;

  onAdd(): HTMLElement {
    const container = document.createElement('div');
    container.className = 'maplibregl-ctrl maplibregl-ctrl-attrib atlas-credits';
    container.setAttribute('role', 'contentinfo');
    bindText(container, (dictionary) => dictionary.map.attribution, 'aria-label');
    const list = document.createElement('div');
    list.className = 'maplibregl-ctrl-attrib-inner';
    container.append(list);
    this.container = container;
    this.list = list;
    this.unsubscribe = onLang(() => this.render());
    return container;
  }

  onRemove(): void {
    this.unsubscribe?.();
    this.container?.remove();
    this.container = null;
    this.list = null;
  }

  /** Credit these sources (from `creditedSources`). */
  setSources(sources: SourceInfo[]): void {
    this.sources = sources;
    this.render();
  }

  /** Draw the credits in the current language (again after every switch). */
  private render(): void {
    if (!this.container || !this.list) return;
    this.container.hidden = this.sources.length === 0;
    const items = this.sources.map((source) => {
      const link = document.createElement('a');
      link.href = source.url;
      link.target = '_blank';
      link.rel = 'noopener';
      link.dataset.source = source.id;
      link.textContent = t().attribution.sources[source.id] ?? source.credit_nl;
      return link;
    });
    const parts: Node[] = [];
    items.forEach((item, index) => {
      if (index > 0) parts.push(document.createTextNode(' | '));
      parts.push(item);
    });
    this.list.replaceChildren(...parts);
  }
}
