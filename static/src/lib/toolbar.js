// The editors' toolbar: groups of buttons and links with an ARIA toolbar's
// keyboard model (one tab stop; arrow keys, Home and End move between tools).
import { el } from './dom';

/** `prefix`: the editor's class prefix ('modeler' -> .modeler-toolbar, .modeler-tool). */
export function createToolbar(prefix, label) {
  var element = el('div', { class: prefix + '-toolbar', role: 'toolbar', 'aria-label': label });
  var buttons = {};
  var rovingIndex = 0;

  function toolClass(primary) {
    return prefix + '-tool' + (primary ? ' ' + prefix + '-tool--primary' : '');
  }

  function button(key, text, handler, primary) {
    var node = el('button', { type: 'button', class: toolClass(primary), 'data-action': key, text: text });
    node.addEventListener('click', handler);
    buttons[key] = node;
    return node;
  }

  /** A link tool; `content`: text or child nodes, `attrs`: extra attributes. */
  function link(key, href, content, attrs) {
    var base = { class: toolClass(false), href: href, 'data-action': key };
    return el('a', Object.assign(base, attrs), typeof content === 'string' ? [content] : content);
  }

  function group(groupLabel, items) {
    element.appendChild(el('div', { class: prefix + '-toolbar__group', role: 'group', 'aria-label': groupLabel }, items));
    sync();
  }

  function all() {
    return Array.prototype.slice.call(element.querySelectorAll('button, a[href]'));
  }

  function tools() {
    return all().filter(function (item) {
      return !item.disabled;
    });
  }

  /** Keep exactly one enabled tool in the tab order (call after enabling/disabling). */
  function sync() {
    var items = tools();
    if (!items.length) {
      return;
    }
    var active = items.indexOf(document.activeElement);
    if (active !== -1) {
      rovingIndex = active;
    }
    rovingIndex = Math.min(rovingIndex, items.length - 1);
    all().forEach(function (item) {
      item.setAttribute('tabindex', '-1');
    });
    items[rovingIndex].setAttribute('tabindex', '0');
  }

  /** Enable undo/redo from the command stack (none: both disabled). */
  function syncHistory(stack) {
    if (!buttons.undo) {
      return;
    }
    buttons.undo.disabled = !(stack && stack.canUndo());
    buttons.redo.disabled = !(stack && stack.canRedo());
    sync();
  }

  element.addEventListener('focusin', function (event) {
    var index = tools().indexOf(event.target);
    if (index !== -1) {
      rovingIndex = index;
      sync();
    }
  });

  element.addEventListener('keydown', function (event) {
    var items = tools();
    var index = items.indexOf(document.activeElement);
    if (index === -1) {
      return;
    }
    var next = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') {
      next = (index + 1) % items.length;
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') {
      next = (index - 1 + items.length) % items.length;
    } else if (event.key === 'Home') {
      next = 0;
    } else if (event.key === 'End') {
      next = items.length - 1;
    }
    if (next !== null) {
      event.preventDefault();
      rovingIndex = next;
      sync();
      items[next].focus();
    }
  });

  return { element: element, buttons: buttons, button: button, link: link, group: group, sync: sync, syncHistory: syncHistory };
}
