// Progressive enhancement of forms rendered by forms/templates/forms/macros.html:
//
// 1. Live conditions: every wrapper with data-hide-when is shown or hidden as the
//    user types, by the same rule the server applies (forms/visibility.py).
// 2. Dynamic lists: "Add row" / "Remove row" work without a page load by cloning
//    the list's <template data-row-template>. Without JavaScript the same buttons
//    submit the form and the server re-renders it with one row more or less.
//
// Hooks (see forms/README.md): form[data-forms]; wrappers [data-component] with
// data-key, data-name, data-format, data-hide-when; [data-carry] wrappers hold
// other pages' values as hidden inputs; lists have [data-rows], [data-row],
// [data-row-legend], [data-list-add], [data-list-remove], data-row-label,
// data-remove-label, data-min and data-max.
//
// collect() and computeVisibility() only use children, attributes and control
// properties, so tests run them under node on the server's HTML.
import { isHidden } from './conditions.js';
import { onListClick, refreshList } from './lists.js';
import { typedValue } from './values.js';

// A <form>'s named controls shadow its DOM properties: form.children is the
// field named "children". Call the prototype's methods on the form instead.
var ELEMENT = typeof Element === 'undefined' ? null : Element.prototype;
var CHILDREN = ELEMENT ? Object.getOwnPropertyDescriptor(ELEMENT, 'children').get : null;

function isElement(element) {
  return ELEMENT !== null && element instanceof Element;
}

function elementChildren(element) {
  var children = isElement(element) ? CHILDREN.call(element) : element.children;
  return Array.prototype.slice.call(children || []);
}

function formCall(form, method, args) {
  var owner = method === 'addEventListener' ? EventTarget.prototype : ELEMENT;
  return owner[method].apply(form, args);
}

function isTemplate(element) {
  return String(element.tagName).toUpperCase() === 'TEMPLATE';
}

function findAll(element, test, out) {
  elementChildren(element).forEach(function (child) {
    if (isTemplate(child)) {
      return;
    }
    if (test(child)) {
      out.push(child);
    } else {
      findAll(child, test, out);
    }
  });
  return out;
}

function findControls(element, name) {
  return findAll(element, function (child) {
    return child.getAttribute('name') === name && isControl(child);
  }, []);
}

function isControl(element) {
  var tag = String(element.tagName).toUpperCase();
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA';
}

function makeNode(element) {
  var node = {
    element: element,
    component: element.getAttribute('data-component'),
    key: element.getAttribute('data-key'),
    name: element.getAttribute('data-name'),
    format: element.getAttribute('data-format') || '',
    hideWhen: element.getAttribute('data-hide-when'),
    carry: element.hasAttribute('data-carry'),
    children: [],
    rows: [],
    controls: [],
  };
  if (node.component === 'group') {
    node.children = collect(element);
  } else if (node.component === 'dynamiclist') {
    node.rows = findAll(element, function (child) {
      return child.hasAttribute('data-row');
    }, []).map(collect);
  } else if (node.key && node.name) {
    node.controls = findControls(element, node.name);
  }
  return node;
}

/** The component tree under an element: nodes for its [data-component] wrappers. */
export function collect(element) {
  var nodes = [];
  elementChildren(element).forEach(function (child) {
    if (isTemplate(child)) {
      return;
    }
    if (child.hasAttribute('data-component')) {
      nodes.push(makeNode(child));
    } else {
      nodes = nodes.concat(collect(child));
    }
  });
  return nodes;
}

/** What a node's controls would submit: values of checked boxes, others' values. */
export function submitted(node) {
  var values = [];
  node.controls.forEach(function (control) {
    var type = String(control.type || '').toLowerCase();
    if (type === 'file') {
      return;
    }
    if ((type === 'checkbox' || type === 'radio') && !control.checked) {
      return;
    }
    values.push(control.value);
  });
  return values;
}

function fillValues(nodes, target) {
  nodes.forEach(function (node) {
    if (node.component === 'group') {
      fillValues(node.children, target);
    } else if (node.component === 'dynamiclist' && node.key) {
      target[node.key] = node.rows.map(function (rowNodes) {
        var row = {};
        fillValues(rowNodes, row);
        return row;
      });
    } else if (node.key) {
      target[node.key] = typedValue(node.component, node.format, submitted(node));
    }
  });
}

function hides(expression, data) {
  try {
    return isHidden(expression, data);
  } catch (error) {
    return false; // an expression the server would have rejected: keep it shown
  }
}

function walk(nodes, values, top, parentHidden, out) {
  nodes.forEach(function (node) {
    var env = values === top ? top : Object.assign({}, top, values);
    var hidden = parentHidden || (node.hideWhen !== null && hides(node.hideWhen, env));
    out.push({ node: node, hidden: hidden });
    var owned = node.key && Object.prototype.hasOwnProperty.call(values, node.key);
    if (hidden && owned) {
      values[node.key] = null;
    }
    if (node.component === 'group') {
      walk(node.children, values, top, hidden, out);
    } else if (node.component === 'dynamiclist') {
      var rows = owned ? values[node.key] : null;
      node.rows.forEach(function (rowNodes, position) {
        var row = Array.isArray(rows) ? rows[position] : {};
        walk(rowNodes, row, top, hidden, out);
      });
    }
  });
}

/** [{node, hidden}] for every node, in document order (forms/visibility.py's rule). */
export function computeVisibility(nodes) {
  var top = {};
  fillValues(nodes, top);
  var out = [];
  walk(nodes, top, top, false, out);
  return out;
}

/** Names of the hidden inputs (the value of the form's [data-forms-hidden] input). */
export function hiddenNames(entries) {
  return entries
    .filter(function (entry) { return entry.hidden && !entry.node.carry && entry.node.key; })
    .map(function (entry) { return entry.node.name; })
    .join(' ');
}

/** Show and hide the wrappers of one form to match its current data. */
export function update(form) {
  var entries = computeVisibility(collect(form));
  entries.forEach(function (entry) {
    if (!entry.node.carry && entry.node.element.hidden !== entry.hidden) {
      entry.node.element.hidden = entry.hidden;
    }
  });
  // The server compares this with what it would hide: see forms.pages.revealed.
  var names = formCall(form, 'querySelector', ['input[data-forms-hidden]']);
  if (names) {
    names.value = hiddenNames(entries);
  }
}

/** Enhance every form[data-forms] under root (default: the document). */
export function enhance(root) {
  var scope = root || document;
  var forms = Array.prototype.slice.call(scope.querySelectorAll('form[data-forms]'));
  if (isElement(scope) && formCall(scope, 'matches', ['form[data-forms]'])) {
    forms = [scope];
  }
  forms.forEach(function (form) {
    if (formCall(form, 'hasAttribute', ['data-forms-enhanced'])) {
      return;
    }
    formCall(form, 'setAttribute', ['data-forms-enhanced', '']);
    var refresh = function () { update(form); };
    formCall(form, 'addEventListener', ['input', refresh]);
    formCall(form, 'addEventListener', ['change', refresh]);
    formCall(form, 'addEventListener', ['click', function (event) {
      onListClick(form, event, refresh);
    }]);
    var lists = formCall(form, 'querySelectorAll', ['[data-component="dynamiclist"]']);
    Array.prototype.forEach.call(lists, refreshList);
    update(form);
  });
}
