// The print button on the map: a dialog (title, A4 or A3, landscape or
// portrait), then the view as it is drawn now goes onto the print sheet and
// the browser's print opens; "Save as PDF" there gives the page.

import type { IControl, Map as MapLibreMap } from 'maplibre-gl';
import { layerTitle, swatchClass, type AtlasLayer } from '../catalogue';
import { el } from '../dom';
import { bindText, pickTitle, t } from '../i18n';
import { isLayerVisible } from '../panels/layers';
import { groundMetres, type Orientation, type Paper } from './paper';
import { renderSheet, type LegendItem } from './sheet';
import './print.css';

/** The view drawn now, as a PNG: read in the frame MapLibre has just drawn (no preserved buffer needed). */
function captureMap(map: MapLibreMap): Promise<{ url: string; width: number; height: number }> {
  return new Promise((resolve) => {
    map.once('render', () => {
      const canvas = map.getCanvas();
      resolve({ url: canvas.toDataURL('image/png'), width: canvas.width, height: canvas.height });
    });
    map.triggerRepaint();
  });
}

function whenIdle(map: MapLibreMap): Promise<void> {
  return map.loaded() && !map.isMoving() ? Promise.resolve() : new Promise((resolve) => map.once('idle', () => resolve()));
}

/** The legend of the layers the map shows now, topmost first (as the layer panel reads). */
function legendOf(map: MapLibreMap, catalogue: AtlasLayer[]): LegendItem[] {
  return catalogue
    .filter((layer) => layer.styleLayerIds.length > 0 && isLayerVisible(map, layer) && map.getZoom() >= layer.minzoom)
    .map((layer) => ({
      title: layerTitle(layer),
      swatchClass: swatchClass(layer),
      colour: layer.legend,
      entries: layer.legendEntries.map((entry) => ({ title: pickTitle(entry, entry.value), colour: entry.color })),
    }));
}

function creditsOf(container: HTMLElement): string[] {
  return [...container.querySelectorAll('.atlas-credits [data-source]')].map((link) => link.textContent ?? '').filter(Boolean);
}

/** Where the page size goes: an `@page` rule made for the chosen paper. */
function setPageRule(paper: Paper, orientation: Orientation): void {
  let rule = document.getElementById('print-page-rule');
  if (!rule) {
    rule = el('style');
    rule.id = 'print-page-rule';
    document.head.append(rule);
  }
  rule.textContent = `@page { size: ${paper} ${orientation}; margin: 10mm; }`;
}

function choice<T extends string>(name: string, legend: string, options: [T, string][], checked: T): HTMLFieldSetElement {
  const set = el('fieldset', 'print-choice');
  set.append(el('legend', undefined, legend));
  for (const [value, label] of options) {
    const wrapper = el('label');
    const input = el('input');
    input.type = 'radio';
    input.name = name;
    input.value = value;
    input.checked = value === checked;
    wrapper.append(input, document.createTextNode(` ${label}`));
    set.append(wrapper);
  }
  return set;
}

export class PrintControl implements IControl {
  private map: MapLibreMap | null = null;
  private container: HTMLElement | null = null;
  private catalogue: AtlasLayer[] = [];

  constructor(private readonly sheet: HTMLElement) {}

  /** The layers the legend is made of (once the catalogue is built). */
  setCatalogue(catalogue: AtlasLayer[]): void {
    this.catalogue = catalogue;
  }

  onAdd(map: MapLibreMap): HTMLElement {
    this.map = map;
    const container = el('div', 'maplibregl-ctrl maplibregl-ctrl-group');
    const button = el('button', 'print-button');
    button.type = 'button';
    button.innerHTML =
      '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M7 3h10v5H7zM5 9h14a2 2 0 0 1 2 2v6h-4v4H7v-4H3v-6a2 2 0 0 1 2-2zm4 7v3h6v-3z" fill="currentColor"/></svg>';
    bindText(button, (dictionary) => dictionary.print.button, 'aria-label');
    bindText(button, (dictionary) => dictionary.print.button, 'title');
    button.addEventListener('click', () => this.openDialog());
    container.append(button);
    this.container = container;
    return container;
  }

  onRemove(): void {
    this.container?.remove();
    this.map = null;
  }

  private openDialog(): void {
    const dictionary = t();
    const dialog = el('dialog', 'print-dialog');
    dialog.setAttribute('aria-labelledby', 'print-dialog-heading');
    const form = el('form');
    form.method = 'dialog';
    const heading = el('h2', undefined, dictionary.print.heading);
    heading.id = 'print-dialog-heading';
    const titleLabel = el('label', 'print-field', dictionary.print.title);
    const titleInput = el('input');
    titleInput.name = 'title';
    titleInput.value = dictionary.print.defaultTitle;
    titleLabel.append(titleInput);
    const actions = el('div', 'print-actions');
    const cancel = el('button', 'button button--plain', dictionary.print.cancel);
    cancel.type = 'button';
    cancel.addEventListener('click', () => dialog.close());
    const submit = el('button', 'button', dictionary.print.print);
    submit.type = 'submit';
    actions.append(cancel, submit);
    form.append(
      heading,
      titleLabel,
      choice<Paper>('paper', dictionary.print.paper, [['A4', 'A4'], ['A3', 'A3']], 'A4'),
      choice<Orientation>('orientation', dictionary.print.orientation, [['landscape', dictionary.print.landscape], ['portrait', dictionary.print.portrait]], 'landscape'),
      actions,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      dialog.close();
      void this.print(String(data.get('title') ?? '').trim() || dictionary.print.defaultTitle, data.get('paper') as Paper, data.get('orientation') as Orientation);
    });
    dialog.addEventListener('close', () => dialog.remove());
    dialog.append(form);
    document.body.append(dialog);
    dialog.showModal();
    titleInput.select();
  }

  /** Put the view on the sheet and open the browser's print. */
  async print(title: string, paper: Paper, orientation: Orientation): Promise<void> {
    const map = this.map;
    if (!map) return;
    await whenIdle(map);
    const image = await captureMap(map);
    const { clientWidth: width, clientHeight: height } = map.getContainer();
    const west = map.unproject([0, height / 2]);
    const east = map.unproject([width, height / 2]);
    renderSheet(this.sheet, {
      title,
      paper,
      orientation,
      image,
      groundWidthM: groundMetres([west.lng, west.lat], [east.lng, east.lat]),
      bearingDeg: map.getBearing(),
      legend: legendOf(map, this.catalogue),
      credits: creditsOf(map.getContainer()),
      date: new Date().toISOString().slice(0, 10),
    });
    setPageRule(paper, orientation);
    document.body.classList.add('printing');
    window.addEventListener('afterprint', () => document.body.classList.remove('printing'), { once: true });
    window.print();
  }
}
