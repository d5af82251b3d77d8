// Accessible names and keyboard access for the shapes on the process canvas.
// bpmn-js draws every shape and connection as an SVG group with no name or
// role; this module makes each one a button named "<type>: <label>" in the UI
// language ("Brukeroppgave: Vurder søknaden", "Flyt fra Start til Vurder"),
// and keeps the names current as elements are added, renamed, retyped or
// removed (one refresh per burst of changes; a diagram of a few hundred
// elements costs well under a millisecond of string work).
//
// Keyboard: the canvas is one tab stop (a roving tabindex: the selected or
// last focused element), arrow keys move between elements in document order,
// Home/End go to the first/last, Enter or Space selects like a click (the
// context pad opens). Shift+arrows still move the selection, Ctrl+arrows
// still scroll the canvas, everything else goes to bpmn-js as before.
//
// A click on an external label (events, gateways, flows) selects the element
// it belongs to, so the context pad opens from a label click too; external
// labels are hidden from assistive technology (their text is in the name).
import { getLabel } from 'bpmn-js/lib/util/LabelUtil';
import { is } from 'bpmn-js/lib/util/ModelUtil';

// First match wins, so subtypes come before their base types.
var TYPES = [
  ['bpmn:UserTask', 'shape_user_task'],
  ['bpmn:ScriptTask', 'shape_script_task'],
  ['bpmn:ServiceTask', 'shape_service_task'],
  ['bpmn:BusinessRuleTask', 'shape_business_rule_task'],
  ['bpmn:ManualTask', 'shape_manual_task'],
  ['bpmn:SendTask', 'shape_send_task'],
  ['bpmn:ReceiveTask', 'shape_receive_task'],
  ['bpmn:Task', 'shape_task'],
  ['bpmn:CallActivity', 'shape_call_activity'],
  ['bpmn:Transaction', 'shape_transaction'],
  ['bpmn:SubProcess', 'shape_sub_process'],
  ['bpmn:StartEvent', 'shape_start_event'],
  ['bpmn:EndEvent', 'shape_end_event'],
  ['bpmn:BoundaryEvent', 'shape_boundary_event'],
  ['bpmn:IntermediateCatchEvent', 'shape_catch_event'],
  ['bpmn:IntermediateThrowEvent', 'shape_throw_event'],
  ['bpmn:ExclusiveGateway', 'shape_exclusive_gateway'],
  ['bpmn:ParallelGateway', 'shape_parallel_gateway'],
  ['bpmn:InclusiveGateway', 'shape_inclusive_gateway'],
  ['bpmn:EventBasedGateway', 'shape_event_gateway'],
  ['bpmn:ComplexGateway', 'shape_complex_gateway'],
  ['bpmn:SequenceFlow', 'shape_sequence_flow'],
  ['bpmn:MessageFlow', 'shape_message_flow'],
  ['bpmn:Association', 'shape_association'],
  ['bpmn:DataInputAssociation', 'shape_data_association'],
  ['bpmn:DataOutputAssociation', 'shape_data_association'],
  ['bpmn:Participant', 'shape_participant'],
  ['bpmn:Lane', 'shape_lane'],
  ['bpmn:TextAnnotation', 'shape_text_annotation'],
  ['bpmn:Group', 'shape_group'],
  ['bpmn:DataObjectReference', 'shape_data_object'],
  ['bpmn:DataStoreReference', 'shape_data_store'],
];

var DEFINITIONS = {
  'bpmn:TimerEventDefinition': 'shape_def_timer',
  'bpmn:MessageEventDefinition': 'shape_def_message',
  'bpmn:SignalEventDefinition': 'shape_def_signal',
  'bpmn:ErrorEventDefinition': 'shape_def_error',
  'bpmn:EscalationEventDefinition': 'shape_def_escalation',
  'bpmn:ConditionalEventDefinition': 'shape_def_conditional',
  'bpmn:LinkEventDefinition': 'shape_def_link',
  'bpmn:CompensateEventDefinition': 'shape_def_compensation',
  'bpmn:CancelEventDefinition': 'shape_def_cancel',
  'bpmn:TerminateEventDefinition': 'shape_def_terminate',
};

var NAME_ATTR = 'aria-label';

function clean(text) {
  return String(text || '').replace(/\s+/g, ' ').trim();
}

function isLabel(element) {
  return element.type === 'label';
}

/** The element's kind in the UI language: "Brukeroppgave", "Startpunkt med tidtaker". */
export function typeName(element, t) {
  var bo = element.businessObject || {};
  if (is(bo, 'bpmn:SequenceFlow') && bo.sourceRef && bo.sourceRef.default === bo) {
    return t('shape_default_flow');
  }
  if (is(bo, 'bpmn:SubProcess') && bo.triggeredByEvent) {
    return t('shape_event_sub_process');
  }
  var key = 'shape_element';
  for (var i = 0; i < TYPES.length; i++) {
    if (is(bo, TYPES[i][0])) {
      key = TYPES[i][1];
      break;
    }
  }
  var type = t(key);
  var definitions = bo.eventDefinitions || [];
  if (definitions.length) {
    var definition = definitions.length > 1
      ? t('shape_def_multiple')
      : t(DEFINITIONS[definitions[0].$type] || 'shape_def_other');
    type = t('shape_with_definition', { type: type, definition: definition });
  }
  return type;
}

/** How another element's name refers to this one: its label, else its type. */
function shortName(element, t) {
  return (element && clean(getLabel(element))) || (element ? typeName(element, t) : '?');
}

/** The accessible name before duplicates are numbered. */
export function elementName(element, t) {
  var type = typeName(element, t);
  var label = clean(getLabel(element));
  if (label) {
    return t('shape_named', { type: type, name: label });
  }
  if (element.waypoints) {
    return t('flow_between', { type: type, source: shortName(element.source, t), target: shortName(element.target, t) });
  }
  if (element.host) {
    return t('shape_on', { type: type, host: shortName(element.host, t) });
  }
  var incoming = (element.incoming || []).filter(function (flow) {
    return flow.source && !isLabel(flow.source);
  })[0];
  return incoming ? t('shape_after', { type: type, source: shortName(incoming.source, t) }) : type;
}

/** Names for elements in document order; equal names get " (1)", " (2)", … */
export function uniqueNames(elements, t) {
  var names = elements.map(function (element) {
    return elementName(element, t);
  });
  var counts = {};
  names.forEach(function (name) {
    counts[name] = (counts[name] || 0) + 1;
  });
  var seen = {};
  return names.map(function (name) {
    if (counts[name] < 2) {
      return name;
    }
    seen[name] = (seen[name] || 0) + 1;
    return t('shape_number', { name: name, number: seen[name] });
  });
}

function setAttr(node, name, value) {
  if (value === null) {
    if (node.hasAttribute(name)) {
      node.removeAttribute(name);
    }
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

function byDocumentOrder(a, b) {
  return a.gfx.compareDocumentPosition(b.gfx) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
}

function hasModifier(event) {
  return event.ctrlKey || event.metaKey || event.altKey || event.shiftKey;
}

function CanvasNames(eventBus, canvas, elementRegistry, selection, keyboard, t) {
  var svg = null;
  var currentId = null; // the one element with tabindex 0
  var currentIndex = 0; // its place among the focusable ones: a removed one's successor takes over
  var focused = null; // the element group that has (or last had) the focus
  var scheduled = false;

  /** Named elements ({element, gfx}) in document order; labels are hidden instead. */
  function items() {
    var root = canvas.getRootElement();
    var list = [];
    elementRegistry.forEach(function (element, gfx) {
      if (!element.parent || !gfx) {
        return; // a root (process, collaboration, plane)
      }
      if (isLabel(element)) {
        setAttr(gfx, 'aria-hidden', 'true');
        return;
      }
      list.push({ element: element, gfx: gfx, focusable: !element.hidden && canvas.findRoot(element) === root });
    });
    return list.sort(byDocumentOrder);
  }

  function focusable() {
    return items().filter(function (item) {
      return item.focusable;
    });
  }

  function refresh() {
    scheduled = false;
    var list = items();
    var names = uniqueNames(list.map(function (item) {
      return item.element;
    }), t);
    var tabbable = list.filter(function (item) {
      return item.focusable;
    });
    var ids = tabbable.map(function (item) {
      return item.element.id;
    });
    if (ids.indexOf(currentId) < 0) {
      var selected = selection.get().filter(function (element) {
        return ids.indexOf(element.id) >= 0;
      })[0];
      currentId = selected ? selected.id : (ids[Math.min(currentIndex, ids.length - 1)] || null);
    }
    currentIndex = Math.max(0, ids.indexOf(currentId));
    list.forEach(function (item, index) {
      setAttr(item.gfx, 'role', 'button');
      setAttr(item.gfx, NAME_ATTR, names[index]);
      setAttr(item.gfx, 'tabindex', item.element.id === currentId ? '0' : '-1');
    });
    if (svg) {
      // with elements on the canvas, the current element is the canvas's tab stop
      setAttr(svg, 'tabindex', currentId ? '-1' : '0');
    }
    if (focused && !focused.isConnected) {
      // the focused element was removed (deleted, retyped): keep the focus on the canvas
      focused = null;
      if (!document.activeElement || document.activeElement === document.body) {
        focusElement(currentId ? elementRegistry.get(currentId) : null);
      }
    }
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      Promise.resolve().then(refresh);
    }
  }

  function setCurrent(id) {
    if (id === currentId) {
      return;
    }
    var old = currentId && elementRegistry.getGraphics(currentId);
    if (old) {
      setAttr(old, 'tabindex', '-1');
    }
    currentId = id;
    currentIndex = Math.max(0, focusable().map(function (item) {
      return item.element.id;
    }).indexOf(id));
    var gfx = elementRegistry.getGraphics(id);
    if (gfx) {
      setAttr(gfx, 'tabindex', '0');
    }
    if (svg) {
      setAttr(svg, 'tabindex', '-1');
    }
  }

  function focusElement(element) {
    if (!element) {
      if (svg) {
        svg.focus({ preventScroll: true });
      }
      return;
    }
    setCurrent(element.id);
    canvas.scrollToElement(element);
    elementRegistry.getGraphics(element).focus({ preventScroll: true });
  }

  function elementOf(node) {
    var id = node && node.getAttribute && node.getAttribute('role') === 'button'
      ? node.getAttribute('data-element-id')
      : null;
    return id ? elementRegistry.get(id) : null;
  }

  function move(element, key) {
    var list = focusable();
    var index = -1;
    list.forEach(function (item, i) {
      if (item.element === element) {
        index = i;
      }
    });
    var next = {
      ArrowRight: index + 1,
      ArrowDown: index + 1,
      ArrowLeft: index - 1,
      ArrowUp: index - 1,
      Home: 0,
      End: list.length - 1,
    }[key];
    var target = list[Math.max(0, Math.min(list.length - 1, next))];
    if (target) {
      focusElement(target.element);
    }
  }

  keyboard.addListener(2000, function (context) {
    var event = context.keyEvent;
    var element = elementOf(event.target);
    if (!element || hasModifier(event)) {
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      selection.select(element); // the context pad opens on the selection
      return true;
    }
    if (['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', 'Home', 'End'].indexOf(event.key) >= 0) {
      move(element, event.key);
      return true;
    }
  });

  // A click on an external label acts on the element it labels.
  eventBus.on('element.click', 1500, function (event) {
    var element = event.element;
    if (element && isLabel(element) && element.labelTarget) {
      event.element = element.labelTarget;
    }
  });

  eventBus.on('canvas.init', function (event) {
    svg = event.svg;
    svg.addEventListener('focusin', function (focus) {
      var element = elementOf(focus.target);
      focused = element ? focus.target : null;
      if (element) {
        setCurrent(element.id);
      }
    });
    svg.addEventListener('focusout', function (focus) {
      if (focus.relatedTarget) {
        focused = null; // moved elsewhere; a removed element leaves no related target
      }
    });
  });

  eventBus.on('selection.changed', function (event) {
    var first = event.newSelection.filter(function (element) {
      return !isLabel(element) && element.parent;
    })[0];
    if (first && elementRegistry.getGraphics(first)) {
      setCurrent(first.id);
    }
  });

  eventBus.on([
    'import.done', 'elements.changed', 'root.set',
    'shape.added', 'connection.added', 'shape.removed', 'connection.removed',
  ], schedule);

  this.refresh = refresh;
}

CanvasNames.$inject = ['eventBus', 'canvas', 'elementRegistry', 'selection', 'keyboard', 'canvasNamesTexts'];

/** The didi module; `t` is the editor's text lookup (keys shape_* in src/texts/modeler.json). */
export function createCanvasNamesModule(t) {
  return {
    __init__: ['canvasNames'],
    canvasNamesTexts: ['value', t],
    canvasNames: ['type', CanvasNames],
  };
}
