"""`slotchat domains list|show|check` through main.main."""

from __future__ import annotations

from pathlib import Path

import main
from prompts.packs import builtin_packs

FIXTURES = Path(__file__).parent / "broken_packs"


def test_domains_list(capsys):
    assert main.main(["domains", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cambridge\trestaurant, hotel, attraction, train, taxi\t")


def test_domains_show(capsys):
    assert main.main(["domains", "show", "cambridge"]) == 0
    out = capsys.readouterr().out
    assert "restaurant-area = centre | east | north | south | west" in out
    assert "intent  book_taxi (transactional, requires: taxi-departure, taxi-destination)" in out
    assert "[2828 database records]" in out
    assert " example dialogues, " in out


def test_domains_show_unknown_pack_is_one_line_error(capsys):
    assert main.main(["domains", "show", "atlantis"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("slotchat: no domain pack 'atlantis'") and err.count("\n") == 1


def test_domains_check_ok(capsys):
    assert main.main(["domains", "check"]) == 0
    assert capsys.readouterr().out == "".join(f"{name}: OK\n" for name in builtin_packs())
    assert main.main(["domains", "check", "cambridge", str(FIXTURES / "ok_minimal")]) == 0


def test_domains_check_prints_every_problem_and_fails(capsys):
    broken = FIXTURES / "bad_turns"
    assert main.main(["domains", "check", "cambridge", str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cambridge: OK"
    assert lines[-1] == f"{broken}: 6 problem(s)"
    assert all(line.startswith(f"{broken}/dialogues/one.yaml:") for line in lines[1:-1])
