// Flytverk process editor: bpmn-js Modeler + properties panel with the
// SpiffWorkflow dialect. Loaded only on editor pages (in addition to
// app.js/app.css). Talks to the server through the URLs in the data-*
// attributes of #modeler-app (contract: static/README.md).
//
// No inline scripts or <style> elements are created and nothing uses eval,
// so `script-src 'self'; style-src 'self'` keeps working.
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { layoutProcess } from 'bpmn-auto-layout';

import spiffDescriptor from './modeler/spiffworkflow.json';
import { createTexts, createTranslateModule, pageLanguage } from './modeler/i18n';
import { createFlytverkModule } from './modeler/provider';
import { downloadBlob, downloadText, safeFileName, svgToPng } from './lib/download';
import { clear, el, parseJSON } from './lib/dom';

import './modeler.css';

function formatTime(value) {
  if (!value) {
    return '';
  }
  var date = value instanceof Date ? value : new Date(value);
  if (isNaN(date.getTime())) {
    return String(value);
  }
  var locale = pageLanguage() === 'en' ? 'en-GB' : 'nb-NO';
  var sameDay = new Date().toDateString() === date.toDateString();
  try {
    return sameDay
      ? new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date)
      : new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(date);
  } catch (e) {
    return date.toLocaleString();
  }
}

/* ------------------------------------------------------------------ */
/* Server                                                             */
/* ------------------------------------------------------------------ */

function createApi(csrfToken) {
  function request(method, url, body) {
    var headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
    };
    if (csrfToken) {
      headers['X-CSRFToken'] = csrfToken;
    }
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        return { status: response.status, ok: response.ok, data: parseJSON(text, {}) || {} };
      });
    });
  }
  return {
    get: function (url) {
      return request('GET', url);
    },
    post: function (url, body) {
      return request('POST', url, body);
    },
  };
}

/* ------------------------------------------------------------------ */
/* Editor                                                             */
/* ------------------------------------------------------------------ */

function initEditor(app) {
  var data = app.dataset;
  var t = createTexts(parseJSON(data.i18n, {}));
  var api = createApi(data.csrfToken);
  var options = { forms: [], lanes: [], connectors: [], processes: [], decisions: [], messages: [] };

  var state = {
    revision: null,
    updatedBy: null,
    updatedAt: null,
    savedAction: null,
    forcedDirty: false,
    saving: null,
    savedAt: null,
    problems: [],
    markedIds: [],
    allowUnload: false,
    loaded: false,
  };

  /* ---- layout ------------------------------------------------------- */

  clear(app);
  app.classList.add('modeler-app');

  var status = el('p', { class: 'modeler-status', role: 'status', 'aria-live': 'polite', text: t('status_loading') });
  var toolbar = el('div', { class: 'modeler-toolbar', role: 'toolbar', 'aria-label': t('toolbar_label') });
  var notices = el('div', { class: 'modeler-notices' });
  var canvasEl = el('div', { class: 'modeler-canvas', role: 'region', 'aria-label': t('canvas_label') });
  var problemsList = el('ul', { class: 'modeler-problems__list', id: 'modeler-problems-list' });
  var problemsEmpty = el('p', { class: 'modeler-problems__empty', text: t('problems_none') });
  var problemsCount = el('span', { class: 'modeler-problems__count', text: '(0)' });
  var problemsToggle = el('button', {
    type: 'button',
    class: 'modeler-problems__toggle',
    'aria-expanded': 'true',
    'aria-controls': 'modeler-problems-body',
  }, [el('span', { class: 'modeler-problems__title', text: t('problems_title') }), ' ', problemsCount]);
  var problemsBody = el('div', { class: 'modeler-problems__body', id: 'modeler-problems-body' }, [problemsEmpty, problemsList]);
  var problemsPanel = el('section', { class: 'modeler-problems', 'aria-labelledby': 'modeler-problems-heading' }, [
    el('h2', { class: 'modeler-problems__heading', id: 'modeler-problems-heading' }, [problemsToggle]),
    problemsBody,
  ]);
  var propertiesEl = el('aside', { class: 'modeler-properties', 'aria-label': t('properties_label') });
  var body = el('div', { class: 'modeler-body' }, [
    el('div', { class: 'modeler-main' }, [canvasEl, problemsPanel]),
    propertiesEl,
  ]);

  app.appendChild(el('div', { class: 'modeler-bar' }, [toolbar, status]));
  app.appendChild(notices);
  app.appendChild(body);

  function setProblemsOpen(open) {
    problemsToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    problemsBody.hidden = !open;
    problemsPanel.classList.toggle('modeler-problems--collapsed', !open);
    if (canvasResized) {
      canvasResized();
    }
  }
  problemsToggle.addEventListener('click', function () {
    setProblemsOpen(problemsToggle.getAttribute('aria-expanded') !== 'true');
  });

  /* ---- notices ------------------------------------------------------ */

  function notify(message, kind, details) {
    var closeButton = el('button', { type: 'button', class: 'modeler-notice__close', text: t('close') });
    var notice = el('div', {
      class: 'modeler-notice modeler-notice--' + (kind || 'info'),
      role: kind === 'error' ? 'alert' : 'status',
    }, [
      el('p', { class: 'modeler-notice__text', text: message }),
      details && details.length ? el('ul', { class: 'modeler-notice__details' }, details.map(function (d) {
        return el('li', { text: d });
      })) : null,
      closeButton,
    ]);
    closeButton.addEventListener('click', function () {
      notice.remove();
      fitHeight();
    });
    notices.appendChild(notice);
    fitHeight();
    if (kind === 'success') {
      setTimeout(function () {
        if (notice.parentNode && !notice.contains(document.activeElement)) {
          notice.remove();
          fitHeight();
        }
      }, 10000);
    }
    return notice;
  }

  function clearNotices() {
    clear(notices);
    fitHeight();
  }

  /* ---- height: viewport minus whatever the site puts above ----------- */

  function fitHeight() {
    var top = app.getBoundingClientRect().top + (window.pageYOffset || 0);
    var available = window.innerHeight - Math.max(0, top);
    app.style.height = Math.max(420, Math.floor(available)) + 'px';
    if (canvasResized) {
      canvasResized();
    }
  }
  var canvasResized = null;
  window.addEventListener('resize', fitHeight);
  fitHeight();

  /* ---- modeler ----------------------------------------------------- */

  var flytverk = {
    t: t,
    options: options,
    notify: function (message) {
      notify(message, 'success');
    },
    createForm: function (name, title) {
      if (!data.formsUrl) {
        return Promise.resolve({ ok: false, error: 'no forms URL' });
      }
      return api.post(data.formsUrl, { name: name, title: title }).then(function (res) {
        if (res.ok) {
          return { ok: true, name: res.data.name || name };
        }
        return { ok: false, error: res.data.error || ('HTTP ' + res.status) };
      }, function () {
        return { ok: false, error: t('network_error') };
      });
    },
  };

  var modeler = new Modeler({
    container: canvasEl,
    propertiesPanel: { parent: propertiesEl },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      createFlytverkModule(flytverk),
      createTranslateModule(),
    ],
    moddleExtensions: { spiffworkflow: spiffDescriptor },
  });
  window.flytverkModeler = modeler;

  var canvas = modeler.get('canvas');
  var commandStack = modeler.get('commandStack');
  var eventBus = modeler.get('eventBus');
  var elementRegistry = modeler.get('elementRegistry');
  var overlays = modeler.get('overlays');
  var selection = modeler.get('selection');
  var debounceInput = modeler.get('debounceInput');
  // the canvas caches its size: tell it when the layout around it changes
  canvasResized = function () {
    canvas.resized();
  };

  /* ---- zoom to fit, keeping the diagram clear of the palette ----------- */

  function fitDiagram() {
    var viewbox;
    try {
      canvas.zoom('fit-viewport', 'auto');
      viewbox = canvas.viewbox();
    } catch (e) {
      return; // empty diagram
    }
    var inner = viewbox.inner;
    var outer = viewbox.outer;
    if (!inner || !(inner.width > 0) || !(inner.height > 0) || !(outer.width > 0)) {
      return;
    }
    var pad = 24;
    var padLeft = pad;
    var palette = canvasEl.querySelector('.djs-palette');
    if (palette && outer.width > 600) {
      padLeft = palette.getBoundingClientRect().right - canvasEl.getBoundingClientRect().left + pad;
    }
    var width = outer.width - padLeft - pad;
    var height = outer.height - 2 * pad;
    var scale = Math.min(1, width / inner.width, height / inner.height);
    if (!(scale > 0.05)) {
      return;
    }
    var offsetX = padLeft + Math.max(0, (width - inner.width * scale) / 2);
    var offsetY = pad + Math.max(0, (height - inner.height * scale) / 2);
    canvas.viewbox({
      x: inner.x - offsetX / scale,
      y: inner.y - offsetY / scale,
      width: outer.width / scale,
      height: outer.height / scale,
    });
  }

  /* ---- dirty state ---------------------------------------------------- */

  function currentAction() {
    var stack = commandStack._stack || [];
    var index = typeof commandStack._stackIdx === 'number' ? commandStack._stackIdx : stack.length - 1;
    return index >= 0 ? stack[index] || null : null;
  }

  function isDirty() {
    return state.forcedDirty || currentAction() !== state.savedAction;
  }

  var buttons = {};

  function updateStatus(override) {
    var dirty = isDirty();
    app.dataset.dirty = dirty ? 'true' : 'false';
    app.classList.toggle('modeler-app--dirty', dirty);
    if (buttons.undo) {
      buttons.undo.disabled = !commandStack.canUndo();
      buttons.redo.disabled = !commandStack.canRedo();
      syncRovingTabindex();
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
    } else if (state.revision !== null) {
      text = state.updatedBy
        ? t('status_revision', { revision: state.revision, user: state.updatedBy, time: formatTime(state.updatedAt) })
        : t('status_saved');
    } else {
      text = t('status_loading');
    }
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  eventBus.on('commandStack.changed', function () {
    if (state.loaded) {
      updateStatus();
    }
  });

  window.addEventListener('beforeunload', function (event) {
    if (!state.allowUnload && state.loaded && isDirty()) {
      event.preventDefault();
      event.returnValue = '';
      return '';
    }
    return undefined;
  });

  function leaveTo(url) {
    state.allowUnload = true;
    window.location.assign(url);
  }

  /* ---- problems --------------------------------------------------------- */

  function findProblemElement(id) {
    if (!id) {
      return null;
    }
    var element = elementRegistry.get(id);
    if (element) {
      return element;
    }
    // a process id: point at its participant, if any
    return elementRegistry.filter(function (candidate) {
      var bo = candidate.businessObject;
      return candidate.type === 'bpmn:Participant' && bo && bo.processRef && bo.processRef.id === id;
    })[0] || null;
  }

  function elementLabel(element, fallbackId) {
    var bo = element && element.businessObject;
    var name = bo && bo.name ? String(bo.name).replace(/\s+/g, ' ').trim() : '';
    var id = element ? element.id : fallbackId;
    return name ? name + ' (' + id + ')' : id;
  }

  function revealElement(element) {
    var root = canvas.findRoot ? canvas.findRoot(element) : null;
    if (root && root !== canvas.getRootElement()) {
      canvas.setRootElement(root);
    }
    selection.select(element);
    try {
      canvas.scrollToElement(element, { top: 100, bottom: 100, left: 100, right: 100 });
    } catch (e) {
      // element without a visible shape
    }
  }

  function renderProblems() {
    state.markedIds.forEach(function (id) {
      if (elementRegistry.get(id)) {
        canvas.removeMarker(id, 'has-problem');
      }
    });
    state.markedIds = [];
    overlays.remove({ type: 'flytverk-problem' });
    clear(problemsList);

    var problems = state.problems || [];
    var counts = {};
    problems.forEach(function (problem) {
      var element = findProblemElement(problem.element_id);
      var parts = [problem.message || ''];
      var where = [];
      if (problem.element_id) {
        where.push(elementLabel(element, problem.element_id));
      } else {
        where.push(t('problem_process'));
      }
      if (problem.line) {
        where.push((problem.file ? problem.file + ', ' : '') + t('problem_line', { line: problem.line }));
      } else if (problem.file) {
        where.push(problem.file);
      }
      var content = [
        el('span', { class: 'modeler-problem__message', text: parts.join('') }),
        ' ',
        el('span', { class: 'modeler-problem__where', text: '– ' + where.join(', ') }),
      ];
      var item;
      if (element) {
        counts[element.id] = (counts[element.id] || 0) + 1;
        var button = el('button', { type: 'button', class: 'modeler-problem__link', 'data-element-id': element.id }, content);
        button.addEventListener('click', function () {
          revealElement(element);
        });
        item = el('li', { class: 'modeler-problem' }, [button]);
      } else {
        item = el('li', { class: 'modeler-problem modeler-problem--global' }, content);
      }
      problemsList.appendChild(item);
    });

    Object.keys(counts).forEach(function (id) {
      canvas.addMarker(id, 'has-problem');
      state.markedIds.push(id);
      var badge = el('span', { class: 'problem-badge', title: t('problem_badge', { count: counts[id] }) }, [
        el('span', { 'aria-hidden': 'true', text: String(counts[id]) }),
        el('span', { class: 'visually-hidden', text: t('problem_badge', { count: counts[id] }) }),
      ]);
      overlays.add(id, 'flytverk-problem', { position: { top: -10, right: 10 }, html: badge });
    });

    problemsCount.textContent = '(' + problems.length + ')';
    problemsEmpty.hidden = problems.length > 0;
    problemsList.hidden = problems.length === 0;
    problemsPanel.classList.toggle('modeler-problems--has-problems', problems.length > 0);
    if (problems.length) {
      setProblemsOpen(true);
    }
    app.dataset.problemCount = String(problems.length);
  }

  /* ---- loading ------------------------------------------------------------ */

  function loadOptions() {
    if (!data.optionsUrl) {
      return Promise.resolve();
    }
    return api.get(data.optionsUrl).then(function (res) {
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      Object.keys(options).forEach(function (key) {
        if (Array.isArray(res.data[key])) {
          options[key] = res.data[key];
        }
      });
    }).catch(function () {
      notify(t('options_error'), 'warning');
    });
  }

  function prepareXml(draft) {
    if (!draft.needs_layout) {
      return Promise.resolve({ xml: draft.bpmn, laidOut: false });
    }
    return Promise.resolve().then(function () {
      return layoutProcess(draft.bpmn);
    }).then(function (xml) {
      return { xml: xml, laidOut: true };
    }, function (error) {
      notify(t('layout_error', { error: error && error.message ? error.message : String(error) }), 'error');
      return { xml: draft.bpmn, laidOut: false };
    });
  }

  function importDraft(draft) {
    return prepareXml(draft).then(function (prepared) {
      return modeler.importXML(prepared.xml).then(function (result) {
        var warnings = (result && result.warnings) || [];
        if (warnings.length) {
          notify(t('import_warnings', { count: warnings.length }), 'warning', warnings.slice(0, 10).map(function (w) {
            return String(w.message || w).split('\n')[0];
          }));
        }
        state.revision = draft.revision === undefined ? null : draft.revision;
        state.updatedBy = draft.updated_by || null;
        state.updatedAt = draft.updated_at || null;
        state.savedAt = null;
        state.savedAction = null;
        state.forcedDirty = prepared.laidOut;
        state.problems = draft.problems || [];
        state.loaded = true;
        if (prepared.laidOut) {
          notify(t('layout_notice'), 'warning');
        }
        renderProblems();
        app.dataset.revision = String(state.revision);
        updateStatus();
        fitHeight();
        fitDiagram();
        app.dataset.ready = 'true';
      });
    });
  }

  function loadDraft() {
    return api.get(data.draftUrl).then(function (res) {
      if (!res.ok) {
        throw new Error(res.data.error || ('HTTP ' + res.status));
      }
      return importDraft(res.data);
    });
  }

  /* ---- saving ------------------------------------------------------------- */

  function save() {
    if (state.saving) {
      return state.saving;
    }
    if (debounceInput && debounceInput.flushAll) {
      debounceInput.flushAll();
    }
    var action = currentAction();
    var forced = state.forcedDirty;
    var promise = modeler.saveXML({ format: true }).then(function (result) {
      return api.post(data.draftUrl, { bpmn: result.xml, revision: state.revision });
    }).then(function (res) {
      state.saving = null;
      if (res.status === 200 || res.status === 201) {
        state.revision = res.data.revision !== undefined ? res.data.revision : state.revision;
        app.dataset.revision = String(state.revision);
        state.savedAction = action;
        if (forced) {
          state.forcedDirty = false;
        }
        state.savedAt = res.data.updated_at || new Date();
        state.problems = res.data.problems || [];
        renderProblems();
        var text = t('status_saved_at', { time: formatTime(state.savedAt) });
        if (state.problems.length) {
          text += ' ' + t('saved_with_problems', { count: state.problems.length });
        }
        updateStatus(isDirty() ? undefined : text);
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
        notify(t('save_error', { error: res.data.error || 'HTTP 400' }), 'error');
        updateStatus(t('status_save_failed'));
        return 'invalid';
      }
      notify(t('save_error', { error: res.data.error || ('HTTP ' + res.status) }), 'error');
      updateStatus(t('status_save_failed'));
      return 'error';
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

  /* ---- conflict dialog -------------------------------------------------- */

  var dialog = null;
  var dialogText = null;
  var dialogBy = null;
  var dialogError = null;

  function buildDialog() {
    dialogText = el('p', { class: 'modeler-dialog__text', id: 'modeler-conflict-text' });
    dialogBy = el('p', { class: 'modeler-dialog__by' });
    dialogError = el('p', { class: 'modeler-dialog__error', role: 'alert', hidden: true });
    var reload = el('button', { type: 'button', class: 'btn btn-secondary', text: t('conflict_reload') });
    var copy = el('button', { type: 'button', class: 'btn btn-primary', text: t('conflict_copy') });
    var cancel = el('button', { type: 'button', class: 'btn btn-secondary', text: t('conflict_cancel') });
    dialog = el('dialog', {
      class: 'modeler-dialog',
      'aria-labelledby': 'modeler-conflict-title',
      'aria-describedby': 'modeler-conflict-text',
    }, [
      el('h2', { class: 'modeler-dialog__title', id: 'modeler-conflict-title', text: t('conflict_title') }),
      dialogText,
      dialogBy,
      dialogError,
      el('div', { class: 'modeler-dialog__actions' }, [copy, reload, cancel]),
    ]);
    reload.addEventListener('click', function () {
      if (!window.confirm(t('confirm_reload'))) {
        return;
      }
      dialog.close();
      clearNotices();
      loadDraft().catch(function (error) {
        notify(t('load_error', { error: error.message }), 'error');
      });
    });
    copy.addEventListener('click', function () {
      dialogError.hidden = true;
      copy.disabled = true;
      if (debounceInput && debounceInput.flushAll) {
        debounceInput.flushAll();
      }
      modeler.saveXML({ format: true }).then(function (result) {
        return api.post(data.copyUrl, { bpmn: result.xml });
      }).then(function (res) {
        copy.disabled = false;
        if (res.ok && res.data.edit_url) {
          leaveTo(res.data.edit_url);
          return;
        }
        dialogError.textContent = t('copy_error', { error: res.data.error || ('HTTP ' + res.status) });
        dialogError.hidden = false;
      }).catch(function () {
        copy.disabled = false;
        dialogError.textContent = t('copy_error', { error: t('network_error') });
        dialogError.hidden = false;
      });
    });
    cancel.addEventListener('click', function () {
      dialog.close();
    });
    app.appendChild(dialog);
  }

  function showConflict(info) {
    if (!dialog) {
      buildDialog();
    }
    dialogText.textContent = info.error || t('conflict_title');
    dialogBy.textContent = info.updated_by || info.updated_at
      ? t('conflict_by', { user: info.updated_by || '?', time: formatTime(info.updated_at) })
      : '';
    dialogError.hidden = true;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) {
        dialog.showModal();
      }
    } else {
      dialog.setAttribute('open', '');
    }
  }

  /* ---- exports ----------------------------------------------------------- */

  function exportName() {
    if (data.exportName) {
      return safeFileName(data.exportName);
    }
    var definitions = modeler.getDefinitions && modeler.getDefinitions();
    var roots = (definitions && definitions.rootElements) || [];
    for (var i = 0; i < roots.length; i++) {
      if (roots[i].$type === 'bpmn:Process') {
        return safeFileName(roots[i].id);
      }
    }
    return 'prosess';
  }

  function exportFailed(error) {
    notify(t('export_error', { error: error && error.message ? error.message : String(error) }), 'error');
  }

  function downloadBpmn() {
    debounceInput.flushAll();
    modeler.saveXML({ format: true }).then(function (result) {
      downloadText(result.xml, exportName() + '.bpmn', 'application/xml');
    }).catch(exportFailed);
  }

  function downloadSvg() {
    modeler.saveSVG().then(function (result) {
      downloadText(result.svg, exportName() + '.svg', 'image/svg+xml');
    }).catch(exportFailed);
  }

  function downloadPng() {
    modeler.saveSVG().then(function (result) {
      return svgToPng(result.svg);
    }).then(function (blob) {
      downloadBlob(blob, exportName() + '.png');
    }).catch(exportFailed);
  }

  /* ---- toolbar ------------------------------------------------------------ */

  function saveThenGo(url) {
    if (!url) {
      return;
    }
    var pending = state.loaded && isDirty() ? save() : Promise.resolve('saved');
    pending.then(function (outcome) {
      // Saved (possibly with problems: the server page explains them).
      if (outcome === 'saved') {
        leaveTo(url);
      }
    });
  }

  function button(key, label, handler, extraClass) {
    var b = el('button', { type: 'button', class: 'modeler-tool' + (extraClass ? ' ' + extraClass : ''), 'data-action': key, text: label });
    b.addEventListener('click', handler);
    buttons[key] = b;
    return b;
  }

  function group(label, items) {
    return el('div', { class: 'modeler-toolbar__group', role: 'group', 'aria-label': label }, items);
  }

  var zoomScroll = modeler.get('zoomScroll', false);
  function zoom(step) {
    if (zoomScroll) {
      zoomScroll.stepZoom(step);
    } else {
      canvas.zoom(canvas.zoom() * (step > 0 ? 1.2 : 1 / 1.2));
    }
  }

  toolbar.appendChild(group(t('save'), [
    button('save', t('save'), function () {
      save();
    }, 'modeler-tool--primary'),
  ]));
  toolbar.appendChild(group(t('group_history'), [
    button('undo', t('undo'), function () {
      commandStack.undo();
    }),
    button('redo', t('redo'), function () {
      commandStack.redo();
    }),
  ]));
  toolbar.appendChild(group(t('group_zoom'), [
    button('zoom-in', t('zoom_in'), function () {
      zoom(1);
    }),
    button('zoom-out', t('zoom_out'), function () {
      zoom(-1);
    }),
    button('zoom-fit', t('zoom_fit'), fitDiagram),
  ]));
  toolbar.appendChild(group(t('group_download'), [
    button('download-bpmn', t('download_bpmn'), downloadBpmn),
    button('download-svg', t('download_svg'), downloadSvg),
    button('download-png', t('download_png'), downloadPng),
  ]));
  var navItems = [];
  if (data.versionsUrl) {
    var versions = el('a', { class: 'modeler-tool', href: data.versionsUrl, 'data-action': 'versions', text: t('versions') });
    navItems.push(versions);
  }
  if (data.testrunUrl) {
    navItems.push(button('testrun', t('testrun'), function () {
      saveThenGo(data.testrunUrl);
    }));
  }
  if (data.publishUrl) {
    navItems.push(button('publish', t('publish'), function () {
      saveThenGo(data.publishUrl);
    }, 'modeler-tool--primary'));
  }
  if (navItems.length) {
    toolbar.appendChild(group(t('group_navigation'), navItems));
  }

  // ARIA toolbar: one tab stop, arrow keys move between the tools.
  var rovingIndex = 0;
  function tools() {
    return Array.prototype.filter.call(toolbar.querySelectorAll('button, a[href]'), function (item) {
      return !item.disabled;
    });
  }
  function syncRovingTabindex() {
    var items = tools();
    if (!items.length) {
      return;
    }
    var active = items.indexOf(document.activeElement);
    if (active !== -1) {
      rovingIndex = active;
    }
    if (rovingIndex >= items.length) {
      rovingIndex = items.length - 1;
    }
    Array.prototype.forEach.call(toolbar.querySelectorAll('button, a[href]'), function (item) {
      item.setAttribute('tabindex', '-1');
    });
    items[rovingIndex].setAttribute('tabindex', '0');
  }
  toolbar.addEventListener('focusin', function (event) {
    var items = tools();
    var index = items.indexOf(event.target);
    if (index !== -1) {
      rovingIndex = index;
      syncRovingTabindex();
    }
  });
  toolbar.addEventListener('keydown', function (event) {
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
      syncRovingTabindex();
      items[next].focus();
    }
  });
  syncRovingTabindex();

  // Ctrl+S / Cmd+S anywhere on the page.
  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 's' || event.key === 'S')) {
      event.preventDefault();
      if (state.loaded) {
        save();
      }
    }
  }, true);

  /* ---- go ---------------------------------------------------------------- */

  updateStatus(t('status_loading'));
  loadOptions().then(loadDraft).catch(function (error) {
    app.dataset.ready = 'error';
    updateStatus(t('status_save_failed'));
    notify(t('load_error', { error: error && error.message ? error.message : String(error) }), 'error');
  });

  return modeler;
}

function init() {
  var app = document.getElementById('modeler-app');
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
