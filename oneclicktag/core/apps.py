from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "oneclicktag.core"
    label = "core"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from oneclicktag.core.logging import install_context_record_factory
        from oneclicktag.core.middleware import clear_request_context
        from oneclicktag.core.schedules import connect_schedule_recording

        install_context_record_factory()
        request_finished.connect(clear_request_context, dispatch_uid="oneclicktag.clear_context")
        # The last run of each beat job, for the admin's schedules page.
        connect_schedule_recording()
