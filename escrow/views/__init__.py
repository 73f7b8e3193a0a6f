"""HTML portal views: validate input, call one action or query, present the result (DESIGN.md)."""
