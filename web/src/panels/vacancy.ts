// The Leegstand (vacancy) task: vacancy rates, duration classes and the
// register candidates per shopping area, street and neighbourhood. For now a
// "komt binnenkort" panel; a later issue fills it.

import { renderComingSoon } from './coming-soon';

const ICON = '<svg viewBox="0 0 24 24" width="28" height="28"><path d="M3 10.5 12 4l9 6.5V20a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/><path d="M9 21v-6h6v6" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M8 11h8" stroke="currentColor" stroke-width="1.6" stroke-dasharray="2 2"/></svg>';

export function renderVacancyPanel(container: HTMLElement): void {
  renderComingSoon(container, (dictionary) => dictionary.comingSoon.vacancy, ICON);
}
