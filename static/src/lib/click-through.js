// A click that the library's own re-render swallows: pressing a context-pad
// entry moves focus out of the properties panel, whose blur saves the edited
// value; the save re-renders the context pad between mousedown and mouseup,
// so the browser fires no click and the owner has to click twice ("Endre
// type"). When the pressed entry was replaced while the button was down,
// this clicks its replacement (same data-action) once, if the press was a
// click (not a drag).

/** Keep clicks on `selector` entries inside `container` that a re-render would lose. */
export function keepClicksThroughRerender(container, selector) {
  var pressed = null;
  container.addEventListener('mousedown', function (event) {
    var entry = event.button === 0 && event.target.closest ? event.target.closest(selector) : null;
    pressed = entry
      ? { entry: entry, action: entry.getAttribute('data-action'), x: event.clientX, y: event.clientY }
      : null;
  }, true);
  document.addEventListener('mouseup', function (event) {
    var was = pressed;
    pressed = null;
    if (!was || was.entry.isConnected || !was.action) {
      return;
    }
    if (Math.abs(event.clientX - was.x) > 4 || Math.abs(event.clientY - was.y) > 4) {
      return; // a drag, not a click
    }
    var replacement = Array.prototype.filter.call(container.querySelectorAll(selector), function (node) {
      return node.getAttribute('data-action') === was.action;
    })[0];
    if (replacement) {
      // let the browser finish this event first; the lost click never comes
      setTimeout(function () {
        replacement.click();
      }, 0);
    }
  }, true);
}
