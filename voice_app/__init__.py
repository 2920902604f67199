"""Family Voice: the application factory. Reading it tells you what the app is made of."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from markupsafe import Markup

__version__ = "0.1.0"


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    app = Flask(
        "voice_app",
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=instance_path,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    from voice_app.routing import DatabaseId

    app.url_map.converters["int"] = DatabaseId
    from voice_app.config import build_config
    from voice_app.key_rotation import database_holds_keyed_hashes

    app.config.update(
        build_config(
            Path(app.instance_path),
            os.environ,
            test_config,
            keyed_hashes_stored=database_holds_keyed_hashes,
        )
    )

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from voice_app import passwords

    passwords.configure(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])

    from voice_app.extensions import babel, csrf, db, limiter
    from voice_app.i18n import select_locale
    from voice_app.server_session import ServerSessionInterface

    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    app.session_interface = ServerSessionInterface()

    from voice_app import (
        admin,
        api,
        auth,
        codesign,
        facilitator,
        participant,
        research,
        safeguarding,
        system,
    )

    app.register_blueprint(system.bp)
    app.register_blueprint(participant.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(research.bp)
    app.register_blueprint(codesign.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(safeguarding.bp)
    app.register_blueprint(api.bp)

    from voice_app import cli, compression, errors, i18n, security, static_assets, translate

    cli.init_app(app)
    translate.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    static_assets.init_app(app)
    compression.init_app(app)

    from voice_app.sanitise import clean_help_text

    # The same few help texts come back on every page: clean each once per worker.
    cleaned_help_text = lru_cache(maxsize=2048)(clean_help_text)

    # The only place staff HTML reaches a page, and only after nh3 has cleaned it.
    app.jinja_env.filters["help_html"] = lambda raw: Markup(cleaned_help_text(raw or ""))  # noqa: S704  # nosec B704
    return app
