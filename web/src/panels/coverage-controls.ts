// The question of the Buurtaanbod panel: which kind of shop, how far to walk,
// on which date. Kind and distance are segmented radio groups (a fieldset
// with a legend, so each choice is a named radio button); the date is empty
// until the first answer says which day the figures speak about.

import { dateField } from '../date-field';
import { bindText, type Dictionary } from '../i18n';
import { SHOP_KINDS, THRESHOLDS, type CoverageQuery, type ShopKind, type Threshold } from './coverage-api';
import { link } from '../link';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  return created;
}

/** A segmented radio group: a fieldset named by its legend, one radio per value. */
export function radioGroup<T extends string | number>(
  name: string,
  legendText: (dictionary: Dictionary) => string,
  values: T[],
  label: (dictionary: Dictionary, value: T) => string,
  selected: T,
  onChange: (value: T) => void,
): HTMLFieldSetElement {
  const fieldset = element('fieldset', 'segmented');
  const legend = element('legend', 'field-label');
  bindText(legend, legendText);
  fieldset.append(legend);
  const options = element('div', 'segmented-options');
  for (const value of values) {
    const option = element('label', 'segmented-option');
    const input = element('input');
    input.type = 'radio';
    input.name = name;
    input.value = String(value);
    input.checked = value === selected;
    input.addEventListener('change', () => {
      if (input.checked) onChange(value);
    });
    const text = element('span');
    bindText(text, (dictionary) => label(dictionary, value));
    option.append(input, text);
    options.append(option);
  }
  fieldset.append(options);
  return fieldset;
}

export interface CoverageControls {
  element: HTMLFormElement;
  /** Show the day the figures speak about, when none was chosen. */
  showDate(isoDate: string): void;
}

/** The controls; `query` is changed in place and `onChange` called after each change. */
export function renderCoverageControls(query: CoverageQuery, onChange: () => void): CoverageControls {
  const form = element('form', 'coverage-controls');
  form.addEventListener('submit', (event) => event.preventDefault());
  const kinds = radioGroup<ShopKind>('coverage-kind', (d) => d.coverage.kindLabel, SHOP_KINDS, (d, kind) => d.coverage.kinds[kind], query.kind, (kind) => {
    query.kind = kind;
    link('kind', kind);
    onChange();
  });
  const dailyRule = element('p', 'field-hint');
  bindText(dailyRule, (dictionary) => dictionary.coverage.dailyRule);
  const thresholds = radioGroup<string>(
    'coverage-threshold',
    (d) => d.coverage.thresholdLabel,
    THRESHOLDS.map(String),
    (d, value) => d.coverage.thresholds[value],
    String(query.threshold),
    (value) => {
      query.threshold = (value === 'any' ? 'any' : Number(value)) as Threshold;
      link('threshold', value);
      onChange();
    },
  );
  const dateHolder = element('div', 'field');
  const dateLabel = element('label', 'field-label');
  bindText(dateLabel, (dictionary) => dictionary.coverage.dateLabel);
  const dateInput = element('input');
  const date = dateField(dateInput);
  dateInput.name = 'coverage-date';
  dateInput.id = 'coverage-date';
  dateLabel.htmlFor = dateInput.id;
  dateInput.addEventListener('change', () => {
    if (!date.check()) return;
    query.date = date.iso();
    onChange();
  });
  dateHolder.append(dateLabel, dateInput, date.message);
  form.append(kinds, dailyRule, thresholds, dateHolder);
  return {
    element: form,
    showDate(isoDate) {
      if (!query.date) date.set(isoDate.slice(0, 10));
    },
  };
}
