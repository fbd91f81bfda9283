"""`xaso outbox` is documented (the CLI's help, docs/deploy.md, the systemd unit) and
`xaso serve` starts it beside gunicorn, but the verb was not dispatched: the outbox
process exited with "lệnh không hợp lệ" and no SMS, Zalo or loudspeaker message left
(found running the production profile for the load test)."""

from __future__ import annotations

import pytest

from xaso.cli import USAGE, main


def test_every_verb_in_the_help_is_dispatched() -> None:
    from pathlib import Path

    from xaso import cli

    source = Path(cli.__file__).read_text(encoding="utf-8")
    verbs = [line.split()[1] for line in USAGE.splitlines() if line.startswith("xaso ")]
    assert "outbox" in verbs
    for verb in verbs:
        assert f'"{verb}"' in source, f"xaso {verb} is in the help but not dispatched"


def test_outbox_verb_reaches_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["outbox", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr()
    assert "lệnh không hợp lệ" not in out.err and "--once" in out.out
