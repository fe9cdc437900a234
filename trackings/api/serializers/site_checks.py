"""How a site check looks over REST: the run and the pages it loaded. Each tracking's verdict is
on the tracking (`site_status`, `site_check`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trackings.models import SiteCheck


class SiteCheckPageSerializer(serializers.Serializer[Any]):
    url = serializers.CharField()
    final_url = serializers.CharField(allow_null=True, help_text="After redirects.")
    reachable = serializers.BooleanField()
    http_status = serializers.IntegerField(allow_null=True)
    snippet = serializers.BooleanField(
        help_text="Whether the page loads the GTM snippet with the customer's container id."
    )
    error = serializers.CharField(allow_null=True)
    load_ms = serializers.IntegerField()
    total_ms = serializers.IntegerField(help_text="Loading, looking and every click/submit.")
    received_bytes = serializers.IntegerField()
    refused = serializers.ListField(
        child=serializers.CharField(),
        help_text="Requests the sandbox refused (not http(s), not a public address).",
    )
    answered_in_place = serializers.ListField(
        child=serializers.CharField(),
        help_text="Submissions (anything but GET) the sandbox answered itself: nothing a check "
        "does reaches the site's server.",
    )


class SiteCheckSerializer(serializers.ModelSerializer[SiteCheck]):
    customer = serializers.UUIDField(source="customer_id", read_only=True)
    pages = SiteCheckPageSerializer(many=True, read_only=True)
    summary = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text='Trackings checked per verdict: `{"verified": 3, "snippet_missing": 1}`.',
    )

    class Meta:
        model = SiteCheck
        fields = (
            "id",
            "customer",
            "status",
            "pages",
            "summary",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields
