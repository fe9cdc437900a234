// oct.form_abandon: a form the visitor changed (typed into or changed one of its fields) and never
// submitted, when the visitor leaves the page (pagehide: closing the tab, following a link, the
// back button, typing an address), or, for trackings that set an idle time, when the form has sat
// untouched that long. Hiding the tab (switching tabs, minimising) is not leaving: the visitor can
// come back to the form, so visibilitychange counts for nothing. A page kept in the back-forward
// cache and shown again is the same page: a form already reported is not reported twice.
// settings.idle lists the idle times (seconds) the container's trackings wait for; every form is
// reported at most once per idle time, and once for "0" (leaving only): each push carries
// oct.idle_seconds, the tracking's trigger matches its own. oct.abandon_reason is "idle" or "left";
// oct.field_name the last field touched, oct.changed_fields how many fields were changed (names
// and counts only, never values).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_abandon) return;
    oct.form_abandon = 1;
    var settings = OCT_SETTINGS;
    var USER_MS = 1000, TICK_MS = 1000;
    var FIELD = /^(input|select|textarea)$/i, NOT_A_FIELD = /^(submit|button|reset|image|hidden)$/i;
    var marks = [0], userAt = 0, forms = [], ticking = false, i;
    var idle = settings.idle || [];
    for (i = 0; i < idle.length; i++) if (idle[i] > 0) marks.push(idle[i]);
    var now = function () { return new Date().getTime(); };
    var formData = function (form, data) {
      var link = document.createElement('a');
      link.href = form.getAttribute('action') || location.href;
      data['gtm.element'] = form;
      data['gtm.elementClasses'] = form.getAttribute('class') || '';
      data['gtm.elementId'] = form.getAttribute('id') || '';
      data['gtm.elementTarget'] = form.getAttribute('target') || '';
      data['gtm.elementUrl'] = link.href;
      return data;
    };
    var stateOf = function (form, create) {
      for (var i = 0; i < forms.length; i++) if (forms[i].form === form) return forms[i];
      if (!create) return null;
      var state = {form: form, field: '', changed: [], submitted: false, reported: {}, at: 0};
      forms.push(state);
      return state;
    };
    var report = function (state, mark, reason) {
      if (state.submitted || !state.changed.length || state.reported[mark]) return;
      state.reported[mark] = 1;
      (window.dataLayer = window.dataLayer || []).push(formData(state.form, {
        'event': 'oct.form_abandon',
        'oct.abandon_reason': reason,
        'oct.idle_seconds': mark,
        'oct.field_name': state.field,
        'oct.changed_fields': state.changed.length
      }));
    };
    var tick = function () {
      try {
        var waiting = false;
        for (var i = 0; i < forms.length; i++) {
          var state = forms[i];
          for (var j = 1; j < marks.length; j++) {
            if (state.submitted || state.reported[marks[j]]) continue;
            if (now() - state.at >= marks[j] * 1000) report(state, marks[j], 'idle');
            else waiting = true;
          }
        }
        ticking = waiting;
        if (waiting) setTimeout(tick, TICK_MS);
      } catch (err) {}
    };
    var user = function () { userAt = now(); };
    var touched = function (e) {
      try {
        var field = e.target, form = field && field.form;
        // Events a script dispatches (frameworks, autofill helpers) are not the visitor.
        if (!form || e.isTrusted === false || !FIELD.test(field.tagName)) return;
        if (NOT_A_FIELD.test(field.type || '')) return;
        if (e.type === 'focusin' && now() - userAt > USER_MS) return;
        var state = stateOf(form, true);
        state.field = field.getAttribute('name') || field.getAttribute('id') || '';
        state.at = now();
        if (e.type !== 'focusin') {
          for (var i = 0; i < state.changed.length; i++) if (state.changed[i] === field) return;
          state.changed.push(field);
        }
        if (!ticking && marks.length > 1 && state.changed.length) {
          ticking = true;
          setTimeout(tick, TICK_MS);
        }
      } catch (err) {}
    };
    var leave = function () {
      try {
        for (var i = 0; i < forms.length; i++) {
          for (var j = 0; j < marks.length; j++) report(forms[i], marks[j], 'left');
        }
      } catch (err) {}
    };
    var types = ['mousedown', 'touchstart', 'keydown'];
    for (i = 0; i < types.length; i++) document.addEventListener(types[i], user, true);
    types = ['focusin', 'input', 'change'];
    for (i = 0; i < types.length; i++) document.addEventListener(types[i], touched, true);
    // A submit event means the browser's validation passed and the form went (or a script sent
    // it); a form that fails validation never fires one and can still be abandoned.
    document.addEventListener('submit', function (e) {
      try {
        if (e.target && e.target.tagName) stateOf(e.target, true).submitted = true;
      } catch (err) {}
    }, true);
    window.addEventListener('pagehide', leave);
  } catch (err) {}
})();
