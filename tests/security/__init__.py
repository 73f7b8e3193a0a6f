"""Issue 10: the portal tried as each hostile insider (database operator, administrator, API client)."""
