// The layer list within reach in every task: on the Kaart task it is the
// sidebar; in the other tasks (whose panel takes the sidebar) a "Lagen"
// button on the map opens the same list over the map, and the list goes back
// to the sidebar when Kaart is chosen again. Escape or the close button
// closes it, and the focus returns to the button.

import type { Map as MapLibreMap } from 'maplibre-gl';
import { bindText } from '../i18n';
import type { Task } from './topbar';

export interface LayersFloat {
  /** The task shown now: the button shows in all but Kaart. */
  follow(task: Task): void;
}

export function renderLayersFloat(map: MapLibreMap, layerPanel: HTMLElement): LayersFloat {
  const home = layerPanel.parentElement!;
  const area = map.getContainer().parentElement!;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'layers-float-open';
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'layers-float');
  button.hidden = true;
  bindText(button, (dictionary) => dictionary.layers.heading);
  const box = document.createElement('section');
  box.className = 'layers-float';
  box.id = 'layers-float';
  box.hidden = true;
  bindText(box, (dictionary) => dictionary.layers.heading, 'aria-label');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'layers-float-close';
  close.textContent = '×';
  bindText(close, (dictionary) => dictionary.popup.close, 'aria-label');
  box.append(close);
  area.append(button, box);

  const show = (open: boolean) => {
    box.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) {
      box.append(layerPanel);
      close.focus();
    } else if (layerPanel.parentElement === box) {
      home.append(layerPanel);
    }
  };
  button.addEventListener('click', () => show(box.hidden !== false));
  close.addEventListener('click', () => {
    show(false);
    button.focus();
  });
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      show(false);
      button.focus();
    }
  });
  return {
    follow(task) {
      button.hidden = task === 'map';
      if (task === 'map') show(false);
    },
  };
}
