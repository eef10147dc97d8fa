"""Mail the panel sends and what comes back: bounces read from the system account's mailbox."""
