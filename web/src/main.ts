// The Genk Atlas front end: wires the top bar, the sidebar panels and the map.
//
// Order of start-up: the page shell renders at once (Dutch unless chosen
// otherwise); the map loads the server's style; then the layer panel is built
// from the style and `/api/layers`, the popup is installed and the search
// names load in the background. `document.body.dataset.state` reads
// `loading`, `ready` or `error`, and `window.__atlasMap` is the MapLibre map
// (both for the browser tests).

import './style.css';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchLayers, type LayerInfo } from './api';
import { creditedSources } from './attribution';
import { buildCatalogue, type AtlasLayer } from './catalogue';
import { bindText } from './i18n';
import { createMap } from './map';
import { renderCoveragePanel } from './panels/coverage';
import { renderExpansionPanel } from './panels/expansion';
import { renderLayerPanel } from './panels/layers';
import { renderLayersFloat } from './panels/layers-float';
import { followSession, loadSession, renderLogin } from './panels/login';
import { addPopupAction, installPopup } from './panels/popup';
import { renderSearch } from './panels/search';
import { renderLanguageSwitch, renderTasks, type Task } from './panels/topbar';
import { followUnitEdits, unitEditAction } from './panels/unit-edit';
import { renderVacancyPanel } from './panels/vacancy';
import { PrintControl } from './print/print-control';

declare global {
  interface Window {
    __atlasMap?: MapLibreMap;
    __atlasCatalogue?: AtlasLayer[];
  }
}

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

function start(): void {
  document.body.dataset.state = 'loading';
  bindText(element('skip-link'), (dictionary) => dictionary.app.skipToMap);
  bindText(element('brand-tagline'), (dictionary) => dictionary.app.tagline);

  const panels: Record<Task, HTMLElement> = {
    map: element('panel-map'),
    vacancy: element('panel-vacancy'),
    expansion: element('panel-expansion'),
    coverage: element('panel-coverage'),
  };

  const { map, ready, credits } = createMap(element('map'), element('map-status'));
  window.__atlasMap = map;
  const printSheet = document.createElement('div');
  printSheet.className = 'print-sheet';
  document.body.append(printSheet);
  const print = new PrintControl(printSheet);
  map.addControl(print, 'top-right');
  const vacancy = renderVacancyPanel(panels.vacancy, map, ready);
  renderCoveragePanel(panels.coverage, map, ready);
  renderExpansionPanel(panels.expansion, map, ready);

  const layerPanel = element('layer-panel');
  const layersFloat = renderLayersFloat(map, layerPanel);
  renderTasks(element('tasks'), panels, (task) => {
    map.resize();
    vacancy.setActive(task === 'vacancy');
    layersFloat.follow(task);
  });
  const search = renderSearch(element('search'), map);
  const login = document.createElement('div');
  element('language').before(login);
  renderLogin(login);
  void loadSession();
  addPopupAction(unitEditAction);
  renderLanguageSwitch(element('language'));

  const loadingNote = document.createElement('p');
  loadingNote.className = 'panel-intro';
  bindText(loadingNote, (dictionary) => dictionary.layers.loading);
  layerPanel.append(loadingNote);

  const layersInfo: Promise<LayerInfo[]> = fetchLayers().catch((error: unknown) => {
    console.warn('genk atlas: /api/layers', error);
    return [];
  });
  void layersInfo.then((info) => credits.setSources(creditedSources(info)));

  Promise.all([ready, layersInfo])
    .then(([, info]) => {
      const catalogue = buildCatalogue(map, info);
      window.__atlasCatalogue = catalogue;
      print.setCatalogue(catalogue);
      const sync = renderLayerPanel(layerPanel, map, catalogue);
      sync();
      const popup = installPopup(map, catalogue, search.nameOf);
      vacancy.setOpenUnit((unitId) => popup.open('shop_units', unitId));
      followSession(map, catalogue, popup);
      followUnitEdits(map, popup);
      void search.load();
      const done = () => {
        document.body.dataset.state = 'ready';
      };
      if (map.loaded()) done();
      else map.once('idle', done);
    })
    .catch(() => {
      document.body.dataset.state = 'error';
    });
}

start();
