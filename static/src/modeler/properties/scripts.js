// Scripts: the script of a script task (bpmn:script) and the pre-/post-scripts
// of any activity (spiffworkflow:preScript / postScript), all Python.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { getBodyExtension, setBodyExtension } from '../extensions';
import { blankToUndefined, group, textArea } from './entries';

export function scriptGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:ScriptTask')) {
    return null;
  }
  return group('flytverk-script', t('group_script'), [
    textArea('flytverk-script', t('script'), function () {
      return bo.get('script') || '';
    }, function (value) {
      injector.get('modeling').updateProperties(element, { script: blankToUndefined(value) });
    }, { monospace: true, rows: 10 }),
  ]);
}

function extensionScript(id, label, type, element, injector) {
  var bo = getBusinessObject(element);
  return textArea(id, label, function () {
    return getBodyExtension(bo, type);
  }, function (value) {
    setBodyExtension(injector, element, type, value);
  }, { monospace: true });
}

export function prePostGroup(element, injector, t) {
  if (!is(getBusinessObject(element), 'bpmn:Activity')) {
    return null;
  }
  return group('flytverk-scripts', t('group_scripts'), [
    extensionScript('flytverk-prescript', t('pre_script'), 'spiffworkflow:PreScript', element, injector),
    extensionScript('flytverk-postscript', t('post_script'), 'spiffworkflow:PostScript', element, injector),
  ], { closed: true });
}
