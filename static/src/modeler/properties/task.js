// "Task and form": form, the group that gets the task (picker; the lane is
// the other way to show it), instructions and due days of user tasks, none
// start events and manual tasks.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { getBodyExtension, getSpiffProperty, setBodyExtension, setSpiffProperty } from '../extensions';
import { group, numberField, textArea } from './entries';
import { formEntry } from './forms';
import { groupEntry } from './groups';
import { findLaneName, laneEntry } from './lanes';

function isNoneStartEvent(bo) {
  return is(bo, 'bpmn:StartEvent') && !(bo.get('eventDefinitions') || []).length;
}

function dueEntry(element, injector, t) {
  var bo = getBusinessObject(element);
  return numberField('flytverk-due', t('due_in_days'), function () {
    var value = getSpiffProperty(bo, 'dueInDays');
    return value === undefined ? '' : value;
  }, function (value) {
    var clean = value === undefined || value === null || isNaN(value) ? undefined : String(Math.max(0, Math.round(value)));
    setSpiffProperty(injector, element, 'dueInDays', clean);
  }, {
    description: t('due_hint'),
    min: 0,
    step: 1,
    validate: function (value) {
      if (value === undefined || value === null || value === '') {
        return null;
      }
      return /^\d+$/.test(String(value)) ? null : t('due_invalid');
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
