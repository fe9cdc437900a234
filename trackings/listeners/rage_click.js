// oct.rage_click: one element clicked 3 or more times within 1 s; pushed once per burst (a burst
// lasts while clicks on that element keep coming less than 1 s apart).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.rage_click) return;
    oct.rage_click = 1;
    var CLICKS = 3, WINDOW_MS = 1000;
    var target = null, times = [], fired = false;
    // GTM keeps pushed keys in its data model, so every element key is always pushed (empty when
    // absent) or {{Click URL}} would show the previous click's link.
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
    document.addEventListener('click', function (e) {
      try {
        var el = e.target, now = new Date().getTime();
        // Clicks a script makes (el.click(), dispatchEvent) are not the visitor's frustration.
        if (!el || el.nodeType !== 1 || e.isTrusted === false) return;
        if (el !== target || now - times[times.length - 1] > WINDOW_MS) {
          target = el;
          times = [];
          fired = false;
        }
        times.push(now);
        while (now - times[0] > WINDOW_MS) times.shift();
        if (!fired && times.length >= CLICKS) {
          fired = true;
          (window.dataLayer = window.dataLayer || []).push(elementData(el, {
            'event': 'oct.rage_click',
            'oct.click_count': times.length
          }));
        }
      } catch (err) {}
    }, true);
  } catch (err) {}
})();
