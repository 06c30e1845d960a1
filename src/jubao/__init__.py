"""jubao: reporting and closed-loop handling of network infringement information."""

__version__ = "0.1.0"
