// oct.cart_abandonment: the page is hidden or left (visibilitychange to hidden, pagehide) while
// the cart holds items, unless the visitor is navigating within the site (a same-site link or a
// form submission just before); once per page. oct.cart_items is the number of items,
// oct.cart_source where that number came from:
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
    var ATTRIBUTE = 'data-oct-cart-count', KEY = '_oct_cart', NAVIGATION_MS = 10000;
    var SNAPSHOT = /^(view_cart|begin_checkout|add_shipping_info|add_payment_info)$/;
    var navigatingAt = 0, reported = false, carried = {};
    var now = function () { return new Date().getTime(); };
    try { carried = JSON.parse(window.sessionStorage.getItem(KEY) || '{}') || {}; } catch (err) {}
    // Replays this page's dataLayer over the cart the previous pages left, so calling it again is
    // harmless.
    var tally = function () {
      var cart = {}, id, i, j, dl = window.dataLayer || [];
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
      try { window.sessionStorage.setItem(KEY, JSON.stringify(cart)); } catch (err) {}
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
    var leave = function () {
      try {
        if (reported) return;
        var size = cartSize();
        if (size.items <= 0 || now() - navigatingAt < NAVIGATION_MS) return;
        reported = true;
        (window.dataLayer = window.dataLayer || []).push({
          'event': 'oct.cart_abandonment',
          'oct.cart_items': size.items,
          'oct.cart_source': size.source
        });
      } catch (err) {}
    };
    // Listened on window in the bubbling phase, after the site's handlers: a link a single-page
    // app handles itself (defaultPrevented) does not leave the page.
    window.addEventListener('click', function (e) {
      try {
        if (e.defaultPrevented || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        for (var n = e.target; n && n.nodeType === 1; n = n.parentNode) {
          if (/^(a|area)$/i.test(n.tagName) && typeof n.href === 'string') {
            var samePage = n.pathname === location.pathname && n.search === location.search;
            if (n.hostname === location.hostname && /^https?:$/.test(n.protocol) && !samePage &&
                !/^_blank$/i.test(n.getAttribute('target') || '')) navigatingAt = now();
            return;
          }
        }
      } catch (err) {}
    });
    window.addEventListener('submit', function (e) {
      if (!e.defaultPrevented) navigatingAt = now();
    });
    window.addEventListener('pagehide', leave);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') leave();
    });
  } catch (err) {}
})();
