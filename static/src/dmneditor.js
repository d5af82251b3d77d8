// Flytverk decision table editor: dmn-js (Modeler: DRD, decision tables,
// literal expressions) in the shared editor shell (lib/editor-shell.js), with
// view tabs and a problem list. Loaded only on decision table editor pages
// (in addition to app.js/app.css). Talks to the server through the URLs in
// the data-* attributes of #dmn-editor-app (contract: static/README.md).
//
// Cells are Python expressions (engine/dmn/cells.py), not FEEL: the editor is
// configured with Python as the only expression language, so cells are plain
// text inputs, and dmn-js's "simple mode" popups (which write FEEL such as
// `[1..5]`) are switched off.
//
// No inline scripts or <style> elements are created by our code and nothing
// uses eval, so `script-src 'self'; style-src 'self'` keeps working. dmn-js
// puts style="" attributes on its bpmn.io logo; the browser ignores them under
// our CSP, so dmneditor.css positions the logo (it stays visible: licence).
import DmnModeler from 'dmn-js/lib/Modeler';

import TEXTS from './texts/dmneditor.json';
import { downloadText, safeFileName } from './lib/download';
import { clear, cssEscape, el } from './lib/dom';
import { translateModule } from './lib/i18n';
import { createEditorShell, errorText, mountEditor } from './lib/editor-shell';
import { createProblemsPanel } from './lib/problems';

import './dmneditor.css';

/* ------------------------------------------------------------------ */
/* dmn-js configuration                                               */
/* ------------------------------------------------------------------ */

// Python is the only expression language: cells are plain text inputs.
var PYTHON = { options: [{ value: 'python', label: 'Python' }], defaults: { editor: 'python' } };

// Replaces dmn-js's simple mode (it writes FEEL) with one that offers nothing.
function NoSimpleMode() {}
NoSimpleMode.prototype.registerProvider = function () {};
NoSimpleMode.prototype.canSimpleEdit = function () {
  return false;
};
var noSimpleModeModule = { simpleMode: ['type', NoSimpleMode] };

// `library`: the server's {dmn-js English text: ours} (null: dmn-js's own texts).
function createModeler(container, library) {
  var translate = translateModule(library);
  return new DmnModeler({
    container: container,
    // No debounced edits: what is on screen is in the model when Ctrl+S saves.
    common: { expressionLanguages: PYTHON, debounceInput: false },
    drd: { additionalModules: [translate] },
    decisionTable: { additionalModules: [translate, noSimpleModeModule] },
    literalExpression: { additionalModules: [translate] },
    boxedExpression: { additionalModules: [translate] },
  });
}

/* ------------------------------------------------------------------ */
/* Editor                                                             */
/* ------------------------------------------------------------------ */

function initEditor(app) {
  var data = app.dataset;
  // The clean state is the XML as dmn-js wrote it when loaded or saved.
  var state = { name: null, savedXML: null, dirty: false };
  var modeler = null;

  var shell = createEditorShell(app, {
    prefix: 'dmn-editor',
    texts: TEXTS,
    url: data.definitionUrl,
    load: importFile,
    prepareSave: function () {
      return modeler.saveXML({ format: true }).then(function (result) {
        return {
          body: { xml: result.xml },
          saved: function () {
            state.savedXML = result.xml;
            if (shell.state.problems.length) {
              shell.notify(t('saved_with_problems', { count: shell.state.problems.length }), 'warning');
            }
            recomputeDirty();
          },
        };
      });
    },
    isDirty: function () {
      return state.dirty;
    },
    renderProblems: renderProblems,
    commandStack: activeCommandStack,
    conflict: {
      text: function () {
        return t('conflict_text');
      },
      detail: function (info) {
        return info.error || '';
      },
      actions: [{ key: 'cancel', primary: true }, {
        key: 'download',
        run: function () {
          downloadMine('-mine-endringer');
        },
      }, { key: 'reload' }],
    },
  });
  var t = shell.t;

  var viewsNav = el('div', { class: 'dmn-editor-views', role: 'group', 'aria-label': t('group_views') });
  var problems = createProblemsPanel('dmn-editor', t);
  var canvasEl = el('div', { class: 'dmn-editor-canvas', role: 'region', 'aria-label': t('editor_label') });
  shell.append(viewsNav, shell.notices, problems.element, canvasEl);

  /* ---- dmn-js --------------------------------------------------------- */

  modeler = createModeler(canvasEl, t.library);
  window.flytverkDmnEditor = modeler;

  function activeCommandStack() {
    var viewer = modeler && modeler.getActiveViewer();
    return viewer ? viewer.get('commandStack', false) : null;
  }

  // Every view has its own viewer and command stack; any change may make the
  // file dirty. Serialising a table takes a few milliseconds, so the saved
  // XML is compared with the current one after each change.
  var comparing = false;
  var compareAgain = false;
  function recomputeDirty() {
    if (!shell.state.loaded) {
      return;
    }
    if (comparing) {
      compareAgain = true;
      return;
    }
    comparing = true;
    modeler.saveXML({ format: true }).then(function (result) {
      state.dirty = result.xml !== state.savedXML;
    }, function () {
      state.dirty = true;
    }).then(function () {
      comparing = false;
      shell.updateStatus();
      if (compareAgain) {
        compareAgain = false;
        recomputeDirty();
      }
    });
  }

  modeler.on('viewer.created', function (event) {
    event.viewer.on('commandStack.changed', function () {
      recomputeDirty();
      shell.updateStatus();
    });
  });
  modeler.on('views.changed', function (event) {
    renderViews(event.views, event.activeView);
    shell.updateStatus();
    shell.fitHeight();
  });

  /* ---- views: DRD and one tab per decision ----------------------------- */

  function viewLabel(view) {
    var name = (view.element && (view.element.name || view.element.id)) || '';
    if (view.type === 'drd') {
      return t('view_drd');
    }
    return t(view.type === 'decisionTable' ? 'view_table' : 'view_literal', { name: name });
  }

  function renderViews(views, active) {
    clear(viewsNav);
    (views || []).forEach(function (view) {
      var current = active && view.element === active.element;
      var b = el('button', {
        type: 'button',
        class: 'dmn-editor-view' + (current ? ' dmn-editor-view--active' : ''),
        'aria-pressed': current ? 'true' : 'false',
        'data-view-type': view.type,
        'data-view-id': view.element && view.element.id,
        text: viewLabel(view),
      });
      b.addEventListener('click', function () {
        modeler.open(view);
      });
      viewsNav.appendChild(b);
    });
    viewsNav.hidden = !views || views.length < 2;
  }

  /* ---- problems ------------------------------------------------------------ */

  function findNode(id) {
    if (!id) {
      return null;
    }
    var quoted = '"' + cssEscape(id) + '"';
    return canvasEl.querySelector('[data-element-id=' + quoted + '], td[data-row-id=' + quoted + ']');
  }

  function reveal(id) {
    var node = findNode(id);
    if (!node) {
      return;
    }
    if (typeof node.scrollIntoView === 'function') {
      node.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    var focusable = node.querySelector('[contenteditable]') || node;
    if (typeof focusable.focus === 'function') {
      focusable.focus({ preventScroll: true });
    }
  }

  /** Problems: [{message, element_id, line}]; a rule or cell on screen becomes a button. */
  function renderProblems(list) {
    problems.render(list.map(function (problem) {
      var where = [];
      if (problem.line) {
        where.push(t('problem_line', { line: problem.line }));
      }
      if (problem.element_id) {
        where.push(t('problem_element', { id: problem.element_id }));
      }
      var onScreen = problem.element_id && findNode(problem.element_id);
      return {
        message: problem.message,
        where: where.join(', '),
        linkAttrs: { 'data-element-id': problem.element_id },
        reveal: onScreen ? function () {
          reveal(problem.element_id);
        } : null,
      };
    }));
  }

  /* ---- loading --------------------------------------------------------------- */

  function openFirstTable() {
    var table = modeler.getViews().filter(function (view) {
      return view.type === 'decisionTable';
    })[0];
    return table ? modeler.open(table) : Promise.resolve();
  }

  function importFile(payload) {
    return modeler.importXML(payload.xml).then(function (result) {
      shell.importWarnings(result);
      return openFirstTable();
    }).then(function () {
      return modeler.saveXML({ format: true });
    }).then(function (saved) {
      state.name = payload.name || state.name;
      state.savedXML = saved.xml;
      state.dirty = false;
      shell.loaded({ revision: payload.revision, problems: payload.problems });
    });
  }

  function downloadMine(suffix) {
    return modeler.saveXML({ format: true }).then(function (result) {
      var base = safeFileName(String(state.name || 'beslutning').replace(/\.dmn$/i, ''), 'beslutning');
      downloadText(result.xml, base + suffix + '.dmn', 'application/xml');
    }).catch(function (error) {
      shell.notify(t('export_error', { error: errorText(error) }), 'error');
    });
  }

  /* ---- toolbar ------------------------------------------------------------ */

  var toolbar = shell.toolbar;

  function history(method) {
    return function () {
      var stack = activeCommandStack();
      if (stack) {
        stack[method]();
      }
    };
  }

  toolbar.group(t('save'), [toolbar.button('save', t('save'), shell.save, true)]);
  toolbar.group(t('group_history'), [
    toolbar.button('undo', t('undo'), history('undo')),
    toolbar.button('redo', t('redo'), history('redo')),
  ]);
  var nav = [toolbar.button('download', t('download'), function () {
    downloadMine('');
  })];
  if (data.backUrl) {
    nav.push(toolbar.link('back', data.backUrl, t('back')));
  }
  toolbar.group(t('group_navigation'), nav);

  shell.start();
  return modeler;
}

mountEditor('dmn-editor-app', initEditor);
