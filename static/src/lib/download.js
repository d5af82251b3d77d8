// Download helpers shared by the read-only viewer (app.js) and the editor
// (modeler.js). PNG is made by drawing the SVG on a canvas; no server round
// trip, no data: URLs in markup.

export function downloadBlob(blob, filename) {
  var url = URL.createObjectURL(blob);
  var link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  document.body.removeChild(link);
  setTimeout(function () {
    URL.revokeObjectURL(url);
  }, 10000);
}

export function downloadText(text, filename, type) {
  downloadBlob(new Blob([text], { type: type + ';charset=utf-8' }), filename);
}

function attribute(tag, name) {
  var match = new RegExp('\\s' + name + '\\s*=\\s*"([^"]*)"').exec(tag);
  return match ? match[1] : null;
}

// Read the size from the root <svg> tag. (No DOMParser: parsing markup with
// style="" attributes would be reported as a CSP violation.)
function svgSize(svg) {
  var tagMatch = /<svg\b[^>]*>/.exec(svg);
  var tag = tagMatch ? tagMatch[0] : '';
  var width = parseFloat(attribute(tag, 'width'));
  var height = parseFloat(attribute(tag, 'height'));
  if (!(width > 0 && height > 0)) {
    var box = (attribute(tag, 'viewBox') || '').split(/[\s,]+/).map(parseFloat);
    width = box[2];
    height = box[3];
  }
  if (!(width > 0 && height > 0)) {
    width = 800;
    height = 600;
  }
  return { width: width, height: height };
}

/** Render SVG markup to a PNG blob (white background, up to 2x). */
export function svgToPng(svg, maxScale) {
  return new Promise(function (resolve, reject) {
    var size = svgSize(svg);
    // Browsers cap canvas size; stay well below (8000 px on the long side).
    var scale = Math.min(maxScale || 2, 8000 / Math.max(size.width, size.height));
    var url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }));
    var image = new Image();
    image.onload = function () {
      try {
        var canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(size.width * scale));
        canvas.height = Math.max(1, Math.round(size.height * scale));
        var context = canvas.getContext('2d');
        context.fillStyle = '#ffffff';
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (blob) {
            resolve(blob);
          } else {
            reject(new Error('canvas.toBlob failed'));
          }
        }, 'image/png');
      } catch (error) {
        URL.revokeObjectURL(url);
        reject(error);
      }
    };
    image.onerror = function () {
      URL.revokeObjectURL(url);
      reject(new Error('could not render SVG'));
    };
    image.src = url;
  });
}

/** File name part: keep letters, digits, - and _. */
export function safeFileName(name, fallback) {
  var cleaned = String(name || '')
    .trim()
    .replace(/[\\/:*?"<>|\s]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || fallback || 'prosess';
}
