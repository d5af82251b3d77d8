// The group picker of user and manual tasks: the tenant's groups (fetched
// once from #modeler-app's data-groups-url), stored on the task as the
// spiffworkflow property "candidateGroup". Without a choice the task goes to
// the group its lane is named after; a name that is no group is flagged.
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';
import { SelectEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

import { parseJSON } from '../../lib/dom';
import { createTexts } from '../../lib/i18n';
import TEXTS from '../../texts/modeler.json';
import { getSpiffProperty, setSpiffProperty } from '../extensions';

export var GROUP_PROPERTY = 'candidateGroup';
var CITIZEN_LANES = ['søker', 'innbygger', 'citizen', 'applicant'];

var texts = null;
/** t(key, values) for the picker's texts in the page language. */
export function groupText(key, values) {
  if (!texts) {
    var app = document.getElementById('modeler-app');
    texts = createTexts([TEXTS], parseJSON(app && app.getAttribute('data-i18n'), {}));
  }
  return texts(key, values);
}

var loading = null;
var loaded = null; // {groups: [...]} once fetched, {error: true} if that failed

/** The tenant's groups: a promise of {groups} (fetched once per page). */
export function loadGroups() {
  if (loading) {
    return loading;
  }
  var app = document.getElementById('modeler-app');
  var url = app && app.getAttribute('data-groups-url');
  if (!url || typeof fetch !== 'function') {
    loaded = { groups: null };
    loading = Promise.resolve(loaded);
    return loading;
  }
  loading = fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (res) {
      return res.ok ? res.json() : Promise.reject(new Error('HTTP ' + res.status));
    })
    .then(function (body) {
      loaded = { groups: Array.isArray(body.groups) ? body.groups : [] };
      return loaded;
    }, function () {
      loaded = { groups: null, error: true };
      return loaded;
    });
  return loading;
}

/** Whether `name` reaches people: a known group, or the applicant's lane. */
export function isKnownGroup(name, groups) {
  if (!name || !groups) {
    return true; // nothing to judge by (not loaded): no warning
  }
  var folded = String(name).trim().toLowerCase();
  if (CITIZEN_LANES.indexOf(folded) !== -1) {
    return true;
  }
  return groups.some(function (group) {
    return String(group).toLowerCase() === folded;
  });
}

/** The groups once loaded (re-renders the component when they arrive). */
export function useGroups() {
  var state = useState(loaded);
  useEffect(function () {
    var live = true;
    loadGroups().then(function (result) {
      if (live) {
        state[1](result);
      }
    });
    return function () {
      live = false;
    };
  }, []);
  return state[0];
}

function GroupEntry(props) {
  var element = props.element;
  var injector = useService('injector');
  var result = useGroups();
  var groups = result && result.groups;
  var bo = element.businessObject;
  var chosen = getSpiffProperty(bo, GROUP_PROPERTY) || '';
  var lane = props.laneOf ? props.laneOf(element) : null;

  function getOptions() {
    var options = [{ value: '', label: lane ? groupText('group_from_lane', { lane: lane }) : groupText('group_none') }];
    (groups || []).forEach(function (group) {
      options.push({ value: group, label: group });
    });
    if (chosen && (groups || []).indexOf(chosen) === -1) {
      options.push({ value: chosen, label: groupText('group_unknown_option', { group: chosen }) });
    }
    return options;
  }

  var effective = chosen || lane;
  var message = null;
  if (!result) {
    message = groupText('group_loading');
  } else if (result.error) {
    message = groupText('group_load_error');
  } else if (!effective) {
    message = groupText('group_missing');
  } else if (!isKnownGroup(effective, groups)) {
    message = chosen ? groupText('group_unknown', { group: chosen }) : groupText('lane_no_group', { lane: lane });
  }

  return h('div', { class: 'fv-group-picker' },
    h(SelectEntry, {
      element: element,
      id: props.id,
      label: groupText('group'),
      description: groupText('group_hint'),
      getValue: function () {
        return chosen;
      },
      setValue: function (value) {
        setSpiffProperty(injector, element, GROUP_PROPERTY, value ? value : undefined);
      },
      getOptions: getOptions,
    }),
    message ? h('p', { class: 'fv-inline-warning', role: 'status' }, message) : null
  );
}

/** The entry: #bio-properties-panel-flytverk-group (a select); `laneOf(element)` names its lane. */
export function groupEntry(laneOf) {
  return {
    id: 'flytverk-group',
    component: GroupEntry,
    laneOf: laneOf,
    isEdited: function () {
      return false;
    },
  };
}
