"""API views: reads (queries) and one view per action (escrow.actions)."""
