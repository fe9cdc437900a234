// oct.dead_click: a click on something that is not a control (no link, button, field, label,
// clickable role, onclick or custom element on it or its ancestors) after which, for 1 s, the page
// does not change: no DOM mutation, no URL change, no scrolling, no focus or visibility change.
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.dead_click) return;
    oct.dead_click = 1;
    var WAIT_MS = 1000;
    // Canvas, media and frames repaint or react without touching the DOM: never call them dead.
    var CONTROL = /^(a|area|button|input|select|textarea|label|option|summary|video|audio|iframe|embed|object|canvas)$/i;
    var ROLE = /^(button|link|checkbox|radio|switch|tab|menuitem|menuitemcheckbox|menuitemradio|option|combobox|slider|spinbutton|textbox|treeitem)$/;
    // Tags that analytics and tag managers add on clicks; they are not a visible reaction.
    var NOISE = /^(script|noscript|style|link|meta|template)$/i;
    var changes = 0, watching = 0, observer = null, leaving = false;
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
    var isControl = function (el) {
      for (var n = el; n && n.nodeType === 1; n = n.parentNode) {
        // A custom element's reaction happens in its shadow DOM, which the observer cannot see.
        if (CONTROL.test(n.tagName) || n.tagName.indexOf('-') !== -1 || n.isContentEditable ||
            typeof n.onclick === 'function' || n.hasAttribute('onclick') ||
            ROLE.test(n.getAttribute('role') || '')) return true;
      }
      return false;
    };
    var isVisible = function (record) {
      var head = document.head, lists = [record.addedNodes, record.removedNodes];
      if (head && head.contains(record.target)) return false;
      if (record.type !== 'childList') return true;
      for (var i = 0; i < 2; i++) {
        for (var j = 0; j < lists[i].length; j++) {
          var n = lists[i][j];
          if (n.nodeType === 1 && !NOISE.test(n.tagName)) return true;
          if (n.nodeType === 3 && /\S/.test(n.data)) return true;
        }
      }
      return false;
    };
    var count = function (records) {
      for (var i = 0; i < records.length; i++) {
        if (isVisible(records[i])) {
          changes++;
          return;
        }
      }
    };
    // One observer for all pending clicks, connected only while a click is being watched.
    var watch = function () {
      observer = observer || new MutationObserver(count);
      if (watching++ === 0) {
        observer.observe(document.documentElement, {
          childList: true, subtree: true, attributes: true, characterData: true
        });
      }
    };
    var unwatch = function () {
      if (--watching === 0) observer.disconnect();
    };
    // pagehide, not beforeunload or unload: those keep the page out of the back/forward cache.
    window.addEventListener('pagehide', function () { leaving = true; });
    document.addEventListener('click', function (e) {
      try {
        var el = e.target, selection = window.getSelection && window.getSelection();
        if (!el || el.nodeType !== 1 || e.isTrusted === false) return;
        if (el === document.documentElement || el === document.body) return;
        // Second and later clicks of a multi-click select text or are rage clicks, not dead ones.
        if (e.detail > 1 || isControl(el) || (selection && !selection.isCollapsed)) return;
        var before = changes, url = location.href, focus = document.activeElement;
        var visibility = document.visibilityState, x = window.pageXOffset, y = window.pageYOffset;
        watch();
        setTimeout(function () {
          try {
            count(observer.takeRecords());
            unwatch();
            if (changes === before && location.href === url && document.activeElement === focus &&
                document.visibilityState === visibility && window.pageXOffset === x &&
                window.pageYOffset === y && !leaving) {
              (window.dataLayer = window.dataLayer || []).push(elementData(el, {
                'event': 'oct.dead_click'
              }));
            }
          } catch (err) {}
        }, WAIT_MS);
      } catch (err) {}
    }, true);
  } catch (err) {}
})();
