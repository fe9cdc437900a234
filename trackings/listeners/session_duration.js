// oct.session_duration: the session reached 30, 60, 120 or 300 s (oct.session_seconds is the
// mark). The session is this tab's browsing, kept in sessionStorage across page loads, and
// restarts after 30 min without a page view; each mark is pushed once per session, on whichever
// page is open when it is reached. Without sessionStorage the session is the current page.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.session_duration) return;
    oct.session_duration = 1;
    var MARKS = [30, 60, 120, 300], IDLE_MS = 1800000;
    var START = '_oct_session_start', SEEN = '_oct_session_seen', DONE = '_oct_session_marks';
    var memory = {};
    var get = function (key) {
      try {
        var value = window.sessionStorage.getItem(key);
        if (value !== null) return value;
      } catch (err) {}
      return memory.hasOwnProperty(key) ? memory[key] : null;
    };
    var set = function (key, value) {
      memory[key] = value;
      try { window.sessionStorage.setItem(key, value); } catch (err) {}
    };
    var now = function () { return new Date().getTime(); };
    var start = parseInt(get(START), 10), seen = parseInt(get(SEEN), 10), t = now();
    if (!(start > 0) || start > t || !(seen > 0) || t - seen > IDLE_MS) {
      start = t;
      set(START, String(start));
      set(DONE, '');
    }
    set(SEEN, String(t));
    window.addEventListener('pagehide', function () { set(SEEN, String(now())); });
    var check = function () {
      try {
        var elapsed = now() - start, next = null;
        set(SEEN, String(now()));
        for (var i = 0; i < MARKS.length; i++) {
          var mark = MARKS[i], done = get(DONE) || '';
          if ((',' + done + ',').indexOf(',' + mark + ',') !== -1) continue;
          if (elapsed >= mark * 1000) {
            set(DONE, done ? done + ',' + mark : String(mark));
            (window.dataLayer = window.dataLayer || []).push({
              'event': 'oct.session_duration',
              'oct.session_seconds': mark
            });
          } else if (next === null) {
            next = mark;
          }
        }
        if (next !== null) setTimeout(check, start + next * 1000 - now() + 20);
      } catch (err) {}
    };
    check();
  } catch (err) {}
})();
