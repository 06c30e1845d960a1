from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "jubao.catalogue"
    verbose_name = _("Standards catalogue")

    def ready(self) -> None:
        from jubao.catalogue.checks import check_catalogue

        checks.register(check_catalogue, "catalogue")
