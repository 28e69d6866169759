"""Secrets a citizen holds (check code, link token), channel tokens, the offline CAPTCHA, and
rate limits per client address (efficiency.client.client_ip) that fail open when the cache
(Redis) is down."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

log = logging.getLogger(__name__)

# Unambiguous characters for a code read out on the phone or typed by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def digest(value: str) -> str:
    """Keyed hash of a secret we must recognise but never store (check code, link token)."""
    return hmac.new(settings.SECRET_KEY.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def token_digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.strip().encode(), hashlib.sha256).hexdigest()


def new_check_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def new_link_token() -> str:
    # OWASP ASVS 11.5.1: at least 128 bits of entropy for a secret in a link.
    return secrets.token_urlsafe(16)


def channel_token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


# --- rate limits ------------------------------------------------------------------------------


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in the window.

    Fails open: with the cache unreachable a citizen's complaint must still be accepted."""
    full = f"acc:rl:{key}"
    try:
        return _count_hit(full, window) <= limit
    except Exception:  # noqa: BLE001 - Redis down: never refuse a complaint for it
        log.warning("rate-limit cache unavailable; allowing %s", key)
        return True


def _count_hit(full: str, window: int) -> int:
    """The hit count after this hit, the window starting at the first. On Redis one round trip
    (SET NX EX and INCR pipelined) where Django's add + incr take three (SET, EXISTS, INCR): it
    is on every complaint POST (issue #17)."""
    backend = getattr(cache, "_cache", None)  # django.core.cache.backends.redis.RedisCacheClient
    if not hasattr(backend, "get_client"):
        cache.add(full, 0, window)
        return cache.incr(full)
    redis_key = cache.make_and_validate_key(full)
    pipe = _redis_client(backend, redis_key).pipeline(transaction=False)
    pipe.set(redis_key, 0, ex=window, nx=True)
    pipe.incr(redis_key)
    return pipe.execute()[1]


_redis_clients: dict[int, tuple] = {}


def _redis_client(backend, redis_key: str):
    """The backend's Redis client for writes, made once per connection pool: Django's
    `get_client` builds a new `redis.Redis` on every call, and its ~170 response callbacks with
    it — more time than the rate limit's round trip (issue #17). The client holds no connection
    of its own (the pool does), so sharing it between threads is what redis-py does anyway."""
    pool = backend._get_connection_pool(True)
    found = _redis_clients.get(id(pool))
    if found is None or found[0] is not pool:
        found = _redis_clients[id(pool)] = (pool, backend.get_client(redis_key, write=True))
    return found[1]


def blocked(key: str, *, limit: int) -> bool:
    try:
        return (cache.get(f"acc:rl:{key}") or 0) >= limit
    except Exception:  # noqa: BLE001
        return False


def submit_allowed(ip: str | None) -> bool:
    return allow(f"submit:{ip or 'unknown'}", limit=getattr(settings, "COMPLAINT_SUBMITS_PER_MINUTE", 20),
                 window=SUBMIT_WINDOW_SECONDS)


LOOKUP_FAILS_PER_IP = 10  # per 10 minutes, whatever the numbers
LOOKUP_WINDOW_SECONDS = 600  # a blocked client is told to come back after this (Retry-After)
SUBMIT_WINDOW_SECONDS = 60  # COMPLAINT_SUBMITS_PER_MINUTE counts in this window
LOOKUP_FAILS_PER_NUMBER = 5  # per hour for one number from one client: the check code is short


def _lookup_keys(ip: str | None, number: str) -> tuple[str, str]:
    # Per (client, number), never per number alone: a stranger's wrong codes must not lock the
    # complainant out of their own complaint. A spread-out guess still meets 32^8 codes.
    ip = ip or "unknown"
    return f"lookup-ip:{ip}", f"lookup-no:{ip}:{number.upper()[:20]}"


def lookup_blocked(ip: str | None, number: str) -> bool:
    per_client, per_number = _lookup_keys(ip, number)
    return blocked(per_client, limit=LOOKUP_FAILS_PER_IP) or blocked(per_number, limit=LOOKUP_FAILS_PER_NUMBER)


def lookup_failed(ip: str | None, number: str) -> None:
    per_client, per_number = _lookup_keys(ip, number)
    allow(per_client, limit=LOOKUP_FAILS_PER_IP, window=LOOKUP_WINDOW_SECONDS)
    allow(per_number, limit=LOOKUP_FAILS_PER_NUMBER, window=3600)


# --- CAPTCHA (django-simple-captcha: images drawn locally, answers kept in the database) --------
#
# Two kinds of challenge share django-simple-captcha's store: its image (5 letters), and a text
# question for whoever cannot see the image (WCAG 1.1.1). The library's audio challenge needs
# flite on the server and spells English letters only, so the accessible alternative is the
# question, read by any screen reader: a small sum in words, answered in digits. A question is
# easier for a machine than the image; the per-client submission limit bounds what that buys.
# Every challenge is single-use: any answer, right or wrong, spends it.

CAPTCHA_KINDS = ("image", "text")
_NUMBER_WORDS = [gettext_lazy("一"), gettext_lazy("二"), gettext_lazy("三"), gettext_lazy("四"), gettext_lazy("五"),
                 gettext_lazy("六"), gettext_lazy("七"), gettext_lazy("八"), gettext_lazy("九")]


def captcha_new(kind: str = "image") -> dict:
    """A new challenge: {"captcha_id", "image_url"} or, for kind "text", {"captcha_id", "question"}."""
    from captcha.helpers import captcha_image_url
    from captcha.models import CaptchaStore

    if kind == "text":
        a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
        question = _("%(a)s加%(b)s等于几？请填写阿拉伯数字。") % {"a": _NUMBER_WORDS[a - 1], "b": _NUMBER_WORDS[b - 1]}
        CaptchaStore.remove_expired()  # as the library's generate_key does
        store = CaptchaStore.objects.create(challenge=f"?{question}", response=str(a + b))
        return {"captcha_id": store.hashkey, "question": question}
    key = CaptchaStore.generate_key()
    return {"captcha_id": key, "image_url": captcha_image_url(key)}


def captcha_show(key: str) -> dict:
    """What the form shows for a challenge: its image, or its question (stored with a leading "?")."""
    from captcha.helpers import captcha_image_url
    from captcha.models import CaptchaStore

    challenge = CaptchaStore.objects.filter(hashkey=key).values_list("challenge", flat=True).first() or ""
    if challenge.startswith("?"):
        return {"captcha_id": key, "question": challenge[1:]}
    return {"captcha_id": key, "image_url": captcha_image_url(key)}


def captcha_spend(key: str) -> None:
    """Delete a challenge (a wrong answer inside a filing that was rolled back still spends it)."""
    from captcha.models import CaptchaStore

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(CaptchaStore._meta.db_table)} WHERE hashkey = %s",
                       [key or ""])


def captcha_use_sql(key: str, answer: str, *, when: str = "TRUE") -> tuple[str, list, str]:
    """`captcha_use` as a CTE of a larger statement (the complaint's filing): the DELETE … RETURNING
    (sql, params) — done only if `when` (SQL over the statement's other CTEs) holds —, and the SQL
    condition, over that CTE named `captcha`, that the answer was right."""
    from captcha.models import CaptchaStore

    answer = (answer or "").strip().lower()
    test_mode = bool(key) and getattr(settings, "CAPTCHA_TEST_MODE", False) and answer == "passed"
    sql = (f"DELETE FROM {connection.ops.quote_name(CaptchaStore._meta.db_table)} WHERE hashkey = %s AND ({when}) "
           "RETURNING (response = %s AND expiration > %s) AS right_answer, left(challenge, 1) = '?' AS was_text")
    right = "TRUE" if test_mode else "EXISTS (SELECT 1 FROM captcha WHERE right_answer)"
    return sql, [key or "", answer, timezone.now()], right


def captcha_use(key: str, answer: str) -> tuple[bool, bool]:
    """One use per challenge: any answer, right or wrong, deletes it, so a solved challenge
    cannot be replayed and a wrong one cannot be guessed at again."""
    from captcha.models import CaptchaStore

    answer = (answer or "").strip().lower()
    if not key:  # no challenge named: refused (an API caller may leave captcha_id out)
        return False, False
    test_mode = getattr(settings, "CAPTCHA_TEST_MODE", False) and answer == "passed"
    # One statement (issue #17: QuerySet.delete() wraps even a plain delete in BEGIN … COMMIT) that
    # deletes the challenge whatever the answer — single use, a wrong answer included (issue #14) —
    # and says whether the answer was right. Two submissions at once: the second deletes nothing.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(CaptchaStore._meta.db_table)} WHERE hashkey = %s "
                       "RETURNING (%s OR (response = %s AND expiration > %s)), left(challenge, 1) = '?'",
                       [key, test_mode, answer or "", timezone.now()])
        row = cursor.fetchone()
        return test_mode or bool(row and row[0]), bool(row and row[1])


def captcha_check(key: str, answer: str) -> bool:
    """Whether the answer is right; the challenge is spent either way (see captcha_use)."""
    return captcha_use(key, answer)[0]
