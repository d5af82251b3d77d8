// Texts for the decision table editor (data only; lib/i18n.js looks them up,
// over the shell's texts in lib/editor-texts.js). Norwegian bokmål first;
// English when <html lang> starts with "en". Every key can be overridden by
// the server through the JSON in data-i18n on #dmn-editor-app (see
// static/README.md).
//
// DMN_NB translates the dmn-js texts a process owner meets most (table head,
// context menu, column popups); the rest of dmn-js stays English.

var NB = {
  // toolbar
  toolbar_label: 'Verktøy for beslutningstabellen',
  group_views: 'Visninger',
  group_navigation: 'Last ned og navigasjon',
  download: 'Last ned DMN',
  view_drd: 'Oversikt (DRD)',
  view_table: 'Tabell: {name}',
  view_literal: 'Uttrykk: {name}',
  // status line
  status_loading: 'Laster beslutningstabellen…',
  status_load_failed: 'Beslutningstabellen kunne ikke lastes.',
  // notices
  load_error: 'Kunne ikke laste beslutningstabellen: {error}',
  import_warnings: 'Filen ble lest med {count} advarsler. Innhold som ikke kunne leses, går tapt ved lagring:',
  saved_with_problems: 'Lagret. Tabellen har {count} problem(er) som må rettes før prosessen kan publiseres.',
  // problems panel
  problem_element: 'element «{id}»',
  // conflict dialog
  conflict_title: 'Noen andre har lagret beslutningstabellen',
  conflict_text: 'Tabellen er endret av noen andre siden du åpnet den. Endringene dine er ikke lagret. Du kan laste ned endringene dine før du laster inn den nye versjonen.',
  // regions
  editor_label: 'Beslutningstabell',
};

var EN = {
  toolbar_label: 'Decision table tools',
  group_views: 'Views',
  group_navigation: 'Download and navigation',
  download: 'Download DMN',
  view_drd: 'Overview (DRD)',
  view_table: 'Table: {name}',
  view_literal: 'Expression: {name}',
  status_loading: 'Loading the decision table…',
  status_load_failed: 'The decision table could not be loaded.',
  load_error: 'Could not load the decision table: {error}',
  import_warnings: 'The file was read with {count} warnings. Content that could not be read is lost when saving:',
  saved_with_problems: 'Saved. The table has {count} problem(s) to fix before the process can be published.',
  problem_element: 'element “{id}”',
  conflict_title: 'Someone else has saved the decision table',
  conflict_text: 'The table was changed by someone else after you opened it. Your changes are not saved. You can download your changes before loading the new version.',
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

export default { nb: NB, en: EN };
export var DMN_TABLES = { nb: DMN_NB };
