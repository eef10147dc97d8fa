"""The few exceptions of the project; everything else is a result, not a raise."""


class RelayError(Exception):
    """Base of the project's own errors."""


class ConfigError(RelayError):
    """config.toml is missing, malformed or holds an impossible value.

    The message always names the file and, where there is one, the key.
    """


class SecretError(RelayError):
    """The key file is unusable or a stored secret cannot be decrypted."""


class StoreUnavailable(RelayError):
    """Delivery could not read or write the queue, and stops trying: it was asked to stop,
    or the store has failed for so long that a restart is the better hope."""
