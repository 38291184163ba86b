"""The accounts app's raw SQL: reading a bearer token with everything it acts as, in one
prepared statement (the API's every request starts here; the ORM's four compiled queries cost
more than the endpoint behind many of them).

The statement is filtered by the token's own hash; the peer and the membership it joins are
those of the token's own business and user, never another's."""

from functools import lru_cache

from django.contrib.auth import get_user_model

from peerarmy.db import hot_cursor, instance


def _models():
    from peerarmy.peers.models import Peer
    from peerarmy.tenancy.models import Business, Membership

    from .models import ApiToken

    return ApiToken, get_user_model(), Business, Peer, Membership


@lru_cache(maxsize=1)
def _statement():
    """(SQL, [(model, attnames)]) of the token read, built once from the models."""
    models = _models()
    aliases = ("t", "u", "b", "p", "m")
    parts, columns = [], []
    for model, alias in zip(models, aliases, strict=True):
        names = tuple(f.attname for f in model._meta.concrete_fields)
        parts.append((model, names))
        columns += [f'{alias}."{model._meta.get_field(n).column}"' for n in names]
    token, user, business, peer, membership = (m._meta.db_table for m in models)
    sql = (
        f"SELECT {', '.join(columns)} "  # noqa: S608 - table and column names from the models
        f'FROM "{token}" t '
        f'JOIN "{user}" u ON u."id" = t."user_id" '
        f'JOIN "{business}" b ON b."id" = t."business_id" '
        f'LEFT JOIN "{peer}" p ON t."kind" = %s '
        f'AND p."business_id" = t."business_id" AND p."user_id" = t."user_id" '
        f'LEFT JOIN "{membership}" m ON t."kind" = %s '
        f'AND m."business_id" = t."business_id" AND m."user_id" = t."user_id" '
        f'WHERE t."key_hash" = %s AND t."revoked_at" IS NULL'
    )
    return sql, parts


def token_with_holder(key_hash):
    """(token, user, business, peer or None, membership or None) of the live token whose hash
    is `key_hash`, as model instances; None if there is none. The peer is read for a peer's
    token, the membership for a member's."""
    from .models import TokenKind

    sql, parts = _statement()
    with hot_cursor() as cursor:
        cursor.execute(sql, [TokenKind.PEER.value, TokenKind.MEMBER.value, key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, names in parts:
        values = row[start : start + len(names)]
        start += len(names)
        objects.append(None if values[0] is None else instance(model, names, values))
    return tuple(objects)
