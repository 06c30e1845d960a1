"""Base layouts of the public portal and the staff workbench, shared components and assets."""
