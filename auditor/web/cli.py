"""`auditor serve`: the review workspace on 127.0.0.1 (by default)."""

from __future__ import annotations

import argparse
import ipaddress
import sys


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
    if public:
        print(f"warning: serving on {host}, reachable from other machines; use HTTPS in front of it",
              file=sys.stderr)
    app = create_app(resolve_db_url(args.db), data_dir=args.data_dir, catalog=load_catalog())
    server = make_server(host, args.port, app, threaded=True)
    print(f"审核工作台 review workspace: http://{host}:{server.server_port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="serve the review workspace (web) for evaluators and unit staff")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--data-dir", default=None,
                   help="where uploaded evidence is stored (default: review-data/ beside the SQLite file)")
    p.set_defaults(func=cmd_serve)
