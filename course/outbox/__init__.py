"""Records out: xAPI statements and signed webhooks, written to a transactional outbox and delivered by a worker."""
