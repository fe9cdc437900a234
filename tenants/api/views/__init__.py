"""The tenants views, one module per resource."""
