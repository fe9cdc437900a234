"""The emulator's HTTP front end: GTM v2, GA4 Admin v1beta, OAuth 2.0 and `/_emulator/*`."""
