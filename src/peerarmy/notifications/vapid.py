"""VAPID keys for web push (RFC 8292): a P-256 key pair in the URL-safe base64 forms that
browsers (`applicationServerKey`) and pywebpush take. No Django: `peerarmy webpush-keys`
prints a new pair without settings or a database."""

import base64

ENV_PUBLIC = "WEBPUSH_VAPID_PUBLIC_KEY"
ENV_PRIVATE = "WEBPUSH_VAPID_PRIVATE_KEY"
ENV_CONTACT = "WEBPUSH_CONTACT"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_keys() -> tuple[str, str]:
    """(public key, private key): the public one as the uncompressed point (65 bytes), the
    private one as its 32-byte number, both URL-safe base64 without padding."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return public_key_of(key), _b64(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key_of(key) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(raw)


def public_key_for(private_key: str) -> str:
    """The public key that belongs to `private_key` (raises ValueError if it is not one)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = _unb64(private_key)
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes in URL-safe base64")
    return public_key_of(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))


def env_lines(contact: str = "mailto:you@example.org") -> str:
    """A new pair as environment lines to paste into the installation's settings."""
    public, private = new_keys()
    return f"{ENV_PUBLIC}={public}\n{ENV_PRIVATE}={private}\n{ENV_CONTACT}={contact}\n"


def main(argv=None) -> int:
    """`peerarmy webpush-keys [CONTACT]`: print a new key pair as environment lines."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(
            "usage: peerarmy webpush-keys [mailto:you@example.org | https://your.site]\n\n"
            "Print a new VAPID key pair for web push as environment lines. Set them on every\n"
            "web and worker process; keep the private key secret. A new pair makes every\n"
            "browser that enabled notifications enable them again."
        )
        return 0
    contact = args[0] if args else "mailto:you@example.org"
    if not contact.startswith(("mailto:", "https://")):
        print("The contact is a mailto: or https:// address.", file=sys.stderr)
        return 2
    print(env_lines(contact), end="")
    return 0
