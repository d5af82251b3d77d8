"""Subscriptions: standing orders a decision granted, their changes, lists and invoices."""
