"""Subscriptions: the events that pay rewards."""
