// oct.form_abandon: a form the visitor started (as oct.form_start defines it) and did not submit
// when the page is hidden or left (visibilitychange to hidden, pagehide: the last events a page
// reliably gets, on mobile too); once per form per page. oct.field_name is the last field
// touched, oct.changed_fields how many fields were changed (names and counts only, never values).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_abandon) return;
    oct.form_abandon = 1;
    var USER_MS = 1000;
    var FIELD = /^(input|select|textarea)$/i, NOT_A_FIELD = /^(submit|button|reset|image|hidden)$/i;
    var userAt = 0, forms = [];
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
      var state = {form: form, field: '', changed: [], submitted: false, reported: false};
      forms.push(state);
      return state;
    };
    var user = function () { userAt = new Date().getTime(); };
    var touched = function (e) {
      try {
        var field = e.target, form = field && field.form;
        // Events a script dispatches (frameworks, autofill helpers) are not the visitor.
        if (!form || e.isTrusted === false || !FIELD.test(field.tagName)) return;
        if (NOT_A_FIELD.test(field.type || '')) return;
        if (e.type === 'focusin' && new Date().getTime() - userAt > USER_MS) return;
        var state = stateOf(form, true);
        state.field = field.getAttribute('name') || field.getAttribute('id') || '';
        if (e.type !== 'focusin') {
          for (var i = 0; i < state.changed.length; i++) if (state.changed[i] === field) return;
          state.changed.push(field);
        }
      } catch (err) {}
    };
    var leave = function () {
      try {
        for (var i = 0; i < forms.length; i++) {
          var state = forms[i];
          if (state.submitted || state.reported) continue;
          state.reported = true;
          (window.dataLayer = window.dataLayer || []).push(formData(state.form, {
            'event': 'oct.form_abandon',
            'oct.field_name': state.field,
            'oct.changed_fields': state.changed.length
          }));
        }
      } catch (err) {}
    };
    var types = ['mousedown', 'touchstart', 'keydown'];
    for (var i = 0; i < types.length; i++) document.addEventListener(types[i], user, true);
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
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') leave();
    });
  } catch (err) {}
})();
