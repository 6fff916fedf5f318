"""Email: the outbox (queue, in the transaction of the change) and its SMTP sender."""
