"""An SMTP server for tests that keeps every message it is given as a JSON file.

Usage: python3 smtp_sink.py DIR

Listens on 127.0.0.1 at a port the system picks, and prints `PORT <n>` once it accepts
connections. Every sender and recipient is accepted, with or without a login; a client that
logs in (AUTH PLAIN or LOGIN, no TLS needed) is accepted whatever its password, and its
username is kept with its messages. Each message becomes `DIR/<n>.json` (n = 1, 2, ...),
with the keys `mail_from`, `rcpt_tos`, `data`, `auth_user` and `auth_password`; it is written under another
name first and then renamed, so a reader never sees half a file. While a file `DIR/REFUSE`
exists, recipients and message data get `451 4.3.0 try again later`, a temporary failure
the client must retry. Recipients listed (one address a line) in a file `DIR/REJECT` get
`550 5.1.1 no such mailbox`, a refusal for good. Runs until it is killed.

Needs the Python package aiosmtpd (.ci/services installs it).
"""

import asyncio
import json
import logging
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult

REFUSED = "451 4.3.0 try again later"
REJECTED = "550 5.1.1 no such mailbox"

# aiosmtpd itself still fills the deprecated Session.login_data on every login, and logs a
# warning about it each time: keep those out of the log.
logging.getLogger("mail.log").addFilter(
    lambda record: "login_data is deprecated" not in record.getMessage()
)


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def refusing(self):
        return os.path.exists(os.path.join(self.directory, "REFUSE"))

    def rejected(self):
        try:
            with open(os.path.join(self.directory, "REJECT"), encoding="utf-8") as listed:
                return {line.strip().lower() for line in listed if line.strip()}
        except FileNotFoundError:
            return set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing():
            return REFUSED
        if address.lower() in self.rejected():
            return REJECTED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusing():
            return REFUSED
        content = envelope.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        login = getattr(session.auth_data, "login", None)
        if isinstance(login, bytes):
            login = login.decode("utf-8", errors="replace")
        password = getattr(session.auth_data, "password", None)
        if isinstance(password, bytes):
            password = password.decode("utf-8", errors="replace")
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": content,
            "auth_user": login,
            "auth_password": password,
        }
        final = os.path.join(self.directory, f"{self.count}.json")
        partial = os.path.join(self.directory, f".{self.count}.json.partial")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(partial, final)
        return "250 Message accepted"


def accept_any_login(server, session, envelope, mechanism, auth_data):
    # On success the server keeps auth_data (username and password) in session.auth_data.
    return AuthResult(success=True, auth_data=auth_data)


async def main(directory):
    handler = Sink(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="localhost",
            enable_SMTPUTF8=True,
            auth_require_tls=False,
            authenticator=accept_any_login,
        ),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: smtp_sink.py DIR", file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1]))
