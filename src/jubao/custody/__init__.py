"""Identity custody: a reporter's identity is revealed only on a request the custodian approves."""
