// Texts for the decision table editor. Norwegian bokmål is the default;
// English is used when <html lang> starts with "en". Every key can be
// overridden by the server through the JSON in data-i18n on #dmn-editor-app
// (see static/README.md).
//
// DMN_NB translates the dmn-js texts a process owner meets most (table head,
// context menu, column popups); the rest of dmn-js stays English.

var NB = {
  // toolbar
  toolbar_label: 'Verktøy for beslutningstabellen',
  group_history: 'Angre og gjør om',
  group_views: 'Visninger',
  group_navigation: 'Last ned og navigasjon',
  save: 'Lagre',
  undo: 'Angre',
  redo: 'Gjør om',
  download: 'Last ned DMN',
  back: 'Tilbake til prosessen',
  view_drd: 'Oversikt (DRD)',
  view_table: 'Tabell: {name}',
  view_literal: 'Uttrykk: {name}',
  // status line
  status_loading: 'Laster beslutningstabellen…',
  status_saved: 'Alle endringer er lagret.',
  status_saved_at: 'Lagret {time}.',
  status_dirty: 'Ulagrede endringer.',
  status_saving: 'Lagrer…',
  status_save_failed: 'Ikke lagret.',
  status_load_failed: 'Beslutningstabellen kunne ikke lastes.',
  // notices
  close: 'Lukk',
  load_error: 'Kunne ikke laste beslutningstabellen: {error}',
  import_warnings: 'Filen ble lest med {count} advarsler. Innhold som ikke kunne leses, går tapt ved lagring:',
  save_error: 'Ikke lagret: {error}',
  save_invalid: 'Ikke lagret: {error}',
  saved_with_problems: 'Lagret. Tabellen har {count} problem(er) som må rettes før prosessen kan publiseres.',
  network_error: 'Nettverksfeil – prøv igjen.',
  export_error: 'Kunne ikke lage filen: {error}',
  // problems panel
  problems_title: 'Problemer',
  problem_line: 'linje {line}',
  problem_element: 'element «{id}»',
  // conflict dialog
  conflict_title: 'Noen andre har lagret beslutningstabellen',
  conflict_text: 'Tabellen er endret av noen andre siden du åpnet den. Endringene dine er ikke lagret. Du kan laste ned endringene dine før du laster inn den nye versjonen.',
  conflict_download: 'Last ned mine endringer',
  conflict_reload: 'Last inn på nytt (forkast mine endringer)',
  conflict_cancel: 'Avbryt',
  // regions
  editor_label: 'Beslutningstabell',
};

var EN = {
  toolbar_label: 'Decision table tools',
  group_history: 'Undo and redo',
  group_views: 'Views',
  group_navigation: 'Download and navigation',
  save: 'Save',
  undo: 'Undo',
  redo: 'Redo',
  download: 'Download DMN',
  back: 'Back to the process',
  view_drd: 'Overview (DRD)',
  view_table: 'Table: {name}',
  view_literal: 'Expression: {name}',
  status_loading: 'Loading the decision table…',
  status_saved: 'All changes saved.',
  status_saved_at: 'Saved {time}.',
  status_dirty: 'Unsaved changes.',
  status_saving: 'Saving…',
  status_save_failed: 'Not saved.',
  status_load_failed: 'The decision table could not be loaded.',
  close: 'Close',
  load_error: 'Could not load the decision table: {error}',
  import_warnings: 'The file was read with {count} warnings. Content that could not be read is lost when saving:',
  save_error: 'Not saved: {error}',
  save_invalid: 'Not saved: {error}',
  saved_with_problems: 'Saved. The table has {count} problem(s) to fix before the process can be published.',
  network_error: 'Network error – please try again.',
  export_error: 'Could not create the file: {error}',
  problems_title: 'Problems',
  problem_line: 'line {line}',
  problem_element: 'element “{id}”',
  conflict_title: 'Someone else has saved the decision table',
  conflict_text: 'The table was changed by someone else after you opened it. Your changes are not saved. You can download your changes before loading the new version.',
  conflict_download: 'Download my changes',
  conflict_reload: 'Reload (discard my changes)',
  conflict_cancel: 'Cancel',
  editor_label: 'Decision table',
};

var DMN_NB = {
  'When': 'Når',
  'And': 'Og',
  'Then': 'Så',
  'Annotations': 'Merknader',
  'Annotation': 'Merknad',
  'Hit policy:': 'Treffregel:',
  'Hit policy': 'Treffregel',
  'Decision name: ': 'Navn på beslutningen: ',
  'Decision name': 'Navn på beslutningen',
  'View DRD': 'Vis DRD',
  'Input': 'Inndata',
  'Output': 'Utdata',
  'Add input': 'Legg til inndata',
  'Add output': 'Legg til utdata',
  'Input label': 'Ledetekst for inndata',
  'Input label: ': 'Ledetekst for inndata: ',
  'Input expression': 'Uttrykk for inndata',
  'Input expression: ': 'Uttrykk for inndata: ',
  'Input type': 'Type inndata',
  'Input values': 'Tillatte inndataverdier',
  'Output label': 'Ledetekst for utdata',
  'Output label: ': 'Ledetekst for utdata: ',
  'Output name': 'Navn på utdata',
  'Output name: ': 'Navn på utdata: ',
  'Output type': 'Type utdata',
  'Output values': 'Utdataverdier',
  'Expression': 'Uttrykk',
  'Enter expression': 'Skriv et uttrykk',
  'Expression language': 'Uttrykksspråk',
  'Type': 'Type',
  'Yes': 'Ja',
  'No': 'Nei',
  'Edit': 'Rediger',
  'Add rule': 'Legg til regel',
  'Add rule above': 'Legg til regel over',
  'Add rule below': 'Legg til regel under',
  'Remove rule': 'Fjern regel',
  'Copy rule': 'Kopier regel',
  'Cut rule': 'Klipp ut regel',
  'Paste rule above': 'Lim inn regel over',
  'Paste rule below': 'Lim inn regel under',
  'Move rule': 'Flytt regel',
  'Add input column left': 'Legg til inndatakolonne til venstre',
  'Add input column right': 'Legg til inndatakolonne til høyre',
  'Remove input column': 'Fjern inndatakolonne',
  'Copy input column': 'Kopier inndatakolonne',
  'Cut input column': 'Klipp ut inndatakolonne',
  'Paste input column left': 'Lim inn inndatakolonne til venstre',
  'Paste input column right': 'Lim inn inndatakolonne til høyre',
  'Add output column left': 'Legg til utdatakolonne til venstre',
  'Add output column right': 'Legg til utdatakolonne til høyre',
  'Remove output column': 'Fjern utdatakolonne',
  'Copy output column': 'Kopier utdatakolonne',
  'Cut output column': 'Klipp ut utdatakolonne',
  'Paste output column left': 'Lim inn utdatakolonne til venstre',
  'Paste output column right': 'Lim inn utdatakolonne til høyre',
  'Add cell description': 'Legg til beskrivelse av cellen',
  'Remove cell description': 'Fjern beskrivelsen av cellen',
  'Resize': 'Endre bredde',
};

function format(text, values) {
  if (!values) {
    return String(text);
  }
  return String(text).replace(/\{([^}]+)\}/g, function (match, key) {
    return Object.prototype.hasOwnProperty.call(values, key) && values[key] !== undefined && values[key] !== null
      ? String(values[key])
      : match;
  });
}

export function pageLanguage() {
  var lang = (document.documentElement.getAttribute('lang') || 'nb').toLowerCase();
  return lang.indexOf('en') === 0 ? 'en' : 'nb';
}

/**
 * Build t(key, values) from the defaults for the page language and the
 * server's overrides (data-i18n JSON).
 */
export function createTexts(overrides) {
  var base = pageLanguage() === 'en' ? EN : NB;
  var texts = {};
  Object.keys(NB).forEach(function (key) {
    texts[key] = base[key] !== undefined ? base[key] : NB[key];
  });
  if (overrides && typeof overrides === 'object') {
    Object.keys(overrides).forEach(function (key) {
      if (typeof overrides[key] === 'string') {
        texts[key] = overrides[key];
      }
    });
  }
  function t(key, values) {
    var text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    return format(text, values);
  }
  t.texts = texts;
  return t;
}

/** A dmn-js `translate` module for the page language (English: dmn-js's own texts). */
export function translateModule() {
  var table = pageLanguage() === 'en' ? {} : DMN_NB;
  return {
    translate: ['value', function translate(template, replacements) {
      var text = Object.prototype.hasOwnProperty.call(table, template) ? table[template] : template;
      return format(text, replacements);
    }],
  };
}

export var DEFAULT_TEXTS = { nb: NB, en: EN };
