"""Trackings and deployments over REST: serializers/, views/, urls."""
