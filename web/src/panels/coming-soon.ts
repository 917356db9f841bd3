// The "komt binnenkort" panel that holds a task's place until its issue lands.

import { bindText, onLang, type Dictionary } from '../i18n';

type TaskText = Dictionary['comingSoon']['vacancy'];

export function renderComingSoon(container: HTMLElement, text: (dictionary: Dictionary) => TaskText, icon: string): void {
  container.replaceChildren();
  container.classList.add('coming-soon');

  const header = document.createElement('div');
  header.className = 'panel-header';
  const badge = document.createElement('span');
  badge.className = 'badge';
  bindText(badge, (dictionary) => dictionary.comingSoon.badge);
  const title = document.createElement('h2');
  title.className = 'panel-title';
  bindText(title, (dictionary) => text(dictionary).title);
  const iconBox = document.createElement('div');
  iconBox.className = 'coming-soon-icon';
  iconBox.setAttribute('aria-hidden', 'true');
  iconBox.innerHTML = icon;
  header.append(iconBox, badge, title);

  const lead = document.createElement('p');
  lead.className = 'coming-soon-lead';
  bindText(lead, (dictionary) => text(dictionary).lead);

  const points = document.createElement('ul');
  points.className = 'coming-soon-points';
  onLang((dictionary) => {
    points.replaceChildren(
      ...text(dictionary).points.map((point) => {
        const item = document.createElement('li');
        item.textContent = point;
        return item;
      }),
    );
  });

  const note = document.createElement('p');
  note.className = 'coming-soon-note';
  bindText(note, (dictionary) => dictionary.comingSoon.note);

  container.append(header, lead, points, note);
}
