// The `debounceInput` (bpmn-js properties panel) and `debounce` (form-js
// editor) services: debounced like the stock ones (the delay is ours), but
// every pending call is remembered so a save can commit them all first
// (`flushAll`): the last keystrokes are never lost.

export function createDebounceService(delay) {
  var pending = [];

  function remove(fn) {
    var index = pending.indexOf(fn);
    if (index !== -1) {
      pending.splice(index, 1);
    }
  }

  function track(fn) {
    if (pending.indexOf(fn) === -1) {
      pending.push(fn);
    }
  }

  function debounce(fn) {
    var timer = null;
    var lastArgs;
    var lastThis;
    function run() {
      clearTimeout(timer);
      timer = null;
      remove(debounced);
      fn.apply(lastThis, lastArgs);
    }
    function debounced() {
      lastArgs = arguments;
      lastThis = this;
      clearTimeout(timer);
      timer = setTimeout(run, delay);
      track(debounced);
    }
    debounced.flush = function () {
      if (timer) {
        run();
      }
    };
    debounced.cancel = function () {
      clearTimeout(timer);
      timer = null;
      remove(debounced);
    };
    return debounced;
  }

  // Commit only on flush (blur, Ctrl/Cmd+key, save): for fields where every
  // intermediate value would leave something behind (new message names).
  debounce.manual = function (fn) {
    var armed = false;
    var lastArgs;
    var lastThis;
    function deferred() {
      lastArgs = arguments;
      lastThis = this;
      armed = true;
      track(deferred);
    }
    deferred.flush = function () {
      if (armed) {
        armed = false;
        remove(deferred);
        fn.apply(lastThis, lastArgs);
      }
    };
    deferred.cancel = function () {
      armed = false;
      remove(deferred);
    };
    return deferred;
  };

  debounce.flushAll = function () {
    pending.slice().forEach(function (fn) {
      fn.flush();
    });
  };

  debounce.hasPending = function () {
    return pending.length > 0;
  };

  return debounce;
}
