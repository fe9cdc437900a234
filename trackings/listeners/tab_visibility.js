// oct.tab_visibility: the page became hidden (tab switched, window minimised, app backgrounded)
// or visible again; oct.visibility_state is "hidden" or "visible".
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.tab_visibility) return;
    oct.tab_visibility = 1;
    var last = document.visibilityState;
    document.addEventListener('visibilitychange', function () {
      try {
        var state = document.visibilityState;
        if ((state !== 'hidden' && state !== 'visible') || state === last) return;
        last = state;
        (window.dataLayer = window.dataLayer || []).push({
          'event': 'oct.tab_visibility',
          'oct.visibility_state': state
        });
      } catch (err) {}
    });
  } catch (err) {}
})();
