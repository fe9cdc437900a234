// oct.page_print: the visitor is printing the page (or saving it as PDF through the print dialog).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.page_print) return;
    oct.page_print = 1;
    var last = 0;
    var printing = function () {
      try {
        // Print preview can announce the same print twice in a row.
        var t = new Date().getTime();
        if (t - last < 1000) return;
        last = t;
        (window.dataLayer = window.dataLayer || []).push({'event': 'oct.page_print'});
      } catch (err) {}
    };
    if ('onbeforeprint' in window) {
      window.addEventListener('beforeprint', printing);
    } else if (window.matchMedia) {
      // Browsers without beforeprint (Safari before 13) switch the print media query instead.
      window.matchMedia('print').addListener(function (query) {
        if (query.matches) printing();
      });
    }
  } catch (err) {}
})();
