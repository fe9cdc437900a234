"""A customer's Google connection over REST and Google's OAuth callback: serializers,
views, urls, and the OpenAPI responses of the endpoints that wait on Google (schema)."""
