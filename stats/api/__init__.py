"""Daily stats over REST: serializers, views, urls."""
