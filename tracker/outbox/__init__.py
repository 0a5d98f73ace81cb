"""Outbound messages (e-mail, webhooks): each one a Delivery, sent once, retried by the task queue."""
