from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "jubao.measures"
    verbose_name = _("Disposal measures")

    def ready(self) -> None:
        from jubao.measures.checks import check_measures

        checks.register(check_measures, "measures")
