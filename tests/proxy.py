"""Requests as they reach gunicorn behind the shipped nginx: the peer is nginx, and
X-Forwarded-For is whatever the client sent with the client's address appended
($proxy_add_x_forwarded_for)."""

NGINX = "172.30.14.10"  # docker-compose.yml: the nginx service's fixed address, trusted by default
CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.23"


def behind_proxy(client_addr: str, *, sent: str = "") -> dict:
    """Test-client extras for one request from `client_addr` through nginx; `sent` is an
    X-Forwarded-For the client forged itself."""
    forwarded = f"{sent}, {client_addr}" if sent else client_addr
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}
