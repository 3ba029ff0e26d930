"""Signed webhooks: events posted to the endpoints admins registered.

:mod:`~tracker.webhooks.events` writes deliveries with their cause (``emit``),
:mod:`~tracker.webhooks.delivery` sends them (the ``deliver_webhook`` job), and
:mod:`~tracker.webhooks.endpoints` manages the endpoints; the admins' pages are
tracker/admin/webhook_views.py.
"""
