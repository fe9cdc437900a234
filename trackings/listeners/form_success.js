// oct.form_success: an AJAX form (one whose script cancels the browser's submit and sends the
// data itself) was sent successfully. settings.forms lists the container's AJAX form trackings:
// {key, form: CSS selector of the form, on: "element" | "request", selector, url}. A submission
// starts when the form fires submit (the browser's validation passed) or a button inside it is
// clicked; it succeeds, within 30 s, when
// - on "element": an element matching `selector` (the form's thank-you message) becomes visible
//   that was not visible when the submission started;
// - on "request": a fetch or XMLHttpRequest to `url` (the form's action when absent; compared
//   without query and fragment) answers with a 2xx status. A 4xx/5xx answer or a network error
//   ends the submission as failed; no request at all pushes nothing either.
// Once per submission; oct.form_key is the tracking's key, oct.success_by what proved it.
// Requests made with a fetch the site saved before this script ran are not seen.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_success) return;
    oct.form_success = 1;
    var settings = OCT_SETTINGS;
    var PENDING_MS = 30000, entries = settings.forms || [], pending = [], observer = null;
    if (!entries.length) return;
    var now = function () { return new Date().getTime(); };
    var matches = function (node, selector) {
      var test = node.matches || node.msMatchesSelector || node.webkitMatchesSelector;
      try { return !!test && test.call(node, selector); } catch (err) { return false; }
    };
    var bare = function (url) {
      var link = document.createElement('a');
      link.href = url;
      return link.protocol + '//' + link.host + link.pathname;
    };
    var visible = function (node) {
      if (!node.getClientRects().length) return false;
      var style = window.getComputedStyle(node);
      return style.visibility !== 'hidden' && style.display !== 'none' && style.opacity !== '0';
    };
    var shown = function (selector) {
      var found = [], nodes = document.querySelectorAll(selector);
      for (var i = 0; i < nodes.length; i++) if (visible(nodes[i])) found.push(nodes[i]);
      return found;
    };
    var push = function (item, by) {
      var form = item.form, link = document.createElement('a');
      link.href = form.getAttribute('action') || location.href;
      (window.dataLayer = window.dataLayer || []).push({
        'event': 'oct.form_success',
        'oct.form_key': item.entry.key,
        'oct.success_by': by,
        'gtm.element': form,
        'gtm.elementClasses': form.getAttribute('class') || '',
        'gtm.elementId': form.getAttribute('id') || '',
        'gtm.elementTarget': form.getAttribute('target') || '',
        'gtm.elementUrl': link.href
      });
    };
    var live = function () {
      var kept = [];
      for (var i = 0; i < pending.length; i++) {
        if (now() - pending[i].at <= PENDING_MS) kept.push(pending[i]);
      }
      pending = kept;
      return pending;
    };
    var checkElements = function () {
      try {
        var items = live(), kept = [];
        for (var i = 0; i < items.length; i++) {
          var item = items[i], done = false;
          if (item.entry.on === 'element') {
            var nodes = shown(item.entry.selector);
            for (var j = 0; j < nodes.length && !done; j++) {
              var before = false;
              for (var k = 0; k < item.before.length; k++) if (item.before[k] === nodes[j]) before = true;
              if (!before) done = true;
            }
          }
          if (done) push(item, 'element');
          else kept.push(item);
        }
        pending = kept;
        if (!pending.length && observer) {
          observer.disconnect();
          observer = null;
        }
      } catch (err) {}
    };
    // The answer to the form's request ends its submission: a success, or a failure.
    var answered = function (url, status) {
      try {
        var items = live(), kept = [], target = bare(url);
        for (var i = 0; i < items.length; i++) {
          var item = items[i], entry = item.entry;
          var wanted = entry.url || item.form.getAttribute('action') || location.href;
          if (entry.on !== 'request' || !item.sent || bare(wanted) !== target) kept.push(item);
          else if (status >= 200 && status < 300) push(item, 'request');
        }
        pending = kept;
      } catch (err) {}
    };
    var start = function (form) {
      for (var i = 0; i < entries.length; i++) {
        var entry = entries[i];
        if (!matches(form, entry.form)) continue;
        for (var j = 0; j < pending.length; j++) {
          if (pending[j].form === form && pending[j].entry === entry) pending.splice(j, 1);
        }
        pending.push({
          entry: entry, form: form, at: now(), sent: false,
          before: entry.on === 'element' ? shown(entry.selector) : []
        });
        if (entry.on === 'element' && !observer && window.MutationObserver) {
          observer = new MutationObserver(checkElements);
          observer.observe(document.documentElement, {
            childList: true, subtree: true, attributes: true, characterData: true
          });
        }
      }
      if (pending.length) setTimeout(checkElements, PENDING_MS + 100);
    };
    // A request started during a submission counts; one started before it does not.
    var sending = function () {
      var items = live();
      for (var i = 0; i < items.length; i++) items[i].sent = true;
    };
    document.addEventListener('submit', function (e) {
      try { if (e.target && e.target.tagName) start(e.target); } catch (err) {}
    }, true);
    document.addEventListener('click', function (e) {
      try {
        for (var n = e.target; n && n.nodeType === 1; n = n.parentNode) {
          if (/^button$/i.test(n.tagName) || /^(submit|button|image)$/i.test(n.type || '')) {
            if (n.form && n.type !== 'submit') start(n.form);
            return;
          }
        }
      } catch (err) {}
    }, true);
    if (window.fetch) {
      var fetch = window.fetch;
      window.fetch = function (input) {
        var url = typeof input === 'string' ? input : (input && input.url) || String(input);
        sending();
        var answer = fetch.apply(this, arguments);
        try {
          answer.then(function (response) { answered(url, response.status); }, function () {
            answered(url, 0);
          });
        } catch (err) {}
        return answer;
      };
    }
    var xhr = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
    if (xhr) {
      var open = xhr.open, send = xhr.send;
      xhr.open = function (method, url) {
        try { this.__octUrl = String(url); } catch (err) {}
        return open.apply(this, arguments);
      };
      xhr.send = function () {
        try {
          var request = this;
          sending();
          request.addEventListener('loadend', function () {
            answered(request.__octUrl || '', request.status);
          });
        } catch (err) {}
        return send.apply(this, arguments);
      };
    }
  } catch (err) {}
})();
