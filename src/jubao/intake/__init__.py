"""Reports, targets, evidence files and receipts: the public portal and the intake API."""
