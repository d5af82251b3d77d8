// "Task and form": form, the group that gets the task (picker; the lane is
// the other way to show it), instructions and due days of user tasks, none
// start events and manual tasks.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { getBodyExtension, getSpiffProperty, setBodyExtension, setSpiffProperty } from '../extensions';
import { group, textArea, textField } from './entries';
import { formEntry } from './forms';
import { groupEntry } from './groups';
import { findLaneName, laneEntry } from './lanes';

function isNoneStartEvent(bo) {
  return is(bo, 'bpmn:StartEvent') && !(bo.get('eventDefinitions') || []).length;
}

// Days until the deadline: a whole number, or a parameter of the service (param.<name>)
// that each municipality sets on the Parameters page.
var DUE_PATTERN = /^(\d+|param\.[a-z][a-z0-9_]*)$/;

function dueEntry(element, injector, t) {
  var bo = getBusinessObject(element);
  return textField('flytverk-due', t('due_in_days'), function () {
    var value = getSpiffProperty(bo, 'dueInDays');
    return value === undefined ? '' : String(value);
  }, function (value) {
    var clean = String(value === undefined || value === null ? '' : value).trim();
    setSpiffProperty(injector, element, 'dueInDays', DUE_PATTERN.test(clean) ? clean : undefined);
  }, {
    description: t('due_hint'),
    validate: function (value) {
      var clean = String(value === undefined || value === null ? '' : value).trim();
      if (clean === '') {
        return null;
      }
      return DUE_PATTERN.test(clean) ? null : t('due_invalid');
    },
  });
}

export function taskGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  var entries = [];
  var formCapable = is(bo, 'bpmn:UserTask') || isNoneStartEvent(bo);
  if (formCapable) {
    entries.push(formEntry());
  }
  if (is(bo, 'bpmn:UserTask') || is(bo, 'bpmn:ManualTask')) {
    entries.push(groupEntry(findLaneName));
  }
  if (formCapable || is(bo, 'bpmn:ManualTask')) {
    entries.push(laneEntry());
    entries.push(textArea('flytverk-instructions', t('instructions'), function () {
      return getBodyExtension(bo, 'spiffworkflow:InstructionsForEndUser');
    }, function (value) {
      setBodyExtension(injector, element, 'spiffworkflow:InstructionsForEndUser', value);
    }, { rows: 6 }));
  }
  if (is(bo, 'bpmn:UserTask')) {
    entries.push(dueEntry(element, injector, t));
  }
  return entries.length ? group('flytverk-task', t('group_task'), entries) : null;
}
