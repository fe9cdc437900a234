// oct.form_embed: a form embedded from a form or scheduling service was completed, as the service
// itself announces it to the page (their documented events, nothing else):
// - HubSpot: the window events of the current forms, `hs-form-event:on-submission:success`
//   (developers.hubspot.com, "Global form events"; detail.formId), and for legacy forms the
//   message {type: 'hsFormCallback', eventName: 'onFormSubmitted', id} (HubSpot's legacy forms
//   reference), posted by HubSpot's script in the page or by its iframe on hsforms.com/.net or
//   hubspot.com. onFormSubmit (sent before the data leaves) and on-submission:failed are not
//   completions.
// - Typeform: the message {type: 'form-submit', embedId, formId?, responseId} from the typeform.com
//   iframe (the @typeform/embed library's onSubmit handler reads exactly that).
// - Calendly: the message {event: 'calendly.event_scheduled', payload} from the calendly.com
//   iframe (developer.calendly.com, "Embed Parent Window Events"); viewing and picking a time are
//   not bookings.
// A message of the right shape from any other origin is ignored: any frame can post messages.
// oct.embed_provider is hubspot, typeform or calendly; oct.embed_form_id the form's id ('' when
// the service does not say).
(function () {
  try {
    var oct = window.__oct = window.__oct || {};
    if (oct.form_embed) return;
    oct.form_embed = 1;
    var ORIGINS = {
      hubspot: /^https:\/\/([a-z0-9-]+\.)*(hsforms\.com|hsforms\.net|hubspot\.com)$/,
      typeform: /^https:\/\/([a-z0-9-]+\.)*typeform\.com$/,
      calendly: /^https:\/\/([a-z0-9-]+\.)*calendly\.com$/
    };
    var here = location.protocol + '//' + location.host;
    var push = function (provider, id) {
      (window.dataLayer = window.dataLayer || []).push({
        'event': 'oct.form_embed',
        'oct.embed_provider': provider,
        'oct.embed_form_id': typeof id === 'string' || typeof id === 'number' ? String(id) : ''
      });
    };
    window.addEventListener('message', function (e) {
      try {
        var data = e.data, origin = String(e.origin || '');
        if (!data || typeof data !== 'object') return;
        if (data.type === 'hsFormCallback' && data.eventName === 'onFormSubmitted') {
          if (origin === here || ORIGINS.hubspot.test(origin)) push('hubspot', data.id);
        } else if (data.type === 'form-submit' && ORIGINS.typeform.test(origin)) {
          push('typeform', data.formId);
        } else if (data.event === 'calendly.event_scheduled' && ORIGINS.calendly.test(origin)) {
          push('calendly', '');
        }
      } catch (err) {}
    });
    window.addEventListener('hs-form-event:on-submission:success', function (e) {
      try { push('hubspot', e.detail && e.detail.formId); } catch (err) {}
    });
  } catch (err) {}
})();
