"""The trackings serializers: trackings; deployments and versions."""
