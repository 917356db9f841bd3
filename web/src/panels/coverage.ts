// The Buurtaanbod (neighbourhood shop coverage) task: who lives within walking
// distance of daily shops. For now a "komt binnenkort" panel; a later issue
// fills it.

import { renderComingSoon } from './coming-soon';

const ICON = '<svg viewBox="0 0 24 24" width="28" height="28"><circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-dasharray="3 2.2"/><path d="M12 7.5a3 3 0 0 1 3 3c0 2.2-3 5.5-3 5.5s-3-3.3-3-5.5a3 3 0 0 1 3-3z" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>';

export function renderCoveragePanel(container: HTMLElement): void {
  renderComingSoon(container, (dictionary) => dictionary.comingSoon.coverage, ICON);
}
