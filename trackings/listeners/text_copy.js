// oct.text_copy: the visitor copied text; oct.copied_length is its length in characters. The text
// itself is never pushed: it can hold anything the visitor selected.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.text_copy) return;
    oct.text_copy = 1;
    var elementData = function (el, data) {
      var url = '', tgt = '';
      for (var n = el; n && n.nodeType === 1; n = n.parentNode) {
        if (/^(a|area)$/i.test(n.tagName) && typeof n.href === 'string') {
          url = n.href;
          tgt = n.getAttribute('target') || '';
          break;
        }
      }
      data['gtm.element'] = el;
      data['gtm.elementClasses'] = el.getAttribute('class') || '';
      data['gtm.elementId'] = el.getAttribute('id') || '';
      data['gtm.elementTarget'] = tgt;
      data['gtm.elementUrl'] = url;
      return data;
    };
    document.addEventListener('copy', function (e) {
      try {
        var length = 0, el = null, field = document.activeElement;
        var selection = window.getSelection && window.getSelection();
        // A selection inside a field is not part of the document selection.
        if (field && /^(input|textarea)$/i.test(field.tagName) && typeof field.selectionStart === 'number') {
          length = Math.abs(field.selectionEnd - field.selectionStart);
          el = field;
        }
        if (!length && selection && selection.rangeCount) {
          length = selection.toString().length;
          el = selection.getRangeAt(0).commonAncestorContainer;
          if (el && el.nodeType !== 1) el = el.parentNode;
        }
        if (!length) return;
        if (!el || el.nodeType !== 1) el = e.target.nodeType === 1 ? e.target : document.body;
        (window.dataLayer = window.dataLayer || []).push(elementData(el, {
          'event': 'oct.text_copy',
          'oct.copied_length': length
        }));
      } catch (err) {}
    }, true);
  } catch (err) {}
})();
