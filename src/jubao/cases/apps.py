from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_steps(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the database's table of allowed status steps equal to the workflow table."""
    from jubao.cases.models import AllowedStep
    from jubao.cases.workflow import STEPS

    current = set(AllowedStep.objects.using(using).values_list("source", "target"))
    if current == STEPS:
        return
    AllowedStep.objects.using(using).exclude(
        pk__in=[s.pk for s in AllowedStep.objects.using(using) if (s.source, s.target) in STEPS]
    ).delete()
    AllowedStep.objects.using(using).bulk_create(
        AllowedStep(source=a, target=b) for a, b in sorted(STEPS - current)
    )


class CasesConfig(AppConfig):
    name = "jubao.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        post_migrate.connect(_sync_steps, sender=self)
