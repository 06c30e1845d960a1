"""The notification outbox: e-mail and SMS to reporters, sent after commit with retries."""
