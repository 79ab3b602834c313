#!/usr/bin/env python3
"""A Flask + Flask-Login app for end-to-end interoperability tests.

    FLASK_SECRET_KEY=k PORT=0 /tmp/flaskvenv/bin/python tests/flask/app.py

Environment: FLASK_SECRET_KEY (required), FLASK_SECRET_KEY_FALLBACKS (optional,
comma-separated), PORT (0 picks a free port). With FLASK_SESSION_REDIS (a redis:// URL)
sessions are Flask-Session's Redis records (SESSION_TYPE = "redis"), with
FLASK_SESSION_PREFIX as SESSION_KEY_PREFIX and FLASK_SESSION_USE_SIGNER=1 for
SESSION_USE_SIGNER. Prints
`listening on http://127.0.0.1:<port>` once it serves.

Routes: POST /login (form `email`, optional `remember=1`), GET /protected,
GET /whoami, POST /logout, GET /session (repr of each value, so tuples show),
POST /session?key=..&value=.., POST /big, POST /flash?msg=..[&category=..],
GET /flashes.
"""

import os

from flask import Flask
from flask import flash
from flask import get_flashed_messages
from flask import request
from flask import session
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user
from werkzeug.serving import make_server

# The last id needs Werkzeug's cookie quoting: a space, ";", ",", a quote and non-ASCII.
USERS = {"foo@bar.tld": "Foo", "bar@bar.tld": "Bar", 'o"neil; x, é@bar.tld': "Odd"}

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
fallbacks = os.environ.get("FLASK_SECRET_KEY_FALLBACKS", "")
app.config["SECRET_KEY_FALLBACKS"] = [k for k in fallbacks.split(",") if k]
if os.environ.get("FLASK_SESSION_REDIS"):
    import warnings

    from flask_session import Session
    from redis import Redis

    app.config["SESSION_TYPE"] = "redis"
    app.config["SESSION_REDIS"] = Redis.from_url(os.environ["FLASK_SESSION_REDIS"])
    app.config["SESSION_KEY_PREFIX"] = os.environ.get("FLASK_SESSION_PREFIX", "session:")
    app.config["SESSION_USE_SIGNER"] = os.environ.get("FLASK_SESSION_USE_SIGNER") == "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # SESSION_USE_SIGNER
        Session(app)

login_manager = LoginManager(app)
login_manager.login_view = "login"
login_manager.session_protection = "basic"


class User(UserMixin):
    def __init__(self, email: str) -> None:
        self.id = email


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return User(user_id) if user_id in USERS else None


@app.post("/login")
def login():
    email = request.form.get("email", "")
    if email not in USERS:
        return "unknown user", 401
    login_user(User(email), remember=request.form.get("remember") == "1")
    return "ok"


@app.get("/protected")
@login_required
def protected():
    return f"Logged in as: {current_user.id}"


@app.get("/whoami")
def whoami():
    return current_user.id if current_user.is_authenticated else "anonymous"


@app.post("/logout")
def logout():
    logout_user()
    return "ok"


@app.get("/session")
def show_session():
    return app.json.response({key: repr(value) for key, value in session.items()})


@app.post("/session")
def set_session():
    session[request.args["key"]] = request.args["value"]
    return "ok"


@app.post("/big")
def big():
    session["big"] = "x" * 3000  # compresses: the cookie payload starts with "."
    return "ok"


@app.post("/flash")
def add_flash():
    flash(request.args["msg"], request.args.get("category", "message"))
    return "ok"


@app.get("/csrf")
def csrf():
    # A form token as a Flask-rendered page would carry it (Flask-WTF).
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


@app.get("/flashes")
def flashes():
    return app.json.response(get_flashed_messages(with_categories=True))


if __name__ == "__main__":
    server = make_server("127.0.0.1", int(os.environ.get("PORT", "0")), app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
