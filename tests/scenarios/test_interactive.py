"""An interactive run of migrate_user.yaml through a real terminal (a pty): typed answers are
accepted, the password is not echoed, the local outbox's code is offered as the default."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from backend_state import SCENARIOS

BIN = Path(sys.executable).parent
PASSWORDS = ("weakpassword", "Str0ng-Passw0rd!")


class Terminal:
    """A child process on a pseudo-terminal, driven like a person at the keyboard."""

    def __init__(self, *argv: str) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env["NO_COLOR"] = "1"
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.screen = ""

    def expect(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.screen):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{self.screen}")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    if self.proc.poll() is not None and not re.search(pattern, self.screen):
                        raise AssertionError(f"exited waiting for {pattern!r}; screen:\n{self.screen}") from None
        return self.screen

    def type(self, text: str) -> None:
        os.write(self.master, (text + "\r").encode())

    def finish(self, timeout: float = 60) -> int:
        try:
            self.expect(r"(PASSED|FAILED) migrate_user\.yaml", timeout)
        finally:
            code = self.proc.wait(timeout=timeout)
            os.close(self.master)
        return code


def test_a_person_runs_migrate_user_in_a_terminal():
    term = Terminal(str(BIN / "scenario-run"), str(SCENARIOS / "migrate_user.yaml"))
    term.expect(r"Enter a username:")
    term.type("typed_user")
    term.expect(r"during this example:")
    term.type("typed_user@example.com")
    term.expect(r"Do you want to send a code \(y/n\)\? \[Y/n\]")
    term.type("y")
    screen = term.expect(r"Check your email and enter it here: \[(\d{6})\]")
    code = re.search(r"Check your email and enter it here: \[(\d{6})\]", screen).group(1)  # type: ignore[union-attr]
    assert f"[outbox] ForgotPassword message to typed_user@example.com (code {code})" in screen
    term.type("")  # accept the code from the outbox
    term.expect(r"\(the password will not display as you type\):")
    term.type(PASSWORDS[0])
    term.expect(r"Enter another password:")
    term.type(PASSWORDS[1])
    term.expect(r"Do you want to remove all of the AWS resources that were created during this demo \(y/n\)\?")
    term.type("y")
    assert term.finish() == 0, term.screen
    assert "User 'typed_user' successfully confirmed and migrated." in term.screen
    assert "typed_user@example.com" in term.screen  # typed text is echoed...
    for password in PASSWORDS:
        assert password not in term.screen  # ...a password never is
    assert "PASSED migrate_user.yaml" in term.screen


def test_ctrl_c_at_a_prompt_cleans_up_and_exits_130():
    term = Terminal(str(BIN / "scenario-run"), str(SCENARIOS / "migrate_user.yaml"))
    term.expect(r"Enter a username:")
    time.sleep(0.5)  # a person takes a moment too: the process is waiting for input
    term.proc.send_signal(signal.SIGINT)  # what the terminal sends on Ctrl-C
    term.expect(r"FAILED migrate_user\.yaml(.|\n)*interrupted by Ctrl-C; cleaning up", timeout=180)
    code = term.proc.wait(timeout=180)
    os.close(term.master)
    assert code == 130, term.screen
    assert "[undo] add_trigger (undo)  restore the Lambda triggers (UserMigration)" in term.screen
    assert "interrupted by Ctrl-C; cleaning up" in term.screen
    assert "Traceback" not in term.screen and "internal error" not in term.screen


def test_a_choice_a_pause_and_declining_cleanup_in_a_terminal():
    term = Terminal(str(BIN / "scenario-run"), str(SCENARIOS / "auto_confirm.yaml"))
    screen = term.expect(r"Which user do you want to use\?(.|\n)*Enter a number:")
    assert "  1. test_user_1\r\n  2. test_user_2\r\n  3. test_user_3" in screen
    term.type("7")
    term.expect(r"Enter a number between 1 and 3\.")
    term.type("2")
    term.expect(r"\(the password will not display as you type\):")
    term.type(PASSWORDS[1])
    term.expect(r"Press Enter when you're ready to continue\.")
    term.type("")
    term.expect(r"Do you want to remove all of the AWS resources")
    term.type("n")
    term.expect(r"PASSED auto_confirm\.yaml")
    assert term.proc.wait(timeout=60) == 0
    os.close(term.master)
    assert "Signing up user 'test_user_2' with email 'test_email_2@example.com' to Cognito." in term.screen
    assert "User test_user_2 signed up, confirmed = true." in term.screen
    assert "Be sure to remove resources when you're done with them to avoid unexpected charges!" in term.screen
    assert PASSWORDS[1] not in term.screen
