// The English interface text, the second language; same shape as `nl.ts`.

import type { Dictionary } from './nl';

export const en: Dictionary = {
  lang: 'en',
  locale: 'en-GB',
  app: {
    name: 'Genk Atlas',
    tagline: 'City of Genk · retail, vacancy and business parks',
    documentTitle: 'Genk Atlas: map of retail, vacancy and business parks',
    skipToMap: 'Skip to the map',
  },
  tasks: {
    label: 'Tasks',
    map: 'Map',
    vacancy: 'Vacancy',
    expansion: 'Expansion',
    coverage: 'Local shops',
  },
  language: {
    label: 'Language',
    nl: 'Nederlands',
    en: 'English',
  },
  layers: {
    heading: 'Layers',
    intro: 'Choose which layers the map shows. Click a feature on the map for its details.',
    features: (count: string) => `${count} features`,
    zoomIn: (zoom: string) => `Visible from zoom level ${zoom}`,
    noStyle: 'No map style for this layer',
    loading: 'Loading layers…',
    legend: 'Legend',
  },
  search: {
    label: 'Find a street, shopping area, business park or neighbourhood',
    placeholder: 'Find street, area, park, neighbourhood…',
    loading: 'Loading names…',
    noResults: 'No results',
    results: (count: number) => (count === 1 ? '1 result' : `${count} results`),
    kinds: {
      streets: 'Street',
      shopping_areas: 'Shopping area',
      business_parks: 'Business park',
      neighbourhoods: 'Neighbourhood',
    },
  },
  popup: {
    close: 'Close',
    loading: 'Loading details…',
    empty: '—',
    yes: 'Yes',
    no: 'No',
    aggregate: (count: number, formatted: string) => (count === 1 ? '1 feature' : `Group of ${formatted} features`),
    aggregateTotal: 'Total',
    zoomForDetails: 'Zoom in for details',
    more: (count: number) => (count === 1 ? '+ 1 other feature here' : `+ ${count} other features here`),
  },
  map: {
    label: 'Map of Genk',
    loading: 'Loading map…',
    error: 'The map could not be loaded. Is the atlas server running?',
    retry: 'Try again',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    resetBearing: 'Reset bearing to north',
    attribution: 'Attribution',
  },
  comingSoon: {
    badge: 'Coming soon',
    note: 'This task arrives in a later version of the atlas. The map and its layers stay available meanwhile.',
    vacancy: {
      title: 'Vacancy',
      lead: 'Track vacant shop units per shopping area, street and neighbourhood.',
      points: [
        'Vacancy rate by number of units and by sales floor area, on any date',
        'Duration classes: frictional (< 1 year), long-term (1–3 years) and structural (≥ 3 years)',
        'Candidates for the vacancy register (vacant 12 months or more)',
        'Heatmap of the vacancy rate and its change between two dates',
      ],
    },
    expansion: {
      title: 'Expansion',
      lead: 'Find a site on a Genk business park for a company that needs room to grow.',
      points: [
        'Area, availability, zoning and access as hard constraints',
        'Ranked parcels with a score and the reason for each part of it',
        'Adjacent parcels assembled into one site',
      ],
    },
    coverage: {
      title: 'Local shops',
      lead: 'Does every neighbourhood have daily shops within walking distance?',
      points: [
        'Share of residents within 400, 800 or 1,200 m walk of a bakery, butcher, supermarket or pharmacy',
        'Per neighbourhood: median and 90th percentile distance to the nearest shop',
        'What-if: add or remove shops and see the difference',
      ],
    },
  },
  values: {
    zoning: {
      industrial: 'Industrial', sme: 'Crafts / SME', services: 'Services', research: 'Science park',
      care: 'Care', retail: 'Retail', residential: 'Residential', mixed: 'Mixed', other: 'Other',
    },
    owner_kind: { public: 'Public', development_agency: 'Development agency', private: 'Private' },
    availability: {
      not_offered: 'Not offered', for_sale: 'For sale', for_lease: 'For lease', under_option: 'Under option', reserved: 'Reserved',
    },
    category: {
      daily: 'Daily goods', periodic: 'Periodic goods', exceptional: 'Exceptional goods',
      leisure: 'Leisure', horeca: 'Food and drink', services: 'Services', other: 'Other',
    },
    status: { occupied: 'Occupied', vacant: 'Vacant', renovation: 'Under renovation', non_commercial: 'Non-commercial' },
    kind: {
      industrial: 'Industrial', sme: 'SME zone', logistics: 'Logistics', water_bound: 'Water-bound',
      science_park: 'Science park', care_campus: 'Care campus', mixed: 'Mixed',
      supermarket: 'Supermarket', bakery: 'Bakery', butcher: 'Butcher', grocery: 'Grocery', pharmacy: 'Pharmacy',
      main_shopping_area: 'Main shopping area', district_shopping_street: 'District shopping street',
      local_centre: 'Local centre', large_scale_concentration: 'Large-scale concentration',
      motorway_exit: 'Motorway exit', railway_station: 'Railway station', quay: 'Quay',
    },
    class: {
      motorway: 'Motorway', motorway_link: 'Motorway ramp', primary: 'Primary road', secondary: 'Secondary road',
      residential: 'Residential street', pedestrian: 'Pedestrian zone', footway: 'Footway',
    },
  },
};
