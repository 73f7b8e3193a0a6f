"""Issue 12 item 5: the references a history entry carries, for the history table and a year's state history."""

from django import template

from escrow.queries.transfers import entry_references as _entry_references

register = template.Library()


@register.filter
def entry_references(details):
    """escrow.queries.transfers.EntryReferences of an entry's details, or None."""
    return _entry_references(details)
