// oct.form_start: the visitor's first interaction with a form (focusing, typing into or changing
// one of its fields); once per form per page. Focus counts only right after a click, tap or key
// press, so autofocus and script focus do not start a form. gtm.element is the form, like GTM's
// form events; oct.field_name is the first field touched (its name or id, never its value).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_start) return;
    oct.form_start = 1;
    var USER_MS = 1000;
    var FIELD = /^(input|select|textarea)$/i, NOT_A_FIELD = /^(submit|button|reset|image|hidden)$/i;
    var userAt = 0, started = [];
    var formData = function (form, data) {
      // getAttribute, because a field named "id" or "action" shadows the form's properties.
      var link = document.createElement('a');
      link.href = form.getAttribute('action') || location.href;
      data['gtm.element'] = form;
      data['gtm.elementClasses'] = form.getAttribute('class') || '';
      data['gtm.elementId'] = form.getAttribute('id') || '';
      data['gtm.elementTarget'] = form.getAttribute('target') || '';
      data['gtm.elementUrl'] = link.href;
      return data;
    };
    var user = function () { userAt = new Date().getTime(); };
    var touched = function (e) {
      try {
        var field = e.target, form = field && field.form;
        // Events a script dispatches (frameworks, autofill helpers) are not the visitor.
        if (!form || e.isTrusted === false || !FIELD.test(field.tagName)) return;
        if (NOT_A_FIELD.test(field.type || '')) return;
        if (e.type === 'focusin' && new Date().getTime() - userAt > USER_MS) return;
        for (var i = 0; i < started.length; i++) if (started[i] === form) return;
        started.push(form);
        (window.dataLayer = window.dataLayer || []).push(formData(form, {
          'event': 'oct.form_start',
          'oct.field_name': field.getAttribute('name') || field.getAttribute('id') || ''
        }));
      } catch (err) {}
    };
    var types = ['mousedown', 'touchstart', 'keydown'];
    for (var i = 0; i < types.length; i++) document.addEventListener(types[i], user, true);
    types = ['focusin', 'input', 'change'];
    for (i = 0; i < types.length; i++) document.addEventListener(types[i], touched, true);
  } catch (err) {}
})();
