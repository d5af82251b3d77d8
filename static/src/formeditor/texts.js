// Texts for the form editor (data only; lib/i18n.js looks them up, over the
// shell's texts in lib/editor-texts.js). Norwegian bokmål first; English when
// <html lang> starts with "en". Every key can be overridden by the server
// through the JSON in data-i18n on #form-editor-app (see static/README.md).
//
// The form-js editor's own palette and property texts are in formjs-texts.js;
// this file covers what Flytverk adds around and inside it.

var NB = {
  // toolbar
  toolbar_label: 'Verktøy for skjemaet',
  group_navigation: 'Forhåndsvisning og navigasjon',
  preview: 'Forhåndsvis',
  preview_hint: '(åpnes i ny fane)',
  // status line
  status_loading: 'Laster skjemaet…',
  status_load_failed: 'Skjemaet kunne ikke lastes.',
  // notices
  load_error: 'Kunne ikke laste skjemaet: {error}',
  import_warnings: 'Skjemaet ble lest med {count} advarsler:',
  save_invalid: 'Ikke lagret: skjemaet har {count} feil. Rett dem og lagre på nytt.',
  preview_blocked: 'Nettleseren blokkerte den nye fanen. Skjemaet er lagret; åpne forhåndsvisningen her:',
  // problems panel
  problems_none: 'Ingen problemer funnet ved siste lagring.',
  problem_field: 'felt «{key}»',
  problem_field_missing: 'felt «{key}» (finnes ikke i skjemaet)',
  problem_form: 'hele skjemaet',
  // conflict dialog
  conflict_title: 'Noen andre har lagret skjemaet',
  conflict_text: 'Skjemaet er endret av noen andre (revisjon {revision}) siden du åpnet det. Endringene dine er ikke lagret. Du kan laste ned endringene dine før du laster inn den nye versjonen.',
  // regions
  editor_label: 'Skjemaredigering',
  // properties panel: the Flytverk group
  group_flytverk: 'Flytverk',
  field_type: 'Norsk felttype',
  field_type_hint: 'Kontrolleres og formateres av Flytverk.',
  type_none: '(ingen)',
  type_fodselsnummer: 'Fødselsnummer',
  type_organisasjonsnummer: 'Organisasjonsnummer',
  type_postnummer: 'Postnummer',
  type_kontonummer: 'Kontonummer',
  label_en: 'Ledetekst på engelsk',
  description_en: 'Beskrivelse på engelsk',
  text_en: 'Tekst på engelsk',
  prefill: 'Forhåndsutfyll fra profilen',
  prefill_hint: 'Verdien hentes fra innbyggerens profil.',
  prefill_none: '(ikke forhåndsutfylt)',
  prefill_name: 'Navn',
  prefill_national_id: 'Fødselsnummer',
  prefill_address: 'Adresse',
  prefill_postal_code: 'Postnummer',
  prefill_city: 'Poststed',
  prefill_email: 'E-post',
  unknown_value: '{value} (ukjent verdi)',
};

var EN = {
  toolbar_label: 'Form tools',
  group_navigation: 'Preview and navigation',
  preview: 'Preview',
  preview_hint: '(opens in a new tab)',
  status_loading: 'Loading the form…',
  status_load_failed: 'The form could not be loaded.',
  load_error: 'Could not load the form: {error}',
  import_warnings: 'The form was read with {count} warnings:',
  save_invalid: 'Not saved: the form has {count} error(s). Fix them and save again.',
  preview_blocked: 'The browser blocked the new tab. The form is saved; open the preview here:',
  problems_none: 'No problems found when last saved.',
  problem_field: 'field “{key}”',
  problem_field_missing: 'field “{key}” (not in the form)',
  problem_form: 'whole form',
  conflict_title: 'Someone else has saved the form',
  conflict_text: 'The form was changed by someone else (revision {revision}) after you opened it. Your changes are not saved. You can download your changes before loading the new version.',
  editor_label: 'Form editor',
  group_flytverk: 'Flytverk',
  field_type: 'Norwegian field type',
  field_type_hint: 'Checked and formatted by Flytverk.',
  type_none: '(none)',
  type_fodselsnummer: 'National identity number',
  type_organisasjonsnummer: 'Organisation number',
  type_postnummer: 'Postcode',
  type_kontonummer: 'Bank account number',
  label_en: 'Label in English',
  description_en: 'Description in English',
  text_en: 'Text in English',
  prefill: 'Prefill from the profile',
  prefill_hint: 'The value comes from the citizen’s profile.',
  prefill_none: '(not prefilled)',
  prefill_name: 'Name',
  prefill_national_id: 'National identity number',
  prefill_address: 'Address',
  prefill_postal_code: 'Postcode',
  prefill_city: 'City',
  prefill_email: 'Email',
  unknown_value: '{value} (unknown value)',
};

export default { nb: NB, en: EN };
