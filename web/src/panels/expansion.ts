// The Uitbreiding (expansion) task: ranked sites on business parks for a
// company's request. For now a "komt binnenkort" panel; a later issue fills it.

import { renderComingSoon } from './coming-soon';

const ICON = '<svg viewBox="0 0 24 24" width="28" height="28"><rect x="3" y="9" width="8" height="12" rx="1" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M11 21V5a1 1 0 0 1 1-1h8a1 1 0 0 1 1 1v16" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M15 8h2M15 12h2M15 16h2M6 13h2M6 17h2" stroke="currentColor" stroke-width="1.6"/></svg>';

export function renderExpansionPanel(container: HTMLElement): void {
  renderComingSoon(container, (dictionary) => dictionary.comingSoon.expansion, ICON);
}
