from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "jubao.ledger"
    verbose_name = _("Work ledger")

    def ready(self) -> None:
        from jubao.ledger.guard import register_sqlite_function

        # The SQLite guard triggers call this function; see jubao.ledger.guard.
        connection_created.connect(register_sqlite_function, dispatch_uid="jubao.ledger.guard")
