// oct.exit_intent: the mouse pointer leaves the page through the top edge of the viewport (towards
// the tabs, address bar or close button); once per page, only on devices that can hover.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.exit_intent) return;
    oct.exit_intent = 1;
    var fired = false;
    document.addEventListener('mouseout', function (e) {
      try {
        // A null relatedTarget means the pointer left the document; leaving through a side or
        // the bottom, or into a frame, keeps clientY inside the viewport.
        if (fired || e.relatedTarget || e.clientY > 0 || e.isTrusted === false) return;
        if (window.matchMedia && window.matchMedia('(hover: none)').matches) return;
        fired = true;
        (window.dataLayer = window.dataLayer || []).push({'event': 'oct.exit_intent'});
      } catch (err) {}
    });
  } catch (err) {}
})();
