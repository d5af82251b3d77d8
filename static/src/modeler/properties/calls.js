// Business rule tasks (spiffworkflow:calledDecisionId) and call activities
// (calledElement): pick a decision / process of the draft, or type an id.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { execute, getBodyExtension, setBodyExtension, update } from '../extensions';
import { choice, group, labelled } from './entries';

/** A group with one "known id or other" choice for elements of `spec.type`. */
function calledGroup(spec) {
  return function (element, injector, t, options) {
    var bo = getBusinessObject(element);
    if (!is(bo, spec.type)) {
      return null;
    }
    return group(spec.group, t(spec.groupLabel), [
      choice(spec.entry, t(spec.label), t(spec.label + '_other'), function () {
        return spec.get(bo);
      }, function (value) {
        spec.set(injector, element, bo, value);
      }, function () {
        return (options[spec.options] || []).map(function (item) {
          return { value: item.id, label: labelled(item.id, item.name) };
        });
      }),
    ]);
  };
}

export var decisionGroup = calledGroup({
  type: 'bpmn:BusinessRuleTask',
  group: 'flytverk-decision',
  groupLabel: 'group_decision',
  entry: 'flytverk-decision',
  label: 'decision',
  options: 'decisions',
  get: function (bo) {
    return getBodyExtension(bo, 'spiffworkflow:CalledDecisionId');
  },
  set: function (injector, element, bo, value) {
    setBodyExtension(injector, element, 'spiffworkflow:CalledDecisionId', value);
  },
});

export var callGroup = calledGroup({
  type: 'bpmn:CallActivity',
  group: 'flytverk-call',
  groupLabel: 'group_call',
  entry: 'flytverk-called-process',
  label: 'called_process',
  options: 'processes',
  get: function (bo) {
    return bo.get('calledElement') || '';
  },
  set: function (injector, element, bo, value) {
    execute(injector, [update(element, bo, { calledElement: value })]);
  },
});
