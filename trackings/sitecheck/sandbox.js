// The site check's sandbox, installed in a customer's page before any of its scripts run.
//
// The live container is not run (its gtm.js is answered with an empty script, so a check never
// sends GA4 hits or Ads conversions). In its place this script does what GTM would do for our
// triggers: it records every dataLayer push, keeps GTM's merged data model, pushes GTM's own
// auto-events for clicks (gtm.click, gtm.linkClick) and form submissions (gtm.formSubmit), and
// evaluates each tracking's compiled trigger conditions on every event. A trigger that fires is
// reported to the check through window.__octSiteCheckHit (a Playwright binding, so a report
// made just before the page navigates away is not lost).
(function () {
  var RULES = OCT_SITE_CHECK_RULES;
  var state = {hits: [], pushes: 0};
  window.__octSiteCheck = state;
  var model = {};

  function describe(element) {
    if (!element || element.nodeType !== 1) return null;
    var text = (element.innerText || element.value || '').replace(/\s+/g, ' ').trim();
    return element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
      (typeof element.className === 'string' && element.className.trim()
        ? '.' + element.className.trim().split(/\s+/).join('.') : '') +
      (text ? ' "' + text.slice(0, 60) + '"' : '');
  }

  function lookup(path) {
    // Data layer variable, version 2: "a.b" reads model.a.b, unless the key itself has dots.
    if (Object.prototype.hasOwnProperty.call(model, path)) return model[path];
    var value = model, parts = path.split('.');
    for (var i = 0; i < parts.length; i++) {
      if (value === null || value === undefined) return undefined;
      value = value[parts[i]];
    }
    return value;
  }

  function host(url) {
    try { return new URL(url, location.href).hostname.replace(/^www\./, ''); } catch (e) { return ''; }
  }

  function resolve(variable) {
    if (typeof variable === 'string') return variable;
    switch (variable.kind) {
      case 'element': return model['gtm.element'];
      case 'url': return model['gtm.elementUrl'] || '';
      case 'classes': return model['gtm.elementClasses'] || '';
      case 'id': return model['gtm.elementId'] || '';
      case 'target': return model['gtm.elementTarget'] || '';
      case 'text': var el = model['gtm.element'];
        return el ? (el.innerText || el.textContent || '').trim() : '';
      case 'event': return model.event;
      case 'page_url': return location.href;
      case 'page_path': return location.pathname;
      case 'page_host': return variable.strip_www ? host(location.href) : location.hostname;
      case 'click_host': return host(model['gtm.elementUrl'] || '');
      case 'referrer': return document.referrer;
      case 'title': return document.title;
      case 'query': return new URL(location.href).searchParams.get(variable.key) || '';
      case 'dlv': return lookup(variable.key);
    }
    return undefined;
  }

  function holds(condition) {
    var left = resolve(condition.left), right = resolve(condition.right), result;
    if (condition.type === 'cssSelector') {
      try { result = !!(left && left.nodeType === 1 && left.matches(right)); } catch (e) { result = false; }
    } else {
      left = left === undefined || left === null ? '' : String(left);
      right = String(right);
      if (condition.ignore_case) { left = left.toLowerCase(); right = right.toLowerCase(); }
      switch (condition.type) {
        case 'equals': result = left === right; break;
        case 'contains': result = left.indexOf(right) !== -1; break;
        case 'startsWith': result = left.indexOf(right) === 0; break;
        case 'endsWith': result = left.slice(-right.length) === right; break;
        case 'matchRegex':
          try { result = new RegExp(right, condition.ignore_case ? 'i' : '').test(left); }
          catch (e) { result = false; }
          break;
        default: result = false;
      }
    }
    return condition.negate ? !result : result;
  }

  function evaluate(message) {
    for (var i = 0; i < RULES.length; i++) {
      var rule = RULES[i];
      if (rule.event !== message.event) continue;
      if (rule.check_validation && message['gtm.formCanceled']) continue;
      var fires = true;
      for (var j = 0; j < rule.conditions.length && fires; j++) fires = holds(rule.conditions[j]);
      if (!fires) continue;
      var hit = {tracking: rule.tracking, event: message.event, element: describe(model['gtm.element'])};
      state.hits.push(hit);
      try { window.__octSiteCheckHit(hit); } catch (e) { /* the binding is the check's, not the page's */ }
    }
  }

  function record(message) {
    state.pushes += 1;
    if (!message || typeof message !== 'object') return;
    for (var key in message) {
      if (Object.prototype.hasOwnProperty.call(message, key)) model[key] = message[key];
    }
    if (typeof message.event === 'string') {
      try { evaluate(message); } catch (e) { /* never break the page */ }
    }
  }

  function watch(layer) {
    if (!layer || typeof layer.push !== 'function' || layer.__octWatched) return layer;
    var push = layer.push;
    layer.push = function () {
      for (var i = 0; i < arguments.length; i++) record(arguments[i]);
      return push.apply(this, arguments);
    };
    layer.__octWatched = true;
    for (var k = 0; k < layer.length; k++) record(layer[k]);
    return layer;
  }

  var layer = watch([]);
  Object.defineProperty(window, 'dataLayer', {
    configurable: true,
    get: function () { return layer; },
    set: function (value) { layer = watch(value); }
  });

  function elementKeys(element, url) {
    return {
      'gtm.element': element,
      'gtm.elementClasses': typeof element.className === 'string' ? element.className : '',
      'gtm.elementId': element.id || '',
      'gtm.elementTarget': element.getAttribute('target') || '',
      'gtm.elementUrl': url || ''
    };
  }

  function merge(target, extra) {
    for (var key in extra) target[key] = extra[key];
    return target;
  }

  // On window, bubbling: after the page's own handlers, as GTM's listeners see the event.
  window.addEventListener('click', function (event) {
    var element = event.target;
    if (!element || element.nodeType !== 1) return;
    window.dataLayer.push(merge({event: 'gtm.click'}, elementKeys(element, element.href || '')));
    var link = element.closest('a[href]');
    if (link) {
      window.dataLayer.push(merge({event: 'gtm.linkClick'}, elementKeys(link, link.href)));
      // The sandbox stays on the page: a followed link would end the check of this page.
      event.preventDefault();
    }
  });
  window.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || form.nodeType !== 1) return;
    var keys = elementKeys(form, form.action || '');
    keys['gtm.formCanceled'] = event.defaultPrevented;
    window.dataLayer.push(merge({event: 'gtm.formSubmit'}, keys));
  });

  // Custom HTML listener tags run when the container loads, on every page.
  var listeners = OCT_SITE_CHECK_LISTENERS;
  var run = function () {
    for (var i = 0; i < listeners.length; i++) {
      try { (new Function(listeners[i]))(); } catch (e) { /* as a tag's error would be */ }
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();
