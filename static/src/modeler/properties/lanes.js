// The lane a task is drawn in (read-only here; SpiffWorkflow reads the lane's
// flowNodeRef). Moving the element changes it. Unless a group is chosen for
// the task (groups.js), the lane's name is the group that gets it: a lane
// named like no group of the tenant is flagged.
import { h } from '@bpmn-io/properties-panel/preact';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { useFlytverk } from './entries';
import { groupText, isKnownGroup, useGroups } from './groups';

function collectLanes(laneSets, depth, out) {
  (laneSets || []).forEach(function (laneSet) {
    (laneSet.get('lanes') || []).forEach(function (lane) {
      out.push({ lane: lane, depth: depth });
      var child = lane.get('childLaneSet');
      if (child) {
        collectLanes([child], depth + 1, out);
      }
    });
  });
  return out;
}

/** Name of the innermost lane holding the element (or its sub-process). */
export function findLaneName(element) {
  var current = getBusinessObject(element);
  while (current) {
    var container = current.$parent;
    while (container && !is(container, 'bpmn:Process') && !is(container, 'bpmn:SubProcess')) {
      container = container.$parent;
    }
    if (!container) {
      return null;
    }
    var target = current;
    var matches = collectLanes(container.get('laneSets'), 0, []).filter(function (entry) {
      return (entry.lane.get('flowNodeRef') || []).indexOf(target) !== -1;
    }).sort(function (a, b) {
      return b.depth - a.depth;
    });
    if (matches.length) {
      return matches[0].lane.get('name') || matches[0].lane.get('id');
    }
    current = is(container, 'bpmn:SubProcess') ? container : null;
  }
  return null;
}

function LaneEntry(props) {
  var flytverk = useFlytverk();
  var t = flytverk.t;
  var lane = findLaneName(props.element);
  var loaded = useGroups();
  var unknown = lane && loaded && loaded.groups && !isKnownGroup(lane, loaded.groups);
  return h('div', { class: 'bio-properties-panel-entry fv-readonly-entry', 'data-entry-id': props.id },
    h('p', { class: 'bio-properties-panel-label', id: 'bio-properties-panel-' + props.id + '-label' }, t('lane')),
    h('p', {
      class: 'fv-readonly-value' + (lane ? '' : ' fv-readonly-value--empty'),
      id: 'bio-properties-panel-' + props.id,
    }, lane || t('lane_none')),
    unknown ? h('p', { class: 'fv-inline-warning' }, groupText('lane_no_group', { lane: lane })) : null,
    h('p', { class: 'bio-properties-panel-description' }, t('lane_hint'))
  );
}

/** The entry: #bio-properties-panel-flytverk-lane (read-only). */
export function laneEntry() {
  return { id: 'flytverk-lane', component: LaneEntry };
}
