"""A report as the reporter gave it, before validation: the input of `report_submit`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Upload:
    """One uploaded file and the evidence kind the reporter says it is."""

    name: str
    data: bytes
    kind: str


@dataclass(frozen=True)
class Contact:
    """How to reach the reporter; sealed by the vault at once, never shown without need."""

    name: str = ""
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email)


@dataclass(frozen=True)
class Draft:
    item_code: str
    reporter_role: str
    description: str
    targets: tuple[dict[str, str], ...]
    truthful: bool
    contact: Contact = field(default_factory=Contact)
    for_minor: bool = False
    for_elderly: bool = False
    for_disabled: bool = False
    uploads: tuple[Upload, ...] = ()
    channel: str = "web"
