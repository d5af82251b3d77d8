// Zoom and downloads of the process editor's toolbar.
import { downloadBlob, downloadText, safeFileName, svgToPng } from '../lib/download';

/** Zoom to fit, keeping the diagram clear of the palette. */
export function fitDiagram(modeler, canvasEl) {
  var canvas = modeler.get('canvas');
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

/** One zoom step in (1) or out (-1). */
export function zoom(modeler, step) {
  var zoomScroll = modeler.get('zoomScroll', false);
  var canvas = modeler.get('canvas');
  if (zoomScroll) {
    zoomScroll.stepZoom(step);
  } else {
    canvas.zoom(canvas.zoom() * (step > 0 ? 1.2 : 1 / 1.2));
  }
}

function exportName(modeler, preferred) {
  if (preferred) {
    return safeFileName(preferred);
  }
  var definitions = modeler.getDefinitions && modeler.getDefinitions();
  var process = ((definitions && definitions.rootElements) || []).filter(function (root) {
    return root.$type === 'bpmn:Process';
  })[0];
  return process ? safeFileName(process.id) : 'prosess';
}

/** Download as 'bpmn' | 'svg' | 'png'; `failed(error)` reports a failure. */
export function download(modeler, kind, preferredName, failed) {
  var name = function () {
    return exportName(modeler, preferredName) + '.' + kind;
  };
  var done;
  if (kind === 'bpmn') {
    done = modeler.saveXML({ format: true }).then(function (result) {
      downloadText(result.xml, name(), 'application/xml');
    });
  } else if (kind === 'svg') {
    done = modeler.saveSVG().then(function (result) {
      downloadText(result.svg, name(), 'image/svg+xml');
    });
  } else {
    done = modeler.saveSVG().then(function (result) {
      return svgToPng(result.svg);
    }).then(function (blob) {
      downloadBlob(blob, name());
    });
  }
  done.catch(failed);
}
