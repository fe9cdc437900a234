"""Webhook endpoints over REST: serializers, views, urls."""
