// Texts of the group picker (data only; lib/i18n.js looks them up).
// Norwegian bokmål first; English when <html lang> starts with "en".
export default {
  nb: {
    group: 'Gruppe som får oppgaven',
    group_from_lane: 'Fra svømmebanen: {lane}',
    group_none: 'Ingen valgt',
    group_unknown_option: '{group} (finnes ikke)',
    group_hint: 'Velg blant kommunens grupper. Svømmebaner er en annen måte å vise det samme på: er en gruppe valgt her, gjelder den.',
    group_unknown: 'Gruppen «{group}» finnes ikke: ingen får oppgaven. Velg en gruppe fra listen.',
    group_missing: 'Velg en gruppe, ellers får ingen oppgaven.',
    group_loading: 'Henter gruppene …',
    group_load_error: 'Kunne ikke hente gruppene.',
    lane_no_group: 'Svømmebanen «{lane}» heter ikke som noen gruppe: ingen får oppgavene i den.',
  },
  en: {
    group: 'Group that gets the task',
    group_from_lane: 'From the lane: {lane}',
    group_none: 'None chosen',
    group_unknown_option: '{group} (does not exist)',
    group_hint: 'Choose one of the municipality’s groups. Lanes are another way to show the same: a group chosen here wins.',
    group_unknown: 'The group “{group}” does not exist: nobody gets the task. Choose a group from the list.',
    group_missing: 'Choose a group, or nobody gets the task.',
    group_loading: 'Loading the groups …',
    group_load_error: 'The groups could not be loaded.',
    lane_no_group: 'The lane “{lane}” is named like no group: nobody gets its tasks.',
  },
};
