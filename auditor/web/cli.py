"""`auditor serve`: the review workspace on 127.0.0.1 (by default)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

SECURE_ENV = "AUDITOR_SECURE_COOKIES"  # "1" = --secure-cookies (for service files that set the environment)


def cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from auditor.catalog.loader import load_catalog
    from auditor.store.db import resolve_db_url
    from auditor.web.app import create_app

    host = args.host
    try:
        public = not ipaddress.ip_address(host).is_loopback
    except ValueError:
        public = host != "localhost"
    secure = args.secure_cookies or os.environ.get(SECURE_ENV, "").strip().lower() in ("1", "true", "yes")
    if public and not secure:
        print(f"warning: serving on {host}, reachable from other machines; put HTTPS in front of it and pass "
              "--secure-cookies", file=sys.stderr)
    from auditor.store.db import require_existing_db

    url = require_existing_db(resolve_db_url(args.db))
    app = create_app(url, data_dir=args.data_dir, catalog=load_catalog(), secure_cookies=secure)
    if args.behind_proxy:  # the client address (login throttling, audit log) from the proxy's X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    server = make_server(host, args.port, app, threaded=True)
    print(f"审核工作台 review workspace: http://{host}:{server.server_port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the review workspace (web) for evaluators and unit staff",
        description="example: auditor --db audit.db serve --port 8000   (behind HTTPS: add --secure-cookies "
                    "--behind-proxy; see docs/deployment.md)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--data-dir", default=None,
                   help="where uploaded evidence is stored (default: review-data/ beside the SQLite file)")
    p.add_argument("--secure-cookies", action="store_true",
                   help="behind HTTPS: mark the session cookie Secure (sent only over HTTPS) with the __Host- prefix; "
                        f"also set by {SECURE_ENV}=1 (see docs/deployment.md)")
    p.add_argument("--behind-proxy", action="store_true",
                   help="behind one reverse proxy on this machine: take the client address from X-Forwarded-For "
                        "(per-address login throttling would otherwise count every user as the proxy)")
    p.set_defaults(func=cmd_serve)
