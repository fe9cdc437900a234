"""The Google Ads API emulator: gRPC over TLS for the real ``google-ads`` client.

See README.md in this package for what it serves and how a client trusts its certificate.
"""

from .protos import API_VERSION
from .server import start_ads_server

__all__ = ["API_VERSION", "start_ads_server"]
