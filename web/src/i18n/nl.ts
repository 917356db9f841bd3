// The Dutch interface text: the default language of the atlas.
//
// Every string a person reads lives here or in `en.ts` beside it (which must
// have the same shape: the type `Dictionary` is taken from this file). Layer
// and field titles are not here: they come from the server (`/api/layers` and
// the style's metadata), so a new layer needs no change in the front end.
// Value labels (`values`) translate the closed vocabularies of DOMAIN.md; a
// code without a label is shown readable ("water_bound" → "water bound").

export const nl = {
  lang: 'nl',
  locale: 'nl-BE',
  app: {
    name: 'Genk Atlas',
    tagline: 'Stad Genk · handel, leegstand en bedrijventerreinen',
    documentTitle: 'Genk Atlas: kaart van handel, leegstand en bedrijventerreinen',
    skipToMap: 'Naar de kaart',
  },
  tasks: {
    label: 'Taken',
    map: 'Kaart',
    vacancy: 'Leegstand',
    expansion: 'Uitbreiding',
    coverage: 'Buurtaanbod',
  },
  language: {
    label: 'Taal',
    nl: 'Nederlands',
    en: 'English',
  },
  layers: {
    heading: 'Lagen',
    intro: 'Kies welke lagen de kaart toont. Klik op een object op de kaart voor de details.',
    features: (count: string) => `${count} objecten`,
    zoomIn: (zoom: string) => `Zichtbaar vanaf zoomniveau ${zoom}`,
    noStyle: 'Geen kaartstijl voor deze laag',
    loading: 'Lagen laden…',
    legend: 'Legenda',
  },
  search: {
    label: 'Zoek een straat, winkelgebied, bedrijventerrein of wijk',
    placeholder: 'Zoek straat, winkelgebied, terrein, wijk…',
    loading: 'Namen laden…',
    noResults: 'Geen resultaten',
    results: (count: number) => (count === 1 ? '1 resultaat' : `${count} resultaten`),
    kinds: {
      streets: 'Straat',
      shopping_areas: 'Winkelgebied',
      business_parks: 'Bedrijventerrein',
      neighbourhoods: 'Wijk',
    } as Record<string, string>,
  },
  popup: {
    close: 'Sluiten',
    loading: 'Details laden…',
    empty: '—',
    yes: 'Ja',
    no: 'Nee',
    aggregate: (count: number, formatted: string) => (count === 1 ? '1 object' : `Groep van ${formatted} objecten`),
    aggregateTotal: 'Totaal',
    zoomForDetails: 'Zoom in voor details',
    more: (count: number) => (count === 1 ? '+ 1 ander object op deze plek' : `+ ${count} andere objecten op deze plek`),
  },
  map: {
    label: 'Kaart van Genk',
    loading: 'Kaart laden…',
    error: 'De kaart kon niet geladen worden. Draait de atlas-server?',
    retry: 'Opnieuw proberen',
    zoomIn: 'Inzoomen',
    zoomOut: 'Uitzoomen',
    resetBearing: 'Noorden boven',
    attribution: 'Bronvermelding',
  },
  comingSoon: {
    badge: 'Komt binnenkort',
    note: 'Deze taak wordt in een volgende versie van de atlas toegevoegd. De kaart en de lagen blijven intussen beschikbaar.',
    vacancy: {
      title: 'Leegstand',
      lead: 'Volg de leegstand van handelspanden per winkelgebied, straat en wijk.',
      points: [
        'Leegstandspercentage op aantal panden en op winkelvloeroppervlakte, op elke datum',
        'Duurklassen: frictie (< 1 jaar), langdurig (1–3 jaar) en structureel (≥ 3 jaar)',
        'Kandidaten voor het leegstandsregister (12 maanden of langer leeg)',
        'Heatmap van het leegstandspercentage en de verandering tussen twee datums',
      ],
    },
    expansion: {
      title: 'Uitbreiding',
      lead: 'Zoek een vestigingsplaats op een Genks bedrijventerrein voor een bedrijf dat wil uitbreiden.',
      points: [
        'Oppervlakte, beschikbaarheid, bestemming en ontsluiting als harde voorwaarden',
        'Gerangschikte percelen met een score en de reden voor elk deel ervan',
        'Samenvoegen van aangrenzende percelen tot één site',
      ],
    },
    coverage: {
      title: 'Buurtaanbod',
      lead: 'Heeft elke wijk winkels voor de dagelijkse aankopen op wandelafstand?',
      points: [
        'Aandeel inwoners binnen 400, 800 of 1.200 m wandelen van een bakker, slager, supermarkt of apotheek',
        'Per wijk: mediane afstand en 90e percentiel tot de dichtstbijzijnde winkel',
        'Wat-als: winkels toevoegen of weghalen en het verschil zien',
      ],
    },
  },
  values: {
    zoning: {
      industrial: 'Industrie', sme: 'Ambachtelijk / KMO', services: 'Dienstverlening', research: 'Wetenschapspark',
      care: 'Zorg', retail: 'Detailhandel', residential: 'Wonen', mixed: 'Gemengd', other: 'Overig',
    },
    owner_kind: { public: 'Publiek', development_agency: 'Ontwikkelingsmaatschappij', private: 'Privé' },
    availability: {
      not_offered: 'Niet aangeboden', for_sale: 'Te koop', for_lease: 'Te huur', under_option: 'In optie', reserved: 'Gereserveerd',
    },
    category: {
      daily: 'Dagelijkse goederen', periodic: 'Periodieke goederen', exceptional: 'Uitzonderlijke goederen',
      leisure: 'Vrije tijd', horeca: 'Horeca', services: 'Diensten', other: 'Overig',
    },
    status: { occupied: 'In gebruik', vacant: 'Leeg', renovation: 'In renovatie', non_commercial: 'Niet-commercieel' },
    kind: {
      industrial: 'Industrie', sme: 'KMO-zone', logistics: 'Logistiek', water_bound: 'Watergebonden',
      science_park: 'Wetenschapspark', care_campus: 'Zorgcampus', mixed: 'Gemengd',
      supermarket: 'Supermarkt', bakery: 'Bakker', butcher: 'Slager', grocery: 'Kruidenier', pharmacy: 'Apotheek',
      main_shopping_area: 'Kernwinkelgebied', district_shopping_street: 'Winkelstraat in deelgemeente',
      local_centre: 'Lokaal centrum', large_scale_concentration: 'Grootschalige concentratie',
      motorway_exit: 'Op- en afrit autosnelweg', railway_station: 'Station', quay: 'Kaai',
    },
    class: {
      motorway: 'Autosnelweg', motorway_link: 'Op- of afrit', primary: 'Hoofdweg', secondary: 'Secundaire weg',
      residential: 'Woonstraat', pedestrian: 'Voetgangerszone', footway: 'Voetpad',
    },
  } as Record<string, Record<string, string>>,
};

export type Dictionary = typeof nl;
