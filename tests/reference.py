"""Where the real GTM container exports (copied from ../shared/reference/gtm-exports) live."""

from pathlib import Path

GTM_EXPORTS_DIR = Path(__file__).resolve().parent / "data" / "gtm-exports"
