// Flytverk front end: progressive enhancement only. Every page works without
// this script. No inline scripts/styles are created from markup strings, and
// nothing here uses eval, so a strict Content-Security-Policy keeps working.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import { parseJSON } from './lib/dom';
import { downloadBlob, downloadText, safeFileName, svgToPng } from './lib/download';
import { createTexts } from './lib/i18n';
import DIAGRAM_TEXTS from './texts/diagram.json';

import './app.css';
import './forms/forms.css';
import { enhance as enhanceForms } from './forms/live';


// Texts for the diagram extras: English in texts/diagram.json, the page's language in the
// data-i18n JSON the server renders on the diagram container (from the catalogue).

// Diff markers: class on the element + a badge with a symbol (never colour
// alone). Order matters: the later marker wins if an id is listed twice.
var DIFF_MARKERS = [
  { attr: 'data-removed-elements', marker: 'highlight-removed', symbol: '\u2212', key: 'removed' },
  { attr: 'data-changed-elements', marker: 'highlight-changed', symbol: '~', key: 'changed' },
  { attr: 'data-added-elements', marker: 'highlight-added', symbol: '+', key: 'added' },
];

/* 1. Error summary: move focus to it so screen-reader and keyboard users
 *    land on the list of problems after a failed submit. */
function focusErrorSummary() {
  var summary = document.querySelector('.error-summary');
  if (!summary) {
    return;
  }
  if (!summary.hasAttribute('tabindex')) {
    summary.setAttribute('tabindex', '-1');
  }
  try {
    summary.focus({ preventScroll: true });
  } catch (e) {
    summary.focus();
  }
  summary.scrollIntoView({ block: 'start' });
}

/* 2. Language switch: submit when the select changes and hide the button.
 *    Keyboard users changing the value with the arrow keys would otherwise
 *    reload the page on the first key press (WCAG 3.2.2 On Input), so a
 *    keyboard-made change reveals the button again instead of submitting;
 *    Enter then submits. */
var NAV_KEYS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'];

function submitForm(form) {
  if (typeof form.requestSubmit === 'function') {
    form.requestSubmit();
  } else {
    form.submit();
  }
}

function enhanceLanguageSwitch(form) {
  var select = form.querySelector('select[name="lang"]');
  if (!select) {
    return;
  }
  var buttons = form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
  var keyboardChange = false;

  function setButtonsHidden(hidden) {
    buttons.forEach(function (button) {
      button.classList.toggle('js-hidden', hidden);
    });
  }

  setButtonsHidden(true);

  select.addEventListener('keydown', function (event) {
    if (NAV_KEYS.indexOf(event.key) !== -1 || (event.key && event.key.length === 1)) {
      keyboardChange = true;
    } else if (event.key === 'Enter') {
      event.preventDefault();
      submitForm(form);
    }
  });
  select.addEventListener('pointerdown', function () {
    keyboardChange = false;
  });
  select.addEventListener('change', function () {
    if (keyboardChange) {
      setButtonsHidden(false);
      return;
    }
    submitForm(form);
  });
}

/* 3. Diagram viewer: render BPMN 2.0 XML read-only and mark where the case
 *    is (highlight-active) and where it has been (highlight-done); for
 *    version comparisons mark added/changed/removed elements (with a
 *    +/~/− badge), and optionally offer SVG/PNG downloads below. */
function splitIds(value) {
  if (!value) {
    return [];
  }
  return value.split(',').map(function (id) {
    return id.trim();
  }).filter(Boolean);
}

function showDiagramError(container, viewer) {
  if (viewer) {
    try {
      viewer.destroy();
    } catch (e) {
      // ignore: we are replacing the content anyway
    }
  }
  var message = container.getAttribute('data-error-text') || diagramTexts(container).diagram_error;
  while (container.firstChild) {
    container.removeChild(container.firstChild);
  }
  // The text is now the content; an img role would hide it from AT.
  if (container.getAttribute('role') === 'img') {
    container.removeAttribute('role');
  }
  container.classList.add('diagram--error');
  container.setAttribute('aria-busy', 'false');
  var p = document.createElement('p');
  p.className = 'diagram-error';
  p.textContent = message;
  container.appendChild(p);
}

function addMarkers(canvas, registry, ids, marker) {
  ids.forEach(function (id) {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
    }
  });
}

function diagramTexts(container) {
  return createTexts([DIAGRAM_TEXTS], parseJSON(container.getAttribute('data-i18n'), {})).texts;
}

function addDiffMarkers(viewer, container, texts) {
  var canvas = viewer.get('canvas');
  var registry = viewer.get('elementRegistry');
  var overlays = viewer.get('overlays');
  var done = {};
  DIFF_MARKERS.forEach(function (kind) {
    splitIds(container.getAttribute(kind.attr)).forEach(function (id) {
      var element = registry.get(id);
      if (!element || element.type === 'label') {
        return;
      }
      if (done[id]) {
        canvas.removeMarker(id, done[id].marker);
        overlays.remove(done[id].overlay);
      }
      canvas.addMarker(id, kind.marker);
      var badge = document.createElement('span');
      badge.className = 'diff-badge diff-badge--' + kind.key;
      badge.title = texts[kind.key];
      var symbol = document.createElement('span');
      symbol.setAttribute('aria-hidden', 'true');
      symbol.textContent = kind.symbol;
      var label = document.createElement('span');
      label.className = 'visually-hidden';
      label.textContent = texts[kind.key] + ': ' + ((element.businessObject && element.businessObject.name) || id);
      badge.appendChild(symbol);
      badge.appendChild(label);
      var overlay = overlays.add(id, 'flytverk-diff', { position: { top: -10, left: -10 }, html: badge });
      done[id] = { marker: kind.marker, overlay: overlay };
    });
  });
}

function addExportButtons(viewer, container, texts) {
  var name = safeFileName(container.getAttribute('data-export-name'), 'prosess');
  var actions = document.createElement('div');
  actions.className = 'diagram-actions';
  var status = document.createElement('p');
  status.className = 'diagram-actions__error';
  status.setAttribute('role', 'alert');
  status.hidden = true;

  function failed() {
    status.textContent = texts.download_error;
    status.hidden = false;
  }

  function makeButton(label, onClick) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-secondary diagram-actions__button';
    button.textContent = label;
    button.addEventListener('click', function () {
      status.hidden = true;
      onClick();
    });
    actions.appendChild(button);
  }

  makeButton(texts.download_svg, function () {
    viewer.saveSVG().then(function (result) {
      downloadText(result.svg, name + '.svg', 'image/svg+xml');
    }).catch(failed);
  });
  makeButton(texts.download_png, function () {
    viewer.saveSVG().then(function (result) {
      return svgToPng(result.svg);
    }).then(function (blob) {
      downloadBlob(blob, name + '.png');
    }).catch(failed);
  });
  actions.appendChild(status);
  container.parentNode.insertBefore(actions, container.nextSibling);
}

function initDiagram(container) {
  var url = container.getAttribute('data-diagram-url');
  // The server's aria-label names the diagram. role="figure" rather than
  // "img": the viewer contains focusable parts (the canvas, which supports
  // keyboard pan/zoom, and the bpmn.io link), and an img role would make
  // them presentational (axe: nested-interactive).
  if (!container.hasAttribute('role')) {
    container.setAttribute('role', 'figure');
  }
  if (!url) {
    showDiagramError(container, null);
    return Promise.resolve();
  }
  container.setAttribute('aria-busy', 'true');

  var viewer;
  try {
    viewer = new NavigatedViewer({ container: container });
  } catch (e) {
    showDiagramError(container, null);
    return Promise.resolve();
  }

  return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/xml, text/xml' } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.text();
    })
    .then(function (xml) {
      return viewer.importXML(xml);
    })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport');
      addMarkers(canvas, registry, splitIds(container.getAttribute('data-completed-elements')), 'highlight-done');
      addMarkers(canvas, registry, splitIds(container.getAttribute('data-active-elements')), 'highlight-active');
      var texts = diagramTexts(container);
      addDiffMarkers(viewer, container, texts);
      if (container.hasAttribute('data-export-name')) {
        addExportButtons(viewer, container, texts);
      }
      container.classList.add('diagram--ready');
      container.setAttribute('aria-busy', 'false');
    })
    .catch(function (error) {
      if (window.console && console.warn) {
        console.warn('Flytverk: could not render diagram', url, error);
      }
      showDiagramError(container, viewer);
    });
}

function initDiagrams() {
  var containers = document.querySelectorAll('[data-bpmn-diagram]');
  Array.prototype.forEach.call(containers, initDiagram);
}

function init() {
  enhanceForms(document);
  focusErrorSummary();
  Array.prototype.forEach.call(document.querySelectorAll('form.lang-switch'), enhanceLanguageSwitch);
  initDiagrams();
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
