"""kombu's Redis transport, with a closed channel's use reported as a lost connection.

When Redis goes away kombu closes the worker's channels (`channel.connection = None`); a publish
or a poll that still holds one then builds a new pool through `Channel._connparams`, which
reads `self.connection.client` and raises AttributeError. Celery does not count that among the
broker's connection errors, so the consumer stopped as on a bug and the worker process died and
stayed dead (issue #14, one Redis outage in three). As a ConnectionError it is what it is — the
broker is gone — and the worker reconnects and retries (settings: forever)."""

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection is None:
            raise redis.ConnectionError("the broker connection of this channel was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
