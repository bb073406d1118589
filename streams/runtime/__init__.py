"""The I/O shell shared by the agents: Kafka plumbing, inbox processing, recovery."""
