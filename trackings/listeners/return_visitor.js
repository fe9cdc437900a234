// oct.return_visitor: a visitor who was here before starts a new session; once per session.
// "Here before" is the first-party cookie _oct_rv (the first visit's time), set on the first visit
// and kept 400 days (the most Chrome allows) after the latest one. A session ends after 30 min
// without a page view (the _oct_rvs cookie), as in GA4, so the later pages of the first visit are
// not return visits. oct.days_since_first_visit counts whole days since the first visit.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.return_visitor) return;
    oct.return_visitor = 1;
    var VISITOR = '_oct_rv', SESSION = '_oct_rvs', DAYS_400 = 34560000, SESSION_S = 1800;
    var t = new Date().getTime();
    var read = function (name) {
      var found = new RegExp('(?:^|;\\s*)' + name + '=([^;]*)').exec(document.cookie);
      return found ? found[1] : null;
    };
    // Like GA's cookie_domain "auto": the widest domain the browser accepts (probed with a
    // throwaway cookie), so www. and shop. share the visitor; host-only where none is accepted.
    var domain = '', parts = location.hostname.split('.');
    for (var i = parts.length - 2; i >= 0 && !domain; i--) {
      var candidate = ';domain=' + parts.slice(i).join('.');
      document.cookie = '_oct_probe=' + t + ';path=/' + candidate;
      if (read('_oct_probe') === String(t)) {
        domain = candidate;
        document.cookie = '_oct_probe=;path=/;max-age=0' + domain;
      }
    }
    var write = function (name, value, seconds) {
      document.cookie = name + '=' + value + ';path=/;max-age=' + seconds + ';SameSite=Lax' + domain;
    };
    var first = read(VISITOR), session = read(SESSION);
    var firstAt = parseInt(first, 10) > 0 && parseInt(first, 10) <= t ? parseInt(first, 10) : t;
    write(VISITOR, String(firstAt), DAYS_400);
    write(SESSION, '1', SESSION_S);
    if (first === null || session !== null) return;
    (window.dataLayer = window.dataLayer || []).push({
      'event': 'oct.return_visitor',
      'oct.days_since_first_visit': Math.floor((t - firstAt) / 86400000)
    });
  } catch (err) {}
})();
