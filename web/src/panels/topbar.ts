// The top bar: the app name, the four tasks as tabs, and the language switch.
//
// The tabs follow the ARIA tab pattern: arrow keys move between tasks, Home
// and End jump, and each tab controls its panel in the sidebar.

import { bindText, lang, onLang, setLang, type Dictionary, type Lang } from '../i18n';
import { link, linked } from '../link';

export type Task = 'map' | 'vacancy' | 'expansion' | 'coverage';
export const TASKS: Task[] = ['map', 'vacancy', 'expansion', 'coverage'];

export function renderTasks(container: HTMLElement, panels: Record<Task, HTMLElement>, onChange?: (task: Task) => void): (task: Task) => void {
  const list = document.createElement('div');
  list.className = 'tasks';
  list.setAttribute('role', 'tablist');
  bindText(list, (dictionary) => dictionary.tasks.label, 'aria-label');
  const tabs = new Map<Task, HTMLButtonElement>();

  function select(task: Task, focus = false): void {
    for (const [candidate, tab] of tabs) {
      const selected = candidate === task;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panels[candidate].hidden = !selected;
      if (selected && focus) tab.focus();
    }
    document.body.dataset.task = task;
    link('task', task === 'map' ? null : task);
    onChange?.(task);
  }

  for (const task of TASKS) {
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = 'task';
    tab.id = `task-${task}`;
    tab.dataset.task = task;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-controls', panels[task].id);
    panels[task].setAttribute('role', 'tabpanel');
    panels[task].setAttribute('aria-labelledby', tab.id);
    bindText(tab, (dictionary: Dictionary) => dictionary.tasks[task]);
    tab.addEventListener('click', () => select(task));
    tab.addEventListener('keydown', (event) => {
      const at = TASKS.indexOf(task);
      const next =
        event.key === 'ArrowRight' ? TASKS[(at + 1) % TASKS.length]
        : event.key === 'ArrowLeft' ? TASKS[(at - 1 + TASKS.length) % TASKS.length]
        : event.key === 'Home' ? TASKS[0]
        : event.key === 'End' ? TASKS[TASKS.length - 1]
        : null;
      if (next) {
        event.preventDefault();
        select(next, true);
      }
    });
    tabs.set(task, tab);
    list.append(tab);
  }
  container.append(list);
  const opened = linked('task');
  select(TASKS.find((task) => task === opened) ?? 'map');
  return select;
}

export function renderLanguageSwitch(container: HTMLElement): void {
  const group = document.createElement('div');
  group.className = 'language-switch';
  group.setAttribute('role', 'group');
  bindText(group, (dictionary) => dictionary.language.label, 'aria-label');
  const languages: Lang[] = ['nl', 'en'];
  const buttons = languages.map((code) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'language';
    button.lang = code;
    button.dataset.lang = code;
    button.textContent = code.toUpperCase();
    bindText(button, (dictionary) => dictionary.language[code], 'title');
    bindText(button, (dictionary) => dictionary.language[code], 'aria-label');
    button.addEventListener('click', () => setLang(code));
    group.append(button);
    return button;
  });
  onLang(() => {
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.lang === lang()));
  });
  container.append(group);
}
