// Flytverk process editor: bpmn-js Modeler + properties panel with the
// SpiffWorkflow dialect, in the shared editor shell (lib/editor-shell.js).
// Loaded only on editor pages (in addition to app.js/app.css). Talks to the
// server through the URLs in the data-* attributes of #modeler-app
// (contract: static/README.md).
//
// No inline scripts or <style> elements are created and nothing uses eval,
// so `script-src 'self'; style-src 'self'` keeps working.
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { layoutProcess } from 'bpmn-auto-layout';

import spiffDescriptor from './modeler/spiffworkflow.json';
import TEXTS from './texts/modeler.json';
import { createFlytverkModule } from './modeler/properties';
import { createProblemsView } from './modeler/problems';
import { createCanvasNamesModule } from './modeler/a11y';
import { download, fitDiagram, zoom } from './modeler/view';
import { keepClicksThroughRerender } from './lib/click-through';
import { el } from './lib/dom';
import { formatTime, translateModule } from './lib/i18n';
import { createEditorShell, errorText, mountEditor } from './lib/editor-shell';

import './modeler.css';

function initEditor(app) {
  var data = app.dataset;
  var options = { forms: [], lanes: [], connectors: [], processes: [], decisions: [], messages: [] };
  // The clean state is the command stack entry that was current when saved.
  var state = { updatedBy: null, updatedAt: null, savedAction: null, forcedDirty: false };
  var modeler = null;

  var shell = createEditorShell(app, {
    prefix: 'modeler',
    texts: TEXTS,
    url: data.draftUrl,
    load: importDraft,
    prepareSave: prepareSave,
    isDirty: function () {
      return state.forcedDirty || currentAction() !== state.savedAction;
    },
    renderProblems: function (problems) {
      problemsView.render(problems, modeler);
    },
    commandStack: function () {
      return modeler && modeler.get('commandStack');
    },
    flush: function () {
      if (modeler) {
        modeler.get('debounceInput').flushAll();
      }
    },
    idleStatus: function () {
      return state.updatedBy
        ? t('status_revision', { revision: shell.state.revision, user: state.updatedBy, time: formatTime(state.updatedAt) })
        : t('status_saved');
    },
    onResize: canvasResized,
    conflict: {
      detailClass: 'by',
      confirmReload: 'confirm_reload',
      text: function (info) {
        return info.error || t('conflict_title');
      },
      detail: function (info) {
        return info.updated_by || info.updated_at
          ? t('conflict_by', { user: info.updated_by || '?', time: formatTime(info.updated_at) })
          : '';
      },
      actions: [{ key: 'copy', primary: true, run: saveCopy }, { key: 'reload' }, { key: 'cancel' }],
    },
  });
  var t = shell.t;

  /* ---- layout: canvas + problems | properties ------------------------- */

  var canvasEl = el('div', { class: 'modeler-canvas', role: 'region', 'aria-label': t('canvas_label') });
  var propertiesEl = el('aside', { class: 'modeler-properties', 'aria-label': t('properties_label') });
  var problemsView = createProblemsView(t, canvasResized);
  shell.append(shell.notices, el('div', { class: 'modeler-body' }, [
    el('div', { class: 'modeler-main' }, [canvasEl, problemsView.element]),
    propertiesEl,
  ]));

  // the canvas caches its size: tell it when the layout around it changes
  function canvasResized() {
    if (modeler) {
      modeler.get('canvas').resized();
    }
  }

  /* ---- modeler ----------------------------------------------------------- */

  var flytverk = {
    t: t,
    options: options,
    notify: function (message) {
      shell.notify(message, 'success');
    },
    createForm: function (name, title) {
      if (!data.formsUrl) {
        return Promise.resolve({ ok: false, error: 'no forms URL' });
      }
      return shell.api.post(data.formsUrl, { name: name, title: title }).then(function (res) {
        if (res.ok) {
          return { ok: true, name: res.data.name || name };
        }
        return { ok: false, error: res.data.error || ('HTTP ' + res.status) };
      }, function () {
        return { ok: false, error: t('network_error') };
      });
    },
  };

  modeler = new Modeler({
    container: canvasEl,
    propertiesPanel: { parent: propertiesEl },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      createFlytverkModule(flytverk),
      translateModule(t.library, true),
      createCanvasNamesModule(t),
    ],
    moddleExtensions: { spiffworkflow: spiffDescriptor },
  });
  window.flytverkModeler = modeler;
  // a properties edit saved on blur re-renders the context pad mid-click
  keepClicksThroughRerender(canvasEl, '.djs-context-pad .entry');
  var commandStack = modeler.get('commandStack');

  function currentAction() {
    var stack = commandStack._stack || [];
    var index = typeof commandStack._stackIdx === 'number' ? commandStack._stackIdx : stack.length - 1;
    return index >= 0 ? stack[index] || null : null;
  }

  modeler.get('eventBus').on('commandStack.changed', function () {
    if (shell.state.loaded) {
      shell.updateStatus();
    }
  });

  /* ---- loading ------------------------------------------------------------ */

  function loadOptions() {
    if (!data.optionsUrl) {
      return Promise.resolve();
    }
    return shell.api.get(data.optionsUrl).then(function (res) {
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      Object.keys(options).forEach(function (key) {
        if (Array.isArray(res.data[key])) {
          options[key] = res.data[key];
        }
      });
    }).catch(function () {
      shell.notify(t('options_error'), 'warning');
    });
  }

  // A draft without diagram information is laid out (and then unsaved).
  function prepareXml(draft) {
    if (!draft.needs_layout) {
      return Promise.resolve({ xml: draft.bpmn, laidOut: false });
    }
    return Promise.resolve().then(function () {
      return layoutProcess(draft.bpmn);
    }).then(function (xml) {
      return { xml: xml, laidOut: true };
    }, function (error) {
      shell.notify(t('layout_error', { error: errorText(error) }), 'error');
      return { xml: draft.bpmn, laidOut: false };
    });
  }

  function importDraft(draft) {
    return prepareXml(draft).then(function (prepared) {
      return modeler.importXML(prepared.xml).then(function (result) {
        shell.importWarnings(result);
        state.updatedBy = draft.updated_by || null;
        state.updatedAt = draft.updated_at || null;
        state.savedAction = null;
        state.forcedDirty = prepared.laidOut;
        if (prepared.laidOut) {
          shell.notify(t('layout_notice'), 'warning');
        }
        shell.loaded({ revision: draft.revision, problems: draft.problems });
        fitDiagram(modeler, canvasEl);
      });
    });
  }

  /* ---- saving ------------------------------------------------------------- */

  function prepareSave() {
    var action = currentAction();
    var forced = state.forcedDirty;
    return modeler.saveXML({ format: true }).then(function (result) {
      return {
        body: { bpmn: result.xml },
        saved: function () {
          state.savedAction = action;
          if (forced) {
            state.forcedDirty = false;
          }
          var text = t('status_saved_at', { time: formatTime(shell.state.savedAt) });
          if (shell.state.problems.length) {
            text += ' ' + t('saved_with_problems', { count: shell.state.problems.length });
          }
          return shell.isDirty() ? undefined : text;
        },
      };
    });
  }

  // Conflict: keep my version as a new process and open it.
  function saveCopy(dialog, button) {
    dialog.error('');
    button.disabled = true;
    shell.flush();
    modeler.saveXML({ format: true }).then(function (result) {
      return shell.api.post(data.copyUrl, { bpmn: result.xml });
    }).then(function (res) {
      button.disabled = false;
      if (res.ok && res.data.edit_url) {
        shell.leaveTo(res.data.edit_url);
        return;
      }
      dialog.error(t('copy_error', { error: res.data.error || ('HTTP ' + res.status) }));
    }).catch(function () {
      button.disabled = false;
      dialog.error(t('copy_error', { error: t('network_error') }));
    });
  }

  /* ---- toolbar ------------------------------------------------------------ */

  var toolbar = shell.toolbar;

  function downloadAs(kind) {
    return function () {
      shell.flush();
      download(modeler, kind, data.exportName, function (error) {
        shell.notify(t('export_error', { error: errorText(error) }), 'error');
      });
    };
  }

  toolbar.group(t('save'), [toolbar.button('save', t('save'), shell.save, true)]);
  toolbar.group(t('group_history'), [
    toolbar.button('undo', t('undo'), function () {
      commandStack.undo();
    }),
    toolbar.button('redo', t('redo'), function () {
      commandStack.redo();
    }),
  ]);
  toolbar.group(t('group_zoom'), [
    toolbar.button('zoom-in', t('zoom_in'), function () {
      zoom(modeler, 1);
    }),
    toolbar.button('zoom-out', t('zoom_out'), function () {
      zoom(modeler, -1);
    }),
    toolbar.button('zoom-fit', t('zoom_fit'), function () {
      fitDiagram(modeler, canvasEl);
    }),
  ]);
  toolbar.group(t('group_download'), [
    toolbar.button('download-bpmn', t('download_bpmn'), downloadAs('bpmn')),
    toolbar.button('download-svg', t('download_svg'), downloadAs('svg')),
    toolbar.button('download-png', t('download_png'), downloadAs('png')),
  ]);
  var navItems = [];
  if (data.versionsUrl) {
    navItems.push(toolbar.link('versions', data.versionsUrl, t('versions')));
  }
  if (data.testrunUrl) {
    navItems.push(toolbar.button('testrun', t('testrun'), function () {
      shell.saveThenGo(data.testrunUrl);
    }));
  }
  if (data.publishUrl) {
    navItems.push(toolbar.button('publish', t('publish'), function () {
      shell.saveThenGo(data.publishUrl);
    }, true));
  }
  if (navItems.length) {
    toolbar.group(t('group_navigation'), navItems);
  }

  shell.start(loadOptions);
  return modeler;
}

mountEditor('modeler-app', initEditor);
