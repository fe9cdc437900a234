// oct.cart_abandonment: the visitor leaves the site (pagehide) while the cart holds items, or, for
// trackings that set an idle time, leaves the cart untouched that long (no click, key, tap or
// scroll); once per page for each idle time and once for "0" (leaving only), the time carried in
// oct.idle_seconds so each tracking's trigger matches its own (settings.idle lists them).
// Not leaving the site, so not abandonment:
// - hiding the tab (switching tabs, minimising): visibilitychange counts for nothing;
// - going to another page of the site, by a link, a form, a script or the back/forward buttons:
//   where the Navigation API is there (Chromium) its navigate event names the destination; else
//   a same-site link or a form submission just before counts;
// - going to the checkout: a destination on one of settings.checkout_hosts (a hosted checkout
//   such as checkout.shopify.com or checkout.stripe.com, and their subdomains), or to any other
//   site once the cart has reached a checkout step (begin_checkout, add_shipping_info,
//   add_payment_info): the site handed the visitor to its payment provider.
// Closing the tab or typing another address, even during checkout, is leaving.
// oct.cart_items is the number of items, oct.cart_source where that number came from:
// - "attribute": the site marks an element with data-oct-cart-count="<n>" (its cart badge, say);
//   when present it is the whole truth.
// - "dataLayer": otherwise the GA4 ecommerce events this tab pushed (dataLayer.push or gtag):
//   add_to_cart adds each item's quantity (1 when missing), remove_from_cart subtracts it,
//   view_cart, begin_checkout, add_shipping_info and add_payment_info replace the cart with their
//   items, purchase empties it. The tally is kept in sessionStorage, so it spans the tab's pages.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.cart_abandonment) return;
    oct.cart_abandonment = 1;
    var settings = OCT_SETTINGS;
    var ATTRIBUTE = 'data-oct-cart-count', KEY = '_oct_cart', NAVIGATION_MS = 10000;
    var TICK_MS = 1000;
    var SNAPSHOT = /^(view_cart|begin_checkout|add_shipping_info|add_payment_info)$/;
    var CHECKOUT_STEP = /^(begin_checkout|add_shipping_info|add_payment_info)$/;
    var navigatingAt = 0, reported = {}, carried = {}, checkout = false, userAt = 0, i;
    var marks = [0], idle = settings.idle || [], hosts = settings.checkout_hosts || [];
    for (i = 0; i < idle.length; i++) if (idle[i] > 0) marks.push(idle[i]);
    var now = function () { return new Date().getTime(); };
    try { carried = JSON.parse(window.sessionStorage.getItem(KEY) || '{}') || {}; } catch (err) {}
    // Replays this page's dataLayer over the cart the previous pages left, so calling it again is
    // harmless.
    var tally = function () {
      var cart = {}, id, i, j, dl = window.dataLayer || [];
      checkout = !!carried['__checkout'];
      for (id in carried) if (carried.hasOwnProperty(id)) cart[id] = carried[id];
      for (i = 0; i < dl.length; i++) {
        var message = dl[i], name, params;
        if (!message || typeof message !== 'object') continue;
        if (message[0] === 'event' && typeof message.length === 'number') {
          name = message[1];
          params = message[2];
        } else {
          name = message.event;
          params = message.ecommerce;
        }
        if (name === 'purchase') cart = {};
        if (name === 'purchase' || name === 'view_cart') checkout = false;
        if (CHECKOUT_STEP.test(name)) checkout = true;
        var sign = name === 'remove_from_cart' ? -1 : 0;
        if (name === 'add_to_cart' || SNAPSHOT.test(name)) sign = 1;
        if (!sign || !params || !params.items || typeof params.items.length !== 'number') continue;
        if (sign > 0 && name !== 'add_to_cart') cart = {};
        for (j = 0; j < params.items.length; j++) {
          var item = params.items[j] || {}, quantity = parseInt(item.quantity, 10);
          id = String(item.item_id || item.item_name || '');
          if (!(quantity > 0)) quantity = 1;
          cart[id] = Math.max(0, (cart[id] || 0) + sign * quantity);
          if (!cart[id]) delete cart[id];
        }
      }
      delete cart['__checkout'];
      var kept = {};
      for (id in cart) if (cart.hasOwnProperty(id)) kept[id] = cart[id];
      if (checkout) kept['__checkout'] = 1;
      try { window.sessionStorage.setItem(KEY, JSON.stringify(kept)); } catch (err) {}
      return cart;
    };
    var cartSize = function () {
      var badge = document.querySelector('[' + ATTRIBUTE + ']'), cart = tally(), items = 0;
      if (badge) {
        items = parseInt(badge.getAttribute(ATTRIBUTE), 10);
        return {items: items > 0 ? items : 0, source: 'attribute'};
      }
      for (var id in cart) if (cart.hasOwnProperty(id)) items += cart[id];
      return {items: items, source: 'dataLayer'};
    };
    var report = function (mark, reason) {
      if (reported[mark]) return;
      var size = cartSize();
      if (size.items <= 0) return;
      reported[mark] = 1;
      (window.dataLayer = window.dataLayer || []).push({
        'event': 'oct.cart_abandonment',
        'oct.abandon_reason': reason,
        'oct.idle_seconds': mark,
        'oct.cart_items': size.items,
        'oct.cart_source': size.source
      });
    };
    var leave = function () {
      try {
        // The tally is saved on every leave: the next page of the site carries the cart on.
        tally();
        if (now() - navigatingAt < NAVIGATION_MS) return;
        for (var i = 0; i < marks.length; i++) report(marks[i], 'left');
      } catch (err) {}
    };
    // Where a navigation goes decides whether it leaves the site: a page of this host, a checkout
    // host, or any other site once checkout has started do not.
    var staysOrPays = function (url) {
      var link = document.createElement('a');
      link.href = url;
      if (!/^https?:$/.test(link.protocol)) return true;
      var host = link.hostname.toLowerCase();
      if (host === location.hostname.toLowerCase()) return true;
      for (var i = 0; i < hosts.length; i++) {
        var suffix = '.' + hosts[i];
        if (host === hosts[i] || host.slice(-suffix.length) === suffix) return true;
      }
      tally();
      return checkout;
    };
    var user = function () { userAt = now(); };
    var tick = function () {
      try {
        var waiting = false;
        for (var i = 1; i < marks.length; i++) {
          if (reported[marks[i]]) continue;
          if (now() - userAt >= marks[i] * 1000) report(marks[i], 'idle');
          else waiting = true;
        }
        if (waiting) setTimeout(tick, TICK_MS);
      } catch (err) {}
    };
    var types = ['mousedown', 'touchstart', 'keydown', 'scroll'];
    for (i = 0; i < types.length; i++) window.addEventListener(types[i], user, true);
    userAt = now();
    if (marks.length > 1) setTimeout(tick, TICK_MS);
    if (window.navigation && window.navigation.addEventListener) {
      window.navigation.addEventListener('navigate', function (e) {
        try {
          if (e.downloadRequest !== null && e.downloadRequest !== undefined) return;
          if (staysOrPays(e.destination.url)) navigatingAt = now();
          else navigatingAt = 0;
        } catch (err) {}
      });
    }
    // Without the Navigation API: listened on window in the bubbling phase, after the site's
    // handlers, so a link a single-page app handles itself (defaultPrevented) does not leave.
    window.addEventListener('click', function (e) {
      try {
        if (e.defaultPrevented || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        for (var n = e.target; n && n.nodeType === 1; n = n.parentNode) {
          if (/^(a|area)$/i.test(n.tagName) && typeof n.href === 'string') {
            var samePage = n.pathname === location.pathname && n.search === location.search;
            if (!samePage && staysOrPays(n.href) &&
                !/^_blank$/i.test(n.getAttribute('target') || '')) navigatingAt = now();
            return;
          }
        }
      } catch (err) {}
    });
    window.addEventListener('submit', function (e) {
      try {
        var form = e.target;
        if (!e.defaultPrevented && staysOrPays(form.getAttribute('action') || location.href)) {
          navigatingAt = now();
        }
      } catch (err) {}
    });
    window.addEventListener('pagehide', leave);
  } catch (err) {}
})();
