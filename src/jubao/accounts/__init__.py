"""Users, roles, offices (the jurisdiction tree), platforms and the access policies."""
