"""`policybot rasa <command> [args]`: Rasa's own CLI with this project's domain, data, config, model and
endpoints filled in where the user gave none, and a real `rasa data validate` through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

from policybot.cli import main, rasa_argv, rasa_command

ROOT = Path(__file__).resolve().parents[2]
RASA = [sys.executable, "-m", "rasa"]


def values(argv: List[str], flag: str) -> List[str]:
    """The values after ``flag`` (up to the next flag); fails when the flag is absent or given twice."""
    assert argv[:len(RASA)] == RASA, argv
    argv = argv[len(RASA):]
    assert argv.count(flag) == 1, (flag, argv)
    out = []
    for arg in argv[argv.index(flag) + 1:]:
        if arg.startswith("-"):
            break
        out.append(arg)
    return out


def test_the_command_is_the_longest_known_one() -> None:
    assert rasa_command(["data", "validate", "--fail-on-warnings"]) == ("data", "validate")
    assert rasa_command(["data", "validate", "stories"]) == ("data", "validate", "stories")
    assert rasa_command(["test", "nlu", "--nlu", "x.yml"]) == ("test", "nlu")
    assert rasa_command(["train"]) == ("train",)
    assert rasa_command(["data", "split", "nlu"]) == ("data",)  # unknown here: goes to rasa as it is


def test_data_validate_gets_the_domain_directory_both_data_folders_and_the_config() -> None:
    argv = rasa_argv(["data", "validate", "--fail-on-warnings"])
    assert argv[:5] == [*RASA, "data", "validate"]
    assert values(argv, "--domain") == ["bot/domain"]
    assert values(argv, "--data") == ["nlu_data", "var/nlu_generated"]
    assert values(argv, "--config") == ["config.yml"]
    assert argv[-1] == "--fail-on-warnings"  # the user's own arguments follow, unchanged
    assert "--model" not in argv and "--endpoints" not in argv


def test_train_writes_the_model_where_policybot_run_looks_for_it() -> None:
    argv = rasa_argv(["train", "--dry-run"], fixed_name="policybot-0123456789abcdef")
    assert values(argv, "--out") == ["var/models/rasa"]
    assert values(argv, "--fixed-model-name") == ["policybot-0123456789abcdef"]
    assert values(argv, "--data") == ["nlu_data", "var/nlu_generated"] and "--dry-run" in argv
    # other inputs make another model: it must not take the name of the default inputs' model
    other = rasa_argv(["train", "-c", "other.yml"], fixed_name="policybot-0123456789abcdef")
    assert "--fixed-model-name" not in other and "--config" not in other and other[-2:] == ["-c", "other.yml"]
    nlu = rasa_argv(["train", "nlu"])
    assert values(nlu, "--nlu") == ["nlu_data", "var/nlu_generated"] and "--data" not in nlu


def test_a_flag_the_user_gives_is_not_given_twice() -> None:
    argv = rasa_argv(["data", "validate", "--domain=other/domain", "-c", "mine.yml"])
    assert "--domain" not in argv and "--config" not in argv
    assert values(argv, "--data") == ["nlu_data", "var/nlu_generated"]
    assert rasa_argv(["test", "nlu", "-u", "eval/nlu_blind"], model="m.tar.gz").count("--nlu") == 0


def test_commands_that_load_a_model_get_it_and_the_running_services() -> None:
    shell = rasa_argv(["shell"], model="var/models/rasa/policybot-x.tar.gz", endpoints="var/endpoints-5056.yml",
                      port=40123)
    assert values(shell, "--model") == ["var/models/rasa/policybot-x.tar.gz"]
    assert values(shell, "--endpoints") == ["var/endpoints-5056.yml"]
    # the shell's own server: on the loopback, on a free port (not Rasa's 0.0.0.0:5005, `policybot run`'s port)
    assert values(shell, "--interface") == ["127.0.0.1"] and values(shell, "--port") == ["40123"]
    assert "--port" not in rasa_argv(["shell", "-p", "5006"], model="m", endpoints="e", port=40123)
    interactive = rasa_argv(["interactive"], model="m.tar.gz", endpoints="e.yml", port=40124)
    assert values(interactive, "--domain") == ["bot/domain"] and values(interactive, "--model") == ["m.tar.gz"]
    assert values(interactive, "--endpoints") == ["e.yml"] and values(interactive, "--port") == ["40124"]
    run = rasa_argv(["run", "--enable-api"], model="m.tar.gz", endpoints="e.yml")
    assert values(run, "--credentials") == ["bot/credentials.yml"] and values(run, "--interface") == ["127.0.0.1"]
    test = rasa_argv(["test"], model="m.tar.gz")
    assert values(test, "--stories") == ["tests/stories"] and values(test, "--nlu") == ["eval/nlu"]
    assert values(test, "--model") == ["m.tar.gz"] and "--endpoints" not in test
    assert values(rasa_argv(["shell", "-m", "mine.tar.gz"], model="m.tar.gz"), "-m") == ["mine.tar.gz"]
    assert "--model" not in rasa_argv(["shell", "-m", "mine.tar.gz"], model="m.tar.gz")


def test_every_default_path_exists() -> None:
    """The defaults name the project's real files (var/ is generated, by `policybot rasa` itself)."""
    for args in (["data", "validate"], ["train"], ["test"], ["shell"], ["run"], ["interactive"]):
        argv = rasa_argv(args)
        for flag in ("--domain", "--config", "--stories", "--nlu", "--credentials", "--logging-config-file"):
            if flag in argv:
                for value in values(argv, flag):
                    assert (ROOT / value).exists(), (args, flag, value)


def test_rasa_is_listed_among_the_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    assert "rasa" in capsys.readouterr().out


def test_rasa_data_validate_runs_through_the_wrapper() -> None:
    """The real thing, from the project root: Rasa loads the domain directory, both data folders and the
    config, and the validator passes with warnings as failures (as `make test` runs it)."""
    # Rasa's log level comes from LOG_LEVEL when no flag is given: pin it, whatever the suite's environment holds
    done = subprocess.run([sys.executable, "-m", "policybot.cli", "rasa", "data", "validate", "--fail-on-warnings"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LOG_LEVEL": "INFO", "LOG_LEVEL_LIBRARIES": "ERROR"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    log = done.stdout + done.stderr
    assert "Validating intents..." in log and "No story structure conflicts found." in log, \
        f"stdout: {done.stdout[:2000]}\nstderr: {done.stderr[-2000:]}"
