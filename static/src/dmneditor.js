// Flytverk decision table editor: dmn-js (Modeler: DRD, decision tables,
// literal expressions) with a toolbar, save/conflict handling and a problem
// list. Loaded only on decision table editor pages (in addition to
// app.js/app.css). Talks to the server through the URLs in the data-*
// attributes of #dmn-editor-app (contract: static/README.md).
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

import { createTexts, pageLanguage, translateModule } from './dmneditor/i18n';
import { downloadText, safeFileName } from './lib/download';
import { clear, el, parseJSON } from './lib/dom';

import './dmneditor.css';

function formatTime(date) {
  var locale = pageLanguage() === 'en' ? 'en-GB' : 'nb-NO';
  try {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date);
  } catch (e) {
    return date.toLocaleTimeString();
  }
}

function cssEscape(value) {
  if (window.CSS && typeof window.CSS.escape === 'function') {
    return window.CSS.escape(value);
  }
  return String(value).replace(/["\\\]]/g, '\\$&');
}

/* ------------------------------------------------------------------ */
/* Server                                                             */
/* ------------------------------------------------------------------ */

function request(csrfToken, method, url, body) {
  var headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (csrfToken) {
    headers['X-CSRFToken'] = csrfToken;
  }
  return fetch(url, {
    method: method,
    credentials: 'same-origin',
    headers: headers,
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(function (response) {
    return response.text().then(function (text) {
      return { status: response.status, ok: response.ok, data: parseJSON(text, {}) || {} };
    });
  });
}

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

function createModeler(container) {
  var translate = translateModule();
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
  var t = createTexts(parseJSON(data.i18n, {}));
  var state = {
    name: null,
    revision: null,
    savedXML: null,
    dirty: false,
    saving: null,
    savedAt: null,
    loaded: false,
    problems: [],
  };

  clear(app);
  var status = el('p', { class: 'dmn-editor-status', role: 'status', 'aria-live': 'polite', text: t('status_loading') });
  var toolbar = el('div', { class: 'dmn-editor-toolbar', role: 'toolbar', 'aria-label': t('toolbar_label') });
  var viewsNav = el('div', { class: 'dmn-editor-views', role: 'group', 'aria-label': t('group_views') });
  var notices = el('div', { class: 'dmn-editor-notices' });
  var problemsList = el('ul', { class: 'dmn-editor-problems__list' });
  var problemsCount = el('span', { class: 'dmn-editor-problems__count', text: '(0)' });
  var problemsPanel = el('section', {
    class: 'dmn-editor-problems',
    'aria-labelledby': 'dmn-editor-problems-heading',
    hidden: true,
  }, [
    el('h2', { class: 'dmn-editor-problems__heading', id: 'dmn-editor-problems-heading' }, [
      el('span', { text: t('problems_title') }), ' ', problemsCount,
    ]),
    problemsList,
  ]);
  var canvasEl = el('div', { class: 'dmn-editor-canvas', role: 'region', 'aria-label': t('editor_label') });
  app.appendChild(el('div', { class: 'dmn-editor-bar' }, [toolbar, status]));
  app.appendChild(viewsNav);
  app.appendChild(notices);
  app.appendChild(problemsPanel);
  app.appendChild(canvasEl);

  /* ---- notices ------------------------------------------------------ */

  function notify(message, kind, details) {
    var close = el('button', { type: 'button', class: 'dmn-editor-notice__close', text: t('close') });
    var notice = el('div', {
      class: 'dmn-editor-notice dmn-editor-notice--' + (kind || 'info'),
      role: kind === 'error' ? 'alert' : 'status',
    }, [
      el('p', { class: 'dmn-editor-notice__text', text: message }),
      details && details.length ? el('ul', { class: 'dmn-editor-notice__details' }, details.map(function (d) {
        return el('li', { text: d });
      })) : null,
      close,
    ]);
    close.addEventListener('click', function () {
      notice.remove();
      fitHeight();
    });
    notices.appendChild(notice);
    fitHeight();
    return notice;
  }

  function clearNotices() {
    clear(notices);
    fitHeight();
  }

  /* ---- height: viewport minus whatever the site puts above ----------- */

  function fitHeight() {
    var top = app.getBoundingClientRect().top + (window.pageYOffset || 0);
    app.style.height = Math.max(420, Math.floor(window.innerHeight - Math.max(0, top))) + 'px';
  }
  window.addEventListener('resize', fitHeight);
  fitHeight();

  /* ---- dmn-js --------------------------------------------------------- */

  var modeler = createModeler(canvasEl);
  window.flytverkDmnEditor = modeler;

  function activeCommandStack() {
    var viewer = modeler.getActiveViewer();
    return viewer ? viewer.get('commandStack', false) : null;
  }

  // Every view has its own viewer and command stack; any change may make the
  // file dirty. Serialising a table takes a few milliseconds, so the saved
  // XML is compared with the current one after each change.
  var comparing = false;
  var compareAgain = false;
  function recomputeDirty() {
    if (!state.loaded) {
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
      updateStatus();
      if (compareAgain) {
        compareAgain = false;
        recomputeDirty();
      }
    });
  }

  modeler.on('viewer.created', function (event) {
    event.viewer.on('commandStack.changed', function () {
      recomputeDirty();
      updateStatus();
    });
  });
  modeler.on('views.changed', function (event) {
    renderViews(event.views, event.activeView);
    updateStatus();
    fitHeight();
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

  /* ---- status ------------------------------------------------------------ */

  var buttons = {};

  function updateStatus(override) {
    var dirty = state.loaded && state.dirty;
    app.dataset.dirty = dirty ? 'true' : 'false';
    app.classList.toggle('dmn-editor-app--dirty', dirty);
    var stack = activeCommandStack();
    if (buttons.undo) {
      buttons.undo.disabled = !(stack && stack.canUndo());
      buttons.redo.disabled = !(stack && stack.canRedo());
    }
    var text;
    if (override) {
      text = override;
    } else if (state.saving) {
      text = t('status_saving');
    } else if (dirty) {
      text = t('status_dirty');
    } else if (state.savedAt) {
      text = t('status_saved_at', { time: formatTime(state.savedAt) });
    } else if (state.loaded) {
      text = t('status_saved');
    } else {
      text = t('status_loading');
    }
    if (status.textContent !== text) {
      status.textContent = text;
    }
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

  function renderProblems() {
    clear(problemsList);
    var problems = state.problems || [];
    problems.forEach(function (problem) {
      var where = [];
      if (problem.line) {
        where.push(t('problem_line', { line: problem.line }));
      }
      if (problem.element_id) {
        where.push(t('problem_element', { id: problem.element_id }));
      }
      var content = [
        el('span', { class: 'dmn-editor-problem__message', text: String(problem.message || '') }),
        where.length ? el('span', { class: 'dmn-editor-problem__where', text: ' – ' + where.join(', ') }) : null,
      ];
      var item;
      if (problem.element_id && findNode(problem.element_id)) {
        var b = el('button', { type: 'button', class: 'dmn-editor-problem__link', 'data-element-id': problem.element_id }, content);
        b.addEventListener('click', function () {
          reveal(problem.element_id);
        });
        item = el('li', { class: 'dmn-editor-problem' }, [b]);
      } else {
        item = el('li', { class: 'dmn-editor-problem dmn-editor-problem--global' }, content);
      }
      problemsList.appendChild(item);
    });
    problemsCount.textContent = '(' + problems.length + ')';
    problemsPanel.hidden = problems.length === 0;
    app.dataset.problemCount = String(problems.length);
    fitHeight();
  }

  /* ---- loading --------------------------------------------------------------- */

  function openFirstTable() {
    var table = modeler.getViews().filter(function (view) {
      return view.type === 'decisionTable';
    })[0];
    return table ? modeler.open(table) : Promise.resolve();
  }

  function importFile(payload) {
    state.loaded = false;
    return modeler.importXML(payload.xml).then(function (result) {
      var warnings = (result && result.warnings) || [];
      if (warnings.length) {
        notify(t('import_warnings', { count: warnings.length }), 'warning', warnings.slice(0, 10).map(function (w) {
          return String((w && w.message) || w).split('\n')[0];
        }));
      }
      return openFirstTable();
    }).then(function () {
      return modeler.saveXML({ format: true });
    }).then(function (saved) {
      state.name = payload.name || state.name;
      state.revision = payload.revision;
      state.savedXML = saved.xml;
      state.dirty = false;
      state.savedAt = null;
      state.problems = payload.problems || [];
      state.loaded = true;
      renderProblems();
      app.dataset.revision = String(state.revision);
      updateStatus();
      fitHeight();
      app.dataset.ready = 'true';
    });
  }

  function load() {
    return request(data.csrfToken, 'GET', data.definitionUrl).then(function (res) {
      if (!res.ok) {
        throw new Error(res.data.error || ('HTTP ' + res.status));
      }
      return importFile(res.data);
    });
  }

  /* ---- saving ------------------------------------------------------------- */

  function save() {
    if (state.saving) {
      return state.saving;
    }
    if (!state.loaded) {
      return Promise.resolve('error');
    }
    var promise = modeler.saveXML({ format: true }).then(function (result) {
      var posted = result.xml;
      return request(data.csrfToken, 'POST', data.definitionUrl, { xml: posted, revision: state.revision }).then(function (res) {
        state.saving = null;
        if (res.status === 200) {
          state.revision = res.data.revision;
          app.dataset.revision = String(state.revision);
          state.savedXML = posted;
          state.savedAt = new Date();
          state.problems = res.data.problems || [];
          renderProblems();
          if (state.problems.length) {
            notify(t('saved_with_problems', { count: state.problems.length }), 'warning');
          }
          recomputeDirty();
          updateStatus();
          return 'saved';
        }
        if (res.status === 409) {
          updateStatus(t('status_save_failed'));
          showConflict(res.data);
          return 'conflict';
        }
        if (res.status === 400) {
          state.problems = res.data.problems || [];
          renderProblems();
        }
        notify(t(res.status === 400 ? 'save_invalid' : 'save_error', { error: res.data.error || ('HTTP ' + res.status) }), 'error');
        updateStatus(t('status_save_failed'));
        return 'invalid';
      });
    }).catch(function (error) {
      state.saving = null;
      if (window.console && console.warn) {
        console.warn('Flytverk: save failed', error);
      }
      notify(t('network_error'), 'error');
      updateStatus(t('status_save_failed'));
      return 'error';
    });
    state.saving = promise;
    updateStatus();
    return promise;
  }

  function downloadMine(suffix) {
    return modeler.saveXML({ format: true }).then(function (result) {
      var base = safeFileName(String(state.name || 'beslutning').replace(/\.dmn$/i, ''), 'beslutning');
      downloadText(result.xml, base + (suffix || '') + '.dmn', 'application/xml');
    }).catch(function (error) {
      notify(t('export_error', { error: error.message }), 'error');
    });
  }

  /* ---- conflict dialog -------------------------------------------------- */

  var dialog = null;
  var dialogDetail = null;
  var dialogCancel = null;

  function buildDialog() {
    dialogDetail = el('p', { class: 'dmn-editor-dialog__detail' });
    var download = el('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'conflict-download', text: t('conflict_download') });
    var reload = el('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'conflict-reload', text: t('conflict_reload') });
    dialogCancel = el('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'conflict-cancel', text: t('conflict_cancel') });
    dialog = el('dialog', {
      class: 'dmn-editor-dialog',
      'aria-labelledby': 'dmn-editor-conflict-title',
      'aria-describedby': 'dmn-editor-conflict-text',
    }, [
      el('h2', { class: 'dmn-editor-dialog__title', id: 'dmn-editor-conflict-title', text: t('conflict_title') }),
      el('p', { class: 'dmn-editor-dialog__text', id: 'dmn-editor-conflict-text', text: t('conflict_text') }),
      dialogDetail,
      el('div', { class: 'dmn-editor-dialog__actions' }, [dialogCancel, download, reload]),
    ]);
    download.addEventListener('click', function () {
      downloadMine('-mine-endringer');
    });
    reload.addEventListener('click', function () {
      dialog.close();
      clearNotices();
      load().catch(function (error) {
        notify(t('load_error', { error: error.message }), 'error');
      });
    });
    dialogCancel.addEventListener('click', function () {
      dialog.close();
    });
    app.appendChild(dialog);
  }

  function showConflict(info) {
    if (!dialog) {
      buildDialog();
    }
    dialogDetail.textContent = info.error || '';
    dialogDetail.hidden = !info.error;
    if (!dialog.open) {
      dialog.showModal();
    }
    dialogCancel.focus(); // the safe choice; reloading discards work
  }

  /* ---- toolbar ------------------------------------------------------------ */

  function button(key, label, handler, extraClass) {
    var b = el('button', { type: 'button', class: 'dmn-editor-tool' + (extraClass ? ' ' + extraClass : ''), 'data-action': key, text: label });
    b.addEventListener('click', handler);
    buttons[key] = b;
    return b;
  }

  function group(label, items) {
    return el('div', { class: 'dmn-editor-toolbar__group', role: 'group', 'aria-label': label }, items);
  }

  toolbar.appendChild(group(t('save'), [
    button('save', t('save'), function () {
      save();
    }, 'dmn-editor-tool--primary'),
  ]));
  toolbar.appendChild(group(t('group_history'), [
    button('undo', t('undo'), function () {
      var stack = activeCommandStack();
      if (stack) {
        stack.undo();
      }
    }),
    button('redo', t('redo'), function () {
      var stack = activeCommandStack();
      if (stack) {
        stack.redo();
      }
    }),
  ]));
  var nav = [button('download', t('download'), function () {
    downloadMine('');
  })];
  if (data.backUrl) {
    nav.push(el('a', { class: 'dmn-editor-tool', href: data.backUrl, 'data-action': 'back', text: t('back') }));
  }
  toolbar.appendChild(group(t('group_navigation'), nav));

  // Ctrl+S / Cmd+S anywhere on the page.
  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 's' || event.key === 'S')) {
      event.preventDefault();
      if (state.loaded) {
        save();
      }
    }
  }, true);

  window.addEventListener('beforeunload', function (event) {
    if (state.loaded && state.dirty) {
      event.preventDefault();
      event.returnValue = '';
      return '';
    }
    return undefined;
  });

  /* ---- go ---------------------------------------------------------------- */

  updateStatus();
  load().catch(function (error) {
    app.dataset.ready = 'error';
    updateStatus(t('status_load_failed'));
    notify(t('load_error', { error: error && error.message ? error.message : String(error) }), 'error');
  });
  return modeler;
}

function init() {
  var app = document.getElementById('dmn-editor-app');
  if (app && !app.dataset.initialised) {
    app.dataset.initialised = 'true';
    initEditor(app);
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
