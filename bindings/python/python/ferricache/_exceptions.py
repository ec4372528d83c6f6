"""redis-py's exception classes, re-declared with its names and hierarchy for when redis-py
is not installed (``ferricache.exceptions`` uses redis-py's own classes when it is)."""

# ruff: noqa: A001 - redis-py's names shadow builtins, as in redis-py


class RedisError(Exception):
    """Base class of every error the client raises."""


class ConnectionError(RedisError):
    """Near-cache mode: the server could not be reached, or the connection broke."""


class TimeoutError(RedisError):
    """Near-cache mode: the server did not answer within the command timeout."""


class AuthenticationError(ConnectionError):
    """The server refused the credentials (near-cache mode)."""


class AuthorizationError(ConnectionError):
    """The server refused access (near-cache mode)."""


class BusyLoadingError(ConnectionError):
    """The server is loading its dataset (near-cache mode)."""


class InvalidResponse(RedisError):
    """A reply that could not be parsed."""


class ResponseError(RedisError):
    """An error reply: Redis's text, with the ``ERR `` prefix removed as redis-py removes it."""


class DataError(RedisError):
    """An argument that cannot be sent: a wrong type or an invalid option."""


class PubSubError(RedisError):
    """A pub/sub misuse, or a subscriber cut off for falling behind."""


class WatchError(RedisError):
    """A watched key changed before EXEC: the transaction applied nothing."""


class NoScriptError(ResponseError):
    """NOSCRIPT."""


class OutOfMemoryError(ResponseError):
    """The cache is at max_memory and its policy can evict nothing (OOM)."""


class ExecAbortError(ResponseError):
    """EXEC refused: a command was rejected while queueing (EXECABORT)."""


class ReadOnlyError(ResponseError):
    """READONLY."""


class NoPermissionError(ResponseError):
    """NOPERM."""


class ModuleError(ResponseError):
    """A module error."""


class LockError(RedisError, ValueError):
    """A lock could not be taken, released or extended."""


class LockNotOwnedError(LockError):
    """The lock expired or changed hands before release or extend."""


class ChildDeadlockedError(Exception):
    """A forked child found a lock held by its parent."""


class AuthenticationWrongNumberOfArgsError(ResponseError):
    """AUTH with the wrong number of arguments."""


class RedisClusterException(Exception):
    """Base class of the cluster client's own errors."""


class ClusterError(RedisError):
    """A cluster error."""


class ClusterDownError(ClusterError, ResponseError):
    """CLUSTERDOWN."""


class AskError(ResponseError):
    """ASK."""


class TryAgainError(ResponseError):
    """TRYAGAIN."""


class ClusterCrossSlotError(ResponseError):
    """CROSSSLOT."""


class MovedError(AskError):
    """MOVED."""


class MasterDownError(ClusterDownError):
    """MASTERDOWN."""


class SlotNotCoveredError(RedisClusterException):
    """No node serves the slot."""
