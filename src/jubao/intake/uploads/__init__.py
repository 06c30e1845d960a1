"""The evidence-upload sanitiser: limits, checks, polyglot and bomb refusal, metadata-free copies.

See docs/evidence-uploads.md. The public API is re-exported here.
"""

from __future__ import annotations

from .errors import UploadRejected
from .formats import FORMATS, allowed_extensions
from .handlers import LimitedUploadHandler, install_upload_handler
from .limits import UploadLimits, limits_from_settings
from .sanitiser import CleanFile, inspect_upload

__all__ = [
    "FORMATS",
    "CleanFile",
    "LimitedUploadHandler",
    "UploadLimits",
    "UploadRejected",
    "allowed_extensions",
    "inspect_upload",
    "install_upload_handler",
    "limits_from_settings",
]
