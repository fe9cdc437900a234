"""The one Google identity a fresh emulator knows (API.md, "The emulator's contract").

Constants only: every store builds its initial data from these, and tests and fixtures of other
areas import them instead of repeating literals.
"""

from __future__ import annotations

# OAuth identity
OWNER_EMAIL = "owner@example.com"
OWNER_SUB = "100000000000000000001"
OWNER_NAME = "Example Owner"

# Google Tag Manager
GTM_ACCOUNT_ID = "6000000001"
GTM_ACCOUNT_NAME = "Example Account"
GTM_CONTAINER_ID = "7000000001"
GTM_CONTAINER_PUBLIC_ID = "GTM-OCT0001"
GTM_CONTAINER_NAME = "example.com"
GTM_PUBLISHED_VERSION_ID = "1"
GTM_DEFAULT_WORKSPACE_ID = "1"
GTM_DEFAULT_WORKSPACE_NAME = "Default Workspace"
GTM_ACCOUNT_PATH = f"accounts/{GTM_ACCOUNT_ID}"
GTM_CONTAINER_PATH = f"{GTM_ACCOUNT_PATH}/containers/{GTM_CONTAINER_ID}"
GTM_DEFAULT_WORKSPACE_PATH = f"{GTM_CONTAINER_PATH}/workspaces/{GTM_DEFAULT_WORKSPACE_ID}"

# Google Ads
ADS_MANAGER_CUSTOMER_ID = "1110000001"
ADS_MANAGER_NAME = "Example Manager"
ADS_CLIENT_CUSTOMER_ID = "2220000002"
ADS_CLIENT_NAME = "Example Client"
ADS_CLIENT_CURRENCY = "USD"
ADS_CLIENT_TIME_ZONE = "America/New_York"

# GA4 Admin
GA4_ACCOUNT = "accounts/3000001"
GA4_ACCOUNT_NAME = "Example Analytics"
GA4_PROPERTY = "properties/4000001"
GA4_PROPERTY_NAME = "example.com"
GA4_PROPERTY_TIME_ZONE = "America/New_York"
GA4_PROPERTY_CURRENCY = "USD"
