// Dynamic lists in the browser: "Add row" clones the list's
// <template data-row-template>, "Remove row" removes the row; both without a page
// load. Rows are renumbered 0..n-1 as WTForms renumbers them, so names match what
// the server will render. Without JavaScript the same buttons submit the form
// (forms/repeat.py) and the server adds or removes the row.

var INDEX = '__index__';
var RENAMED = ['name', 'id', 'for', 'aria-describedby', 'data-name', 'data-index'];

function rowsOf(list) {
  var container = list.querySelector('[data-rows]');
  if (!container) {
    return [];
  }
  return Array.prototype.slice.call(container.children).filter(function (child) {
    return child.hasAttribute('data-row');
  });
}

/** Number the legends and show or hide the buttons for the list's limits. */
export function refreshList(list) {
  var rows = rowsOf(list);
  var min = parseInt(list.getAttribute('data-min') || '0', 10) || 0;
  var max = parseInt(list.getAttribute('data-max') || '', 10);
  var rowLabel = list.getAttribute('data-row-label') || '{n}';
  var removeLabel = list.getAttribute('data-remove-label') || '{n}';
  rows.forEach(function (row, position) {
    var number = String(position + 1);
    var legend = row.querySelector('[data-row-legend]');
    if (legend) {
      legend.textContent = rowLabel.replace('{n}', number);
    }
    var remove = row.querySelector('[data-list-remove]');
    if (remove) {
      remove.textContent = removeLabel.replace('{n}', number);
      remove.hidden = rows.length <= min;
    }
  });
  var add = list.querySelector('[data-list-add]');
  if (add) {
    add.hidden = !isNaN(max) && rows.length >= max;
  }
}

function addRow(list) {
  var template = list.querySelector('template[data-row-template]');
  var container = list.querySelector('[data-rows]');
  var max = parseInt(list.getAttribute('data-max') || '', 10);
  if (!template || !container || rowsOf(list).length >= max) {
    return null;
  }
  var fragment = template.content.cloneNode(true);
  var row = fragment.firstElementChild;
  renameRow(row, INDEX, String(rowsOf(list).length), list.getAttribute('data-name'));
  container.appendChild(fragment);
  return row;
}

// Rows are numbered 0..n-1 as WTForms numbers them after each submission, so
// names in the browser match the names the server will render.
function renameRow(row, from, to, base) {
  var rowPrefix = base + '-' + from + '-';
  var removeName = base + '-remove-' + from;
  [row].concat(Array.prototype.slice.call(row.querySelectorAll('*'))).forEach(function (element) {
    RENAMED.forEach(function (attribute) {
      var value = element.getAttribute(attribute);
      if (value === null) {
        return;
      }
      var renamed = attribute === 'data-index' && value === from
        ? to
        : value.split(rowPrefix).join(base + '-' + to + '-').split(removeName).join(base + '-remove-' + to);
      if (renamed !== value) {
        element.setAttribute(attribute, renamed);
      }
    });
  });
}

function renumberRows(list) {
  var base = list.getAttribute('data-name');
  rowsOf(list).forEach(function (row, position) {
    var index = row.getAttribute('data-index');
    if (index !== String(position)) {
      renameRow(row, index, String(position), base);
    }
  });
}

function focusFirst(element) {
  var target = element && element.querySelector('input:not([type="hidden"]), select, textarea, button');
  if (target) {
    target.focus();
  }
}

/** Handle a click on an add/remove button inside form; then call changed(). */
export function onListClick(form, event, changed) {
  var button = event.target.closest && event.target.closest('[data-list-add], [data-list-remove]');
  var list = button && button.closest('[data-component="dynamiclist"]');
  if (!list || !Node.prototype.contains.call(form, list)) {
    return;
  }
  event.preventDefault();
  if (button.hasAttribute('data-list-add')) {
    var row = addRow(list);
    refreshList(list);
    focusFirst(row);
  } else if (rowsOf(list).length > (parseInt(list.getAttribute('data-min'), 10) || 0)) {
    var current = button.closest('[data-row]');
    var rows = rowsOf(list);
    var position = rows.indexOf(current);
    current.parentNode.removeChild(current);
    renumberRows(list);
    refreshList(list);
    var after = rowsOf(list);
    var add = list.querySelector('[data-list-add]');
    if (after.length) {
      focusFirst(after[Math.min(position, after.length - 1)]);
    } else if (add && !add.hidden) {
      add.focus();
    }
  }
  changed();
}
