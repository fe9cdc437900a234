// oct.form_field_interaction: the visitor focused or changed a form field. oct.interaction is
// "focus" or "change", oct.field_name the field's name or id, oct.field_type its type; the value is
// never pushed. Once per field and interaction per page, so tabbing through a form stays cheap.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_field_interaction) return;
    oct.form_field_interaction = 1;
    var FIELD = /^(input|select|textarea)$/i, NOT_A_FIELD = /^(submit|button|reset|image|hidden)$/i;
    var seen = {focus: [], change: []};
    var elementData = function (el, data) {
      data['gtm.element'] = el;
      data['gtm.elementClasses'] = el.getAttribute('class') || '';
      data['gtm.elementId'] = el.getAttribute('id') || '';
      data['gtm.elementTarget'] = '';
      data['gtm.elementUrl'] = '';
      return data;
    };
    var interaction = function (e) {
      try {
        var field = e.target, kind = e.type === 'focusin' ? 'focus' : 'change', done = seen[kind];
        if (!field || e.isTrusted === false || !FIELD.test(field.tagName || '')) return;
        if (NOT_A_FIELD.test(field.type || '')) return;
        for (var i = 0; i < done.length; i++) if (done[i] === field) return;
        done.push(field);
        (window.dataLayer = window.dataLayer || []).push(elementData(field, {
          'event': 'oct.form_field_interaction',
          'oct.interaction': kind,
          'oct.field_name': field.getAttribute('name') || field.getAttribute('id') || '',
          'oct.field_type': field.type || field.tagName.toLowerCase()
        }));
      } catch (err) {}
    };
    document.addEventListener('focusin', interaction, true);
    document.addEventListener('change', interaction, true);
  } catch (err) {}
})();
