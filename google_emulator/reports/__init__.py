"""What the emulator reports: GA4 Data API `runReport`, Google Ads conversion metrics, and the
traffic they are computed from (Measurement Protocol hits and `/_emulator/traffic`)."""
